"""Framework work done once per process instead of once per request.

Measured on the call webhooks (benchmarks/FINDINGS.md): Flask builds the cookie
session's signing serializer (itsdangerous) on every request, and asks `inspect`
whether each before/after-request function is a coroutine every time it calls one.
Neither answer changes while the app runs: both are cached here. Behaviour is
unchanged (same cookies, same keys, a new SECRET_KEY or fallback list gets a new
serializer). A request without cookies (every provider webhook) opens its empty
session without parsing a Cookie header, and an empty session that was only looked
at is saved by adding `Vary: Cookie` directly, without parsing the Vary header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin

MAX_CHECKED = 1024  # hook and view functions are a few dozen


class CachedSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session with its serializer built once per key set."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, Any] = {}

    def get_signing_serializer(self, app: Flask):  # noqa: ANN201 - Flask's own type
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        found = self._serializers.get(key)
        if found is None:
            found = super().get_signing_serializer(app)
            if found is not None:
                self._serializers = {key: found}  # one key set in use at a time
        return found

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.environ.get("HTTP_COOKIE"):
            return super().open_session(app, request)
        # No cookie at all: what Flask answers when its session cookie is missing.
        return None if self.get_signing_serializer(app) is None else self.session_class()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if session or session.modified:  # a cookie to write or to delete: Flask's way
            super().save_session(app, session, response)
            return
        if session.accessed:  # Flask adds `Vary: Cookie` and writes no cookie
            if "Vary" in response.headers:
                response.vary.add("Cookie")
            else:
                response.headers["Vary"] = "Cookie"


def init_app(app: Flask) -> None:
    """Cache the session serializer and the sync/async check of hook functions."""
    app.session_interface = CachedSerializerSessionInterface()
    checked: dict[Callable[..., Any], Callable[..., Any]] = {}
    ensure_sync = app.ensure_sync

    def cached_ensure_sync(func: Callable[..., Any]) -> Callable[..., Any]:
        found = checked.get(func)
        if found is None:
            found = ensure_sync(func)
            if len(checked) < MAX_CHECKED:  # per-request closures (after_this_request)
                checked[func] = found
        return found

    app.ensure_sync = cached_ensure_sync  # type: ignore[method-assign]
