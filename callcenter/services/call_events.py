"""Provider reports about calls (Twilio status callbacks, CDRs): recorded once, applied once.

A report goes into the inbox under its event id (a duplicate changes nothing),
classified (unknown call, not final yet, or final), and a final one settles the call
exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.integrations.cdr import CdrReport
from callcenter.integrations.twilio_voice import StatusReport
from callcenter.models import TERMINAL_STATUSES, Call
from callcenter.services import calls, inbox


def _apply(session: Session, provider: str, event_id: str, object_id: str,
           payload: dict[str, Any], call: Call | None, *, status: str, duration: int,
           now: datetime, dialed_call_id: str | None = None) -> str:
    """Record the report once and settle the call if it is final; the outcome recorded."""
    if call is None:
        outcome = "unknown_call"
    elif status not in TERMINAL_STATUSES:
        outcome = "ignored"
    else:
        outcome = "applied"
    row_id = inbox.record(session, provider, event_id, type="call.status", payload=payload,
                          now=now, outcome=outcome, object_id=object_id,
                          call_id=call.id if call else None,
                          tenant_id=call.tenant_id if call else None)
    if row_id is None:
        return "duplicate"
    if outcome == "applied" and not calls.settle(session, call, status=status,
                                                 duration=duration, now=now,
                                                 dialed_call_id=dialed_call_id):
        # Another report (a different leg or status) settled it first.
        outcome = "duplicate"
        inbox.set_outcome(session, row_id, outcome)
    return outcome


def twilio_status(session: Session, report: StatusReport, *, now: datetime) -> str:
    """Twilio's status callback of the dialed leg: `ParentCallSid` names the authorized call."""
    parent = report.parent_call_sid
    call = calls.find_call(session, "twilio", parent) if parent else None
    return _apply(session, "twilio", report.event_id, parent, report.payload, call,
                  status=report.status, duration=report.duration_seconds, now=now,
                  dialed_call_id=report.call_sid)


def cdr(session: Session, report: CdrReport, *, now: datetime) -> str:
    """A carrier's CDR: only for calls authorized through the provider-neutral API, and
    only when the reported callee is the authorized one."""
    call = session.get(Call, report.call_id)
    if call is not None and call.provider != "cdr":
        call = None
    if call is not None:
        try:
            callee = normalize_number(report.to)
        except InvalidNumber:
            callee = None
        if callee != call.callee:
            raise Conflict("to does not match the authorized call")
    return _apply(session, "cdr", report.event_id, str(report.call_id), report.payload, call,
                  status=report.status, duration=report.duration_seconds, now=now)
