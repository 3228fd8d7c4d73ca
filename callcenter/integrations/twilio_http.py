"""The HTTP client every Twilio REST call goes through, pointed at TWILIO_API_BASE.

The `twilio` library builds absolute URLs on its own hosts (api.twilio.com, ...); this
client keeps each request's path and query and sends it to the configured base instead
(a regional edge, an egress proxy, or a local stand-in in tests). It also adds headers
to the calls made inside `with client.headers({...})`, which the generated resource
methods cannot take: the idempotency token of a message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

DEFAULT_TIMEOUT = 30.0  # seconds; a send in flight never outlives the message's claim


class BaseUrlHttpClient(TwilioHttpClient):
    """TwilioHttpClient with a replaceable base URL and per-call extra headers."""

    def __init__(self, base_url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/") if base_url else None
        self._local = threading.local()

    @contextmanager
    def headers(self, extra: dict[str, str]) -> Iterator[None]:
        """Send `extra` with every request this thread makes inside the block."""
        self._local.extra = extra
        try:
            yield
        finally:
            self._local.extra = None

    def rebase(self, url: str) -> str:
        """`url` with its scheme and host replaced by the base URL, if one is set."""
        if not self.base_url:
            return url
        parts = urlsplit(url)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def request(self, method: str, url: str, params=None, data=None, headers=None,
                auth=None, timeout=None, allow_redirects=False) -> Response:
        """Twilio's request, sent to the base URL with this thread's extra headers."""
        extra = getattr(self._local, "extra", None)
        if extra:
            headers = {**(headers or {}), **extra}
        return super().request(method, self.rebase(url), params=params, data=data,
                               headers=headers, auth=auth, timeout=timeout,
                               allow_redirects=allow_redirects)
