"""A local SMTP server (aiosmtpd) for tests: records what it receives, can refuse on cue."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

from aiosmtpd.controller import Controller


class Inbox:
    """The messages the server accepted; `refuse` answers the next N mails with a 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        msg = message_from_bytes(envelope.content, policy=default)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages delivered to `address`."""
        return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]

    def body(self, msg: EmailMessage) -> str:
        return msg.get_body(("plain",)).get_content().replace("\r\n", "\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, dict]]:
    """Serve SMTP on 127.0.0.1; yields the inbox and the app settings that point at it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": False,
                      "MAIL_FROM": "billing@cc.test"}
    finally:
        controller.stop()
