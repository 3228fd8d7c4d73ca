"""Twilio's Messaging API: send a message, find messages already sent, parse its webhooks.

`send` passes our key for the message as `I-Twilio-Idempotency-Token`, so a repeated
request for the same message can be recognised as one; `find` lists what Twilio holds for a
recipient, so a send whose answer was lost can be recognised without sending again
(see services/sms_sending.py). Errors are sorted into the two kinds a sender must tell
apart: Twilio refused this message (never retry it) or the outcome is unknown or
temporary (try again later, with the same key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from callcenter.domain.errors import InvalidInput
from callcenter.integrations.twilio_http import BaseUrlHttpClient

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
# Answers about our account or Twilio itself, not about the message: bad credentials or
# account SID, a suspended account, too many requests. Retried later, never failed.
ACCOUNT_PROBLEMS = frozenset({401, 403, 404, 429})


class SmsRejected(Exception):
    """Twilio refused this message (bad number, blocked sender, ...): do not retry it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class SmsUnavailable(Exception):
    """The request failed or its answer was lost: the message may or may not exist."""


@dataclass(frozen=True)
class Accepted:
    """Twilio took the message: its sid and first status."""

    sid: str
    status: str


def is_messaging_service(sender: str) -> bool:
    """A Messaging Service SID (MG...) rather than a number."""
    return sender.startswith("MG")


class TwilioSms:
    """Sends and looks up messages over Twilio's REST API at `base_url`."""

    def __init__(self, account_sid: str, auth_token: str, *, base_url: str | None = None,
                 http_client: BaseUrlHttpClient | None = None) -> None:
        self._http = http_client or BaseUrlHttpClient(base_url)
        self._client = Client(account_sid, auth_token, http_client=self._http)

    def send(self, *, to: str, sender: str, body: str, status_callback: str,
             idempotency_key: str) -> Accepted:
        """Ask Twilio to send one message; SmsRejected or SmsUnavailable on failure."""
        origin = ({"messaging_service_sid": sender} if is_messaging_service(sender)
                  else {"from_": sender})
        try:
            with self._http.headers({IDEMPOTENCY_HEADER: idempotency_key}):
                message = self._client.messages.create(
                    to=to, body=body, status_callback=status_callback, **origin)
        except TwilioRestException as exc:
            if exc.status in ACCOUNT_PROBLEMS or exc.status >= 500:
                raise SmsUnavailable(f"Twilio answered {exc.status}: {exc.msg}") from exc
            raise SmsRejected(str(exc.code or exc.status), str(exc.msg)[:300]) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise SmsUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return Accepted(message.sid, message.status or "queued")

    def find(self, *, to: str, sender: str, body: str, since: datetime) -> list[str]:
        """Sids of messages Twilio holds from `sender` to `to` with this body, created at
        or after `since`, newest first; SmsUnavailable if Twilio cannot say."""
        origin = values.unset if is_messaging_service(sender) else sender
        try:
            found = self._client.messages.list(to=to, from_=origin, limit=50)
        except (TwilioException, requests.RequestException) as exc:
            raise SmsUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return [m.sid for m in found
                if m.body == body and sender in (m.from_, m.messaging_service_sid)
                and (m.date_created is None or m.date_created >= since)]


def from_config(config: Mapping[str, Any]) -> TwilioSms | None:
    """The Messaging API client for these settings, or None without credentials."""
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not sid or not token:
        return None
    return TwilioSms(sid, token, base_url=config.get("TWILIO_API_BASE"))


@dataclass(frozen=True)
class StatusCallback:
    """A message's status callback (`MessageSid`, `MessageStatus`, `ErrorCode`)."""

    message_sid: str
    status: str
    error_code: str | None
    payload: dict[str, str]

    @property
    def event_id(self) -> str:
        """Twilio sends no event id: the message and its status identify a callback."""
        return f"sms:{self.message_sid}:{self.status}"


def _required(form: Mapping[str, str], *names: str) -> str:
    for name in names:
        if form.get(name):
            return form[name]
    raise InvalidInput(f"{names[0]} is missing", details={"field": names[0]})


def parse_status(form: Mapping[str, str]) -> StatusCallback:
    """A status callback's form; InvalidInput without a message sid or status."""
    return StatusCallback(
        message_sid=_required(form, "MessageSid", "SmsSid")[:64],
        status=_required(form, "MessageStatus", "SmsStatus").lower()[:20],
        error_code=form.get("ErrorCode") or None, payload=dict(form))


@dataclass(frozen=True)
class InboundMessage:
    """Someone wrote to one of our senders."""

    message_sid: str
    from_number: str
    to_number: str
    body: str
    payload: dict[str, str]

    @property
    def event_id(self) -> str:
        return f"sms-in:{self.message_sid}"


def parse_inbound(form: Mapping[str, str]) -> InboundMessage:
    """An incoming message's form; InvalidInput without a sid or a sender."""
    return InboundMessage(
        message_sid=_required(form, "MessageSid", "SmsSid")[:64],
        from_number=_required(form, "From")[:64], to_number=form.get("To", "")[:64],
        body=form.get("Body", "")[:1600], payload=dict(form))


def empty_reply() -> str:
    """TwiML answering an incoming message with nothing (Twilio confirms opt-outs itself)."""
    return str(MessagingResponse())
