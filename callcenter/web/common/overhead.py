"""Framework work done once per process instead of once per request.

Measured on the call webhooks (benchmarks/FINDINGS.md): Flask builds the cookie
session's signing serializer (itsdangerous) on every request, and asks `inspect`
whether each before/after-request function is a coroutine every time it calls one.
Neither answer changes while the app runs: both are cached here. Behaviour is
unchanged (same cookies, same keys, a new SECRET_KEY or fallback list gets a new
serializer).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

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
