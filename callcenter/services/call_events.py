"""Provider reports about calls (Twilio status callbacks, CDRs): recorded once, applied once.

A report is stored under the provider's key (a duplicate changes nothing), classified
(unknown call, not final yet, or final), and a final one settles the call exactly once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.models import TERMINAL_STATUSES, Call
from callcenter.services import calls


def apply_report(session: Session, provider: str, key: str, payload: dict, call: Call | None,
                 *, status: str, duration: int, now: datetime,
                 dialed_call_id: str | None = None) -> str:
    """Record the report once and settle the call if it is final; the outcome recorded."""
    if call is None:
        outcome = "unknown_call"
    elif status not in TERMINAL_STATUSES:
        outcome = "ignored"
    else:
        outcome = "applied"
    event = calls.record_event(session, provider, key, payload, now,
                               call_id=call.id if call else None, outcome=outcome)
    if event is None:
        return "duplicate"
    if outcome == "applied" and not calls.settle(session, call, status=status,
                                                 duration=duration, now=now,
                                                 dialed_call_id=dialed_call_id):
        event.outcome = outcome = "duplicate"
    return outcome


def twilio_status(session: Session, *, parent_call_sid: str, call_sid: str, status: str,
                  duration: int, payload: dict, now: datetime) -> str:
    """Twilio's status callback of the dialed leg: `ParentCallSid` names the authorized call."""
    call = calls.find_call(session, "twilio", parent_call_sid) if parent_call_sid else None
    return apply_report(session, "twilio", f"{call_sid}:{status}", payload, call,
                        status=status, duration=duration, now=now, dialed_call_id=call_sid)


def cdr(session: Session, *, call_id: int, to: str, status: str, duration: int,
        payload: dict, now: datetime) -> str:
    """A carrier's CDR: only for calls authorized through the provider-neutral API, and
    only when the reported callee is the authorized one."""
    call = session.get(Call, call_id)
    if call is not None and call.provider != "cdr":
        call = None
    if call is not None:
        try:
            callee = normalize_number(to or "")
        except InvalidNumber:
            callee = None
        if callee != call.callee:
            raise Conflict("to does not match the authorized call")
    return apply_report(session, "cdr", f"{call_id}:{status}", payload, call,
                        status=status, duration=duration, now=now)
