"""A local HTTP receiver for outbound webhooks: records requests, answers scripted codes."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Receiver:
    """Answers each POST with the next scripted status (then 200) and keeps what it got."""

    statuses: list[int] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.received.append({"body": request.get_data(), "headers": dict(request.headers),
                              "path": request.path})
        status = self.statuses.pop(0) if self.statuses else 200
        return Response("ok", status=status)(environ, start_response)


class Serving:
    """The receiver served on a free loopback port in a thread."""

    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self._server = make_server("127.0.0.1", 0, receiver, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/hooks/callcenter"

    def __enter__(self) -> Serving:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)
