"""The provider-neutral CDR webhook: its signature and its JSON body.

Any carrier may report the end of a call authorized through `/api/v1/calls/authorize`
by POSTing `{call_id, to, duration_seconds, status}` with the header
`X-Callcenter-Signature: t=<unix>,v1=<hex hmac-sha256 of "t.body">`.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from callcenter.domain.errors import InvalidInput
from callcenter.domain.untrusted import ascii_digits, strict_json
from callcenter.integrations.call_reports import FINAL_STATUSES, reported_seconds, whole_number

HEADER = "X-Callcenter-Signature"
TOLERANCE_SECONDS = 300  # a genuine delivery replayed later than this is refused


class SignatureError(Exception):
    """The signature is missing, malformed, stale or wrong; the message says which."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value a carrier sends with `body` at `timestamp`."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str | None, body: bytes, *, now: float) -> None:
    """Raise SignatureError unless `header` signs `body` within the tolerance of `now`."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not ascii_digits(stamp) or len(stamp) > 12 or not given:
        raise SignatureError(f"missing or malformed {HEADER}")
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        raise SignatureError("signature timestamp outside the 5-minute tolerance")
    expected = sign(secret, body, int(stamp)).rsplit("v1=", 1)[1]
    if not hmac.compare_digest(expected, given):
        raise SignatureError("invalid signature")


@dataclass(frozen=True)
class CdrReport:
    """A carrier's call detail record for one call."""

    call_id: int
    to: str
    status: str
    duration_seconds: int
    payload: dict[str, Any]

    @property
    def event_id(self) -> str:
        """One report per call and final status."""
        return f"{self.call_id}:{self.status}"


def parse(body: bytes) -> CdrReport:
    """A verified body as a CdrReport; InvalidInput if it is not one."""
    try:
        data = strict_json(body)
    except ValueError:
        raise InvalidInput("the body must be JSON") from None
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object")
    status = data.get("status")
    if status not in FINAL_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(FINAL_STATUSES)}")
    return CdrReport(call_id=whole_number(data.get("call_id"), "call_id"),
                     to=data["to"] if isinstance(data.get("to"), str) else "", status=status,
                     duration_seconds=reported_seconds(data.get("duration_seconds"),
                                                    "duration_seconds"),
                     payload=data)
