"""Domain errors to HTTP, in one place: one JSON shape for the API, pages for humans.

JSON error messages stay English (machine-facing, as the contract documents them);
pages say the common HTTP errors in the reader's language.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from callcenter.domain.errors import DomainError
from callcenter.web.common.context import rollback
from callcenter.web.common.i18n import _, lazy_gettext

STATUS = {
    "invalid_input": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "insufficient_funds": 402,
    "conflict": 409,
    "idempotency_conflict": 409,
    "invalid_state": 409,
    "short_notice": 409,
    "content_prohibited": 422,
    "rate_limited": 429,
    "provider_error": 502,
    "not_configured": 503,
}

# What a page says for an HTTP error raised without a message of its own.
PAGE_MESSAGES = {
    400: lazy_gettext("The request could not be understood. Check the form and try again."),
    401: lazy_gettext("Please sign in."),
    403: lazy_gettext("You are not allowed to do this."),
    404: lazy_gettext("This page does not exist, or is not yours to see."),
    405: lazy_gettext("This page cannot be used that way."),
    413: lazy_gettext("What you sent is too large."),
    429: lazy_gettext("Too many attempts: wait a moment and try again."),
    500: lazy_gettext("Something went wrong on our side. Please try again."),
}


def page_message(exc: HTTPException) -> str:
    """The page's words for an HTTP error: its own message if it was given one."""
    default = type(exc).description
    if exc.description and exc.description != default:
        return exc.description
    known = PAGE_MESSAGES.get(exc.code or 500)
    return str(known) if known is not None else (exc.description or exc.name)


def wants_json() -> bool:
    """API and webhook callers get JSON; browsers get pages."""
    return request.path.startswith(("/api/", "/webhooks/"))


def error_response(code: str, message: str, status: int, details: dict | None = None):
    """The contract's error shape."""
    body: dict = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return jsonify(body), status


def init_app(app: Flask) -> None:
    """Install the handlers; every failed request rolls back first."""

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        rollback()
        status = STATUS.get(exc.code, 400)
        headers = {}
        if status == 429:
            headers["Retry-After"] = str(exc.details.get("retry_after", 60))
        if wants_json():
            body, _status = error_response(exc.code, exc.message, status, exc.details)
            return body, status, headers
        return render_template("error.html", status=status, message=exc.message), status, \
            headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        rollback()
        if wants_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            return error_response(code, exc.description or exc.name, exc.code or 500)
        return render_template("error.html", status=exc.code,
                               message=page_message(exc)), exc.code

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        # Providers retry on 5xx; nothing was committed.
        rollback()
        app.logger.exception("database error")
        if wants_json():
            return error_response("unavailable", "the service cannot take this right now",
                                  503)
        return render_template("error.html", status=503,
                               message=_("The service is briefly unavailable.")), 503
