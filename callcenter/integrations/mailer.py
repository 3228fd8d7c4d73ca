"""Outgoing mail over SMTP (smtplib): the settings from the environment, and one send.

Nothing here knows about the outbox: services/mail.py queues a mail as a background job
and its handler calls `send`. Without SMTP_HOST there are no settings and nothing is sent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

TIMEOUT_SECONDS = 30


class MailFailed(Exception):
    """The server refused the mail or could not be reached; worth trying again later."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: host, port, optional login, STARTTLS, the sender."""

    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    mail_from: str


@dataclass(frozen=True)
class Mail:
    """One message: recipients, subject, plain-text body and a stable Message-ID."""

    to: tuple[str, ...]
    subject: str
    body: str
    message_id: str


def settings_from(config: Mapping[str, Any]) -> SmtpSettings | None:
    """The SMTP settings of the configuration; None when SMTP_HOST is unset."""
    host = config.get("SMTP_HOST")
    if not host:
        return None
    starttls = bool(config.get("SMTP_STARTTLS", True))
    return SmtpSettings(host=host, port=int(config.get("SMTP_PORT") or (587 if starttls else 25)),
                        user=config.get("SMTP_USER") or None,
                        password=config.get("SMTP_PASSWORD") or None, starttls=starttls,
                        mail_from=config.get("MAIL_FROM") or "callcenter@localhost")


def message_id(key: str, settings: SmtpSettings) -> str:
    """A Message-ID made from the outbox key, so a repeated send is recognisably the same."""
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    return f"<{key}@{domain}>"


def _message(mail: Mail, settings: SmtpSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = ", ".join(mail.to)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mail.message_id
    msg.set_content(mail.body)  # UTF-8: tenant names and notices may be Chinese
    return msg


def send(settings: SmtpSettings, mail: Mail) -> None:
    """Deliver one mail, or raise MailFailed (the outbox tries again later)."""
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(_message(mail, settings))
    except (smtplib.SMTPException, OSError) as exc:
        raise MailFailed(f"{type(exc).__name__}: {exc}") from exc
