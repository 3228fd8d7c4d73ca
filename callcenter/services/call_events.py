"""Provider reports about calls (Twilio status callbacks, CDRs): recorded once, applied once.

A report goes into the inbox under its event id (a duplicate changes nothing),
classified (unknown call, not final yet, or final), and a final one settles the call
exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.integrations.cdr import CdrReport
from callcenter.integrations.twilio_voice import StatusReport
from callcenter.models import TERMINAL_STATUSES, InboundEvent
from callcenter.services import call_store, calls, inbox


def _apply(session: Session, provider: str, event_id: str, object_id: str,
           payload: dict[str, Any], call: Row | None, *, status: str, duration: int,
           now: datetime, dialed_call_id: str | None = None) -> str:
    """Record the report once and settle the call if it is final; the outcome recorded.

    A final report of an authorized call is recorded and settled in one statement.
    """
    if call is None:
        outcome = "unknown_call"
    elif status not in TERMINAL_STATUSES:
        outcome = "ignored"
    elif call.status != "authorized":
        outcome = "duplicate"  # another report (a different leg or status) settled it
    else:
        outcome = "applied"
    call_id, tenant_id = (call.id, call.tenant_id) if call else (None, None)
    if outcome != "applied":
        row_id = inbox.record(session, provider, event_id, type="call.status",
                              payload=payload, now=now, outcome=outcome, object_id=object_id,
                              call_id=call_id, tenant_id=tenant_id)
        return outcome if row_id is not None else "duplicate"
    event = inbox.event_values(provider, event_id, type="call.status", payload=payload,
                               now=now, outcome=outcome, object_id=object_id,
                               call_id=call_id, tenant_id=tenant_id)
    settled = calls.settle(session, call, status=status, duration=duration, now=now,
                           dialed_call_id=dialed_call_id, held=call.held, event=event)
    if settled is None:
        return "duplicate"
    if not settled:
        # Settled by a concurrent report after this one read the call.
        session.execute(sa.update(InboundEvent)
                        .where(InboundEvent.provider == provider,
                               InboundEvent.event_id == event["event_id"])
                        .values(outcome="duplicate")
                        .execution_options(synchronize_session=False))
        return "duplicate"
    return outcome


def _lock_order(call: Row | None) -> tuple[int, int]:
    """The order a settlement takes its locks in: tenant, then call (none: first)."""
    return (call.tenant_id, call.id) if call is not None else (0, 0)


@dataclass(frozen=True)
class TwilioStatus:
    """Twilio's status callback of the dialed leg (`ParentCallSid` names the authorized
    call), as group-commit work (services/group_commit.py): `read` finds the
    call (no locks), `write` records and settles it; locks go tenant, then call."""

    report: StatusReport
    now: datetime

    def read(self, session: Session) -> tuple[tuple[int, int], Row | None]:
        parent = self.report.parent_call_sid
        call = call_store.call_facts(session, provider="twilio",
                                     provider_call_id=parent) if parent else None
        return _lock_order(call), call

    @staticmethod
    def read_many(session: Session, works: list[TwilioStatus]
                  ) -> list[tuple[tuple[int, int], Row | None]]:
        """`read` of several callbacks in one query."""
        found = call_store.calls_facts(session, provider="twilio", provider_call_ids=[
            w.report.parent_call_sid for w in works if w.report.parent_call_sid])
        return [(_lock_order(call), call)
                for call in (found.get(w.report.parent_call_sid) if w.report.parent_call_sid
                             else None for w in works)]

    def run(self, session: Session) -> str:
        """Read, then write, in the caller's transaction (no group commit)."""
        return self.write(session, self.read(session)[1])

    def write(self, session: Session, call: Row | None) -> str:
        report = self.report
        return _apply(session, "twilio", report.event_id, report.parent_call_sid,
                      report.payload, call, status=report.status,
                      duration=report.duration_seconds, now=self.now,
                      dialed_call_id=report.call_sid)


def cdr(session: Session, report: CdrReport, *, now: datetime) -> str:
    """A carrier's CDR: only for calls authorized through the provider-neutral API, and
    only when the reported callee is the authorized one."""
    call = call_store.call_facts(session, call_id=report.call_id)
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
