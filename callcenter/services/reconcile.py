"""Stale holds: calls whose completion report never came.

With a way to ask the provider (Twilio's REST API), the call is settled with the
duration the provider reports. Otherwise the hold stays open and the call is listed for
an admin to decide: settle with a duration, or release.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.models import Call
from callcenter.services import audit
from callcenter.services.access import Actor, require_admin
from callcenter.services.calls import settle


class CallFacts(Protocol):
    status: str
    duration_seconds: int


class CallLookup(Protocol):
    """Asks a provider how a call ended; None when it does not know (yet)."""

    def ended(self, parent_sid: str) -> CallFacts | None: ...


@dataclass
class ReconcileReport:
    settled: list[int] = field(default_factory=list)
    left_open: list[int] = field(default_factory=list)


def stale_calls(session: Session, now: datetime, *, tenant_id: int | None = None,
                limit: int = 500) -> list[Call]:
    """Authorized calls past their limit plus the reporting margin."""
    stmt = sa.select(Call).where(Call.status == "authorized", Call.expected_end_at < now)
    if tenant_id is not None:
        stmt = stmt.where(Call.tenant_id == tenant_id)
    return list(session.scalars(stmt.order_by(Call.id).limit(limit)))


def open_calls(session: Session, tenant_id: int) -> list[Call]:
    """Calls of a tenant still holding funds, stale or not."""
    return list(session.scalars(sa.select(Call).where(
        Call.tenant_id == tenant_id, Call.status == "authorized").order_by(Call.id)))


def reconcile_holds(session: Session, *, now: datetime, lookup: CallLookup | None = None,
                    tenant_id: int | None = None) -> ReconcileReport:
    """Settle every stale call the provider can tell us about; list the rest."""
    report = ReconcileReport()
    for call in stale_calls(session, now, tenant_id=tenant_id):
        facts = None
        if lookup is not None and call.provider == "twilio" and call.provider_call_id:
            facts = lookup.ended(call.provider_call_id)
        if facts is None:
            report.left_open.append(call.id)
            continue
        settle(session, call, status=facts.status, duration=facts.duration_seconds, now=now)
        report.settled.append(call.id)
    return report


def resolve(session: Session, actor: Actor, call: Call, duration: int, *,
            now: datetime) -> None:
    """An admin's decision on an unreported call: bill `duration` seconds (0 releases)."""
    require_admin(actor)
    if call.status != "authorized":
        raise InvalidState("this call is already settled")
    if duration < 0 or duration > 24 * 3600:
        raise InvalidInput("duration must be 0 to 86400 seconds", details={"field": "duration"})
    status = "completed" if duration > 0 else "canceled"
    settle(session, call, status=status, duration=duration, now=now)
    audit.record(session, actor, "call.resolve", tenant_id=call.tenant_id, now=now,
                 call_id=call.id, duration=duration)


def call_by_id(session: Session, call_id: int) -> Call:
    """Any tenant's call, for an admin's decision; NotFound if there is none."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("call not found")
    return call

