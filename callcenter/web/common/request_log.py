"""One JSON log line per request, and the request id every line of the request carries.

The line names the route's template (`/api/v1/tenants/<int:tenant_id>/dnc/<path:number>`),
never the path as sent, so numbers, tokens or anything else a client puts in a URL stay out
of the log. A client's `X-Request-Id` is kept when it is sane (letters, digits, `.`, `_`,
`:`, `-`; at most 128 characters; nothing the redaction would remove), else one is made;
either way it is answered in `X-Request-Id`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, g, request
from werkzeug.wrappers import Response

from callcenter import logs

log = logging.getLogger("callcenter.request")
HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(given: str | None) -> str:
    """The client's id if sane, else a new one."""
    if given and _SANE.fullmatch(given) and logs.redact(given) == given:
        return given
    return uuid.uuid4().hex


def _begin() -> None:
    request_id = request_id_from(request.headers.get(HEADER))
    here = g._get_current_object()  # once: every request runs this (hot path)
    here.request_id = request_id
    here.request_log_started = time.perf_counter()
    here.request_id_token = logs.REQUEST_ID.set(request_id)


def _who(here) -> dict:
    """The caller when already known (no query is made for the log's sake)."""
    user = here.get("api_user") or here.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", True):
        return {}
    return {"user_id": getattr(user, "id", None), "tenant_id": getattr(user, "tenant_id", None)}


# The request line's values from the code's own small sets (route templates, endpoint
# names, these methods): the log filter remembers their redaction instead of redoing it.
STANDARD_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
_KNOWN = ("event", "route", "endpoint")
_KNOWN_WITH_METHOD = ("event", "route", "endpoint", "method", "message")


def _finish(response: Response) -> Response:
    req, here = request._get_current_object(), g._get_current_object()
    request_id = here.get("request_id")
    if request_id is None:  # refused before our first hook ran
        request_id = here.request_id = request_id_from(None)
    response.headers[HEADER] = request_id
    started = here.get("request_log_started")
    method, rule, status = req.method, req.url_rule, response.status_code
    fields = {"event": "request", "method": method,
              "route": rule.rule if rule else None,
              "endpoint": req.endpoint, "status": status,
              "duration_ms": round((time.perf_counter() - started) * 1000, 2)
              if started is not None else None, **_who(here)}
    log.info("%s %s %s", method, fields["route"] or "(no route)", status,
             extra={"fields": fields, "request_id": request_id,
                    "known": _KNOWN_WITH_METHOD if method in STANDARD_METHODS else _KNOWN})
    return response


def _forget(_exc: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        try:
            logs.REQUEST_ID.reset(token)
        except ValueError:  # set in another context (a streamed response's)
            logs.REQUEST_ID.set(None)


def init_app(app: Flask) -> None:
    """First hook in, last hook out: every other hook's logs carry the id."""
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_forget)
