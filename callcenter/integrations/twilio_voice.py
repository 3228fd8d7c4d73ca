"""Twilio: webhook signatures and payloads, TwiML answers, and the REST look-up."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from callcenter.integrations.call_reports import FINAL_STATUSES, reported_seconds
from callcenter.integrations.twilio_http import BaseUrlHttpClient

TERMINAL = frozenset(FINAL_STATUSES)


@functools.lru_cache(maxsize=8)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)


def _sha1_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """`RequestValidator.compute_signature(url, params)` for a dict of strings (one value
    per name): the URL, then each name and value in name order, HMAC-SHA1, base64."""
    signed = url + "".join([name + params[name] for name in sorted(params)])
    mac = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def signature_valid(auth_token: str, url: str, params: dict, signature: str | None) -> bool:
    """True if Twilio signed exactly this URL and these form parameters.

    The URL as configured is checked first (one HMAC, what Twilio signs); only a
    mismatch goes on to the library's full check, which also tries the URL with and
    without its port.
    """
    if not signature:
        return False
    if hmac.compare_digest(_sha1_signature(auth_token, url, params).encode(),
                           signature.encode()):
        return True
    return _validator(auth_token).validate(url, params, signature)


@dataclass(frozen=True)
class CallRequest:
    """The voice webhook: a seat (`From=client:<identity>`) asks to call `to`."""

    call_sid: str
    seat_identity: str | None  # None when the caller is not one of our seats
    to: str


def parse_voice(form: Mapping[str, str]) -> CallRequest:
    """The voice webhook's form; a caller that is not a `client:` seat has no identity."""
    sender = form.get("From", "")
    identity = sender.removeprefix("client:") if sender.startswith("client:") else None
    return CallRequest(call_sid=form.get("CallSid", ""), seat_identity=identity,
                       to=form.get("To", ""))


@dataclass(frozen=True)
class StatusReport:
    """A status callback of the dialed leg; `ParentCallSid` names the authorized call."""

    call_sid: str
    parent_call_sid: str
    status: str
    duration_seconds: int
    payload: dict[str, str]

    @property
    def event_id(self) -> str:
        """Twilio sends no event id: the leg and its status identify a callback."""
        return f"{self.call_sid}:{self.status}"


def parse_status(form: Mapping[str, str]) -> StatusReport:
    """A status callback's form; InvalidInput if `CallDuration` is not whole seconds."""
    return StatusReport(
        call_sid=form.get("CallSid", ""), parent_call_sid=form.get("ParentCallSid") or "",
        status=form.get("CallStatus", ""),
        duration_seconds=reported_seconds(form.get("CallDuration") or "0", "CallDuration"),
        payload=dict(form))


_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                            "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"})
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_REJECT = _XML + "<Response><Reject /></Response>"


def dial_twiml(to: str, *, time_limit: int, caller_id: str | None, status_url: str) -> str:
    """Dial the callee for at most `time_limit` seconds; report the dialed leg's end.

    The same document twilio's `VoiceResponse` builds (a test compares them), written
    directly: building it through ElementTree cost a tenth of a voice webhook's CPU.
    """
    caller = f' callerId="{caller_id.translate(_ATTRIBUTE)}"' if caller_id else ""
    return (f'{_XML}<Response><Dial{caller} timeLimit="{int(time_limit)}">'
            f'<Number statusCallback="{status_url.translate(_ATTRIBUTE)}" '
            'statusCallbackEvent="completed" statusCallbackMethod="POST">'
            f"{to.translate(_TEXT)}</Number></Dial></Response>")


def reject_twiml() -> str:
    """Refuse the call before it is placed."""
    return _REJECT


@dataclass(frozen=True)
class CallFacts:
    """What Twilio knows about a finished call's dialed leg."""

    status: str
    duration_seconds: int


class TwilioCalls:
    """Looks up calls over Twilio's REST API; tests pass a fake `http_client`."""

    def __init__(self, account_sid: str, auth_token: str,
                 http_client: HttpClient | None = None) -> None:
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def ended(self, parent_sid: str) -> CallFacts | None:
        """The dialed leg's final status and duration; None if unknown or still running."""
        try:
            parent = self._client.calls(parent_sid).fetch()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise
        children = self._client.calls.list(parent_call_sid=parent_sid, limit=5)
        if children:
            leg = children[0]
            if leg.status not in TERMINAL:
                return None
            return CallFacts(leg.status, int(leg.duration or 0))
        if parent.status not in TERMINAL:
            return None
        # The agent hung up before the callee's leg was created: nothing was dialed.
        return CallFacts("canceled" if parent.status == "completed" else parent.status, 0)


def calls_from_config(config: Mapping[str, Any]) -> TwilioCalls | None:
    """The REST look-up for these settings (tests inject `TWILIO_LOOKUP_FACTORY`), or None."""
    factory = config.get("TWILIO_LOOKUP_FACTORY")
    if factory is not None:
        return factory()
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not sid or not token:
        return None
    base = config.get("TWILIO_API_BASE")
    return TwilioCalls(sid, token, http_client=BaseUrlHttpClient(base) if base else None)
