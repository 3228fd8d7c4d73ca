"""A local stand-in for the slice of Twilio's Messaging API the app uses, at TWILIO_API_BASE.

It runs an HTTP server on 127.0.0.1 that the real `twilio` client talks to: it creates
messages (`POST .../Messages.json`), lists them (`GET .../Messages.json?To=&From=`),
honours `I-Twilio-Idempotency-Token` (a repeated token answers the first message
instead of creating one), and can be told to refuse numbers, fail requests, or create a
message and then lose the answer. `messages` is everything it accepted: what phones
would receive.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")


class TwilioStandIn:
    """Messages API stand-in; thread-safe; start() before use, stop() after."""

    def __init__(self, account_sid: str, auth_token: str,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.account_sid, self.auth_token = account_sid, auth_token
        self.clock = clock or (lambda: datetime.now(UTC))
        self.messages: list[dict] = []
        self.requests: list[dict] = []  # every create request, with its headers
        self.by_token: dict[str, dict] = {}
        self.reject: dict[str, tuple[int, int, str]] = {}  # to -> (status, code, message)
        self.fail_next = 0  # answer 503 without creating
        self.lose_answer_next = 0  # create the message, then answer 502
        self.honor_token = True
        self.list_messages = True  # False: the list never shows anything
        self.sent_at: list[datetime] = []  # the clock at each message created
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TwilioStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                standin._handle(self, "POST")

            def do_GET(self) -> None:
                standin._handle(self, "GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def sends_to(self, number: str) -> int:
        """How many messages a phone received."""
        return sum(1 for m in self.messages if m["to"] == number)

    # -- HTTP ------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _authorized(self, handler: BaseHTTPRequestHandler) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return handler.headers.get("Authorization") == f"Basic {expected}"

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        match = _PATH.match(url.path)
        if match is None or match.group(1) != self.account_sid:
            return self._answer(handler, 404, {"code": 20404, "message": "not found",
                                               "status": 404})
        if not self._authorized(handler):
            return self._answer(handler, 401, {"code": 20003, "message": "auth",
                                               "status": 401})
        if method == "GET":
            return self._answer(handler, 200, self._list(parse_qs(url.query)))
        length = int(handler.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        status, body = self._create(form, handler.headers.get("I-Twilio-Idempotency-Token"))
        self._answer(handler, status, body)

    def _create(self, form: dict, token: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"form": form, "token": token})
            if token and self.honor_token and token in self.by_token:
                return 201, self.by_token[token]
            if self.fail_next:
                self.fail_next -= 1
                return 503, {"code": 20503, "message": "service unavailable", "status": 503}
            if form.get("To") in self.reject:
                status, code, message = self.reject[form["To"]]
                return status, {"code": code, "message": message, "status": status}
            now = self.clock()
            message = {
                "sid": "SM" + uuid.uuid4().hex, "account_sid": self.account_sid,
                "to": form.get("To"), "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "body": form.get("Body"), "status": "queued", "num_segments": "1",
                "status_callback": form.get("StatusCallback"),
                "date_created": format_datetime(now.astimezone(UTC), usegmt=True),
                "date_sent": None, "api_version": "2010-04-01",
            }
            self.messages.append(message)
            self.sent_at.append(now)
            if token:
                self.by_token[token] = message
            if self.lose_answer_next:
                self.lose_answer_next -= 1
                return 502, {"code": 20500, "message": "bad gateway", "status": 502}
            return 201, message

    def _list(self, query: dict) -> dict:
        to = query.get("To", [None])[0]
        sender = query.get("From", [None])[0]
        with self._lock:
            found = [m for m in reversed(self.messages) if self.list_messages
                     and (to is None or m["to"] == to)
                     and (sender is None or m["from"] == sender)]
        size = int(query.get("PageSize", ["50"])[0])
        return {"messages": found[:size], "page": 0, "page_size": size, "start": 0,
                "end": max(len(found[:size]) - 1, 0), "next_page_uri": None,
                "previous_page_uri": None, "first_page_uri": "/", "uri": "/"}
