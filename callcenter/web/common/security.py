"""Sign-in sessions (Flask-Login), CSRF exemptions and response headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from callcenter.extensions import db, login_manager
from callcenter.models import User
from callcenter.services import auth as auth_service


class SessionUser:
    """The Flask-Login wrapper around a User row."""

    def __init__(self, user: User) -> None:
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.tenant_id = user.tenant_id
        self.is_active = user.active
        self.session_version = user.session_version
        self.locale = user.locale
        self.is_authenticated = True
        self.is_anonymous = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        # The version makes every cookie of this user invalid once it is raised.
        return f"{self.id}:{self.session_version}"


def trust_proxies(app: Flask) -> None:
    """Take the client address, scheme and host from the `TRUSTED_PROXIES` nearest proxies.

    Each proxy appends the address it saw to X-Forwarded-For; only the last N entries
    were written by proxies we run, anything before them the client may have made up.
    """
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_port=hops)


def _origin(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(config) -> str:
    """Scripts only from our own files and Stripe.js (no inline script, no handlers);
    Stripe Elements may frame and call Stripe; nobody may frame us."""
    stripe = " ".join(filter(None, {_origin(config.get("STRIPE_JS_URL")),
                                    "https://js.stripe.com"}))
    return "; ".join((
        "default-src 'self'", f"script-src 'self' {stripe}",
        f"frame-src {stripe} https://hooks.stripe.com",
        "connect-src 'self' https://api.stripe.com", "img-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",  # Stripe Elements styles its own frame
        "object-src 'none'", "base-uri 'self'", "form-action 'self'",
        "frame-ancestors 'none'"))


def protective_headers(config, hsts: int) -> tuple[tuple[str, str, str], ...]:
    """(lowercased name, name, value) of the headers every response gets unless it set
    them itself, in the order they are added; the same for every request, so built once."""
    found = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
             ("Referrer-Policy", "same-origin"),
             ("Content-Security-Policy", content_security_policy(config))]
    if hsts:
        found.append(("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains"))
    return tuple((name.lower(), name, value) for name, value in found)


def init_app(app: Flask) -> None:
    """Load users per request and set protective headers."""
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(cookie_id: str) -> SessionUser | None:
        user = auth_service.user_for_session(db.session, cookie_id)
        return SessionUser(user) if user is not None else None

    hsts = int(app.config.get("HSTS_SECONDS") or 0)
    protective = protective_headers(app.config, hsts)

    @app.before_request
    def refuse_oversized_bodies() -> None:
        # Before authentication or any view: a body over the limit is never read.
        req = request._get_current_object()  # once: every request runs this (hot path)
        limit = req.max_content_length
        if limit is not None and (req.content_length or 0) > limit:
            abort(413, f"the request body is larger than {limit} bytes")

    @app.after_request
    def headers(response):
        # What setdefault did per header, in one pass over the response's headers.
        found = response.headers
        present = {key.lower() for key, _ in found}
        for lower, name, value in protective:
            if lower not in present:
                found.add(name, value)
        # Provider webhooks are never cached either: they get no-store without loading a
        # signed-in user (providers send none, and opening one is a tenth of their CPU).
        if request.blueprint == "webhooks" or g.get("api_user") is not None \
                or current_user.is_authenticated:
            # A tenant's balances, calls and exports must not stay in shared caches or
            # in the browser's back button after sign-out.
            found["Cache-Control"] = "no-store"
        return response
