"""Calls: real-time authorization against available funds, and exactly-once settlement.

Authorization holds exactly the charge for the longest call the available funds pay
for; the provider's report of the finished call settles that hold once. Both run on
every provider's webhook (the hot path), so each is a handful of statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import Forbidden, InsufficientFunds, NotFound
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.rating import (
    Increment,
    billed_seconds,
    charge_micros,
    max_affordable_seconds,
    rate_for,
)
from callcenter.models import TERMINAL_STATUSES, Call, Seat, Tenant
from callcenter.services import compliance, events, ledger
from callcenter.services.access import Actor
from callcenter.services.tenants import rate_plan_at

# How long after its limit an authorized call may stay unreported before reconcile looks.
RECONCILE_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Authorization:
    """The answer to "may this seat call this number, and for how long?"."""

    allowed: bool
    reasons: list[str]
    max_duration_seconds: int
    call: Call | None
    tenant: Tenant | None


def _answer(call: Call, tenant: Tenant | None) -> Authorization:
    return Authorization(call.status == "authorized", list(call.reasons or []),
                         call.max_duration_seconds, call, tenant)


def find_call(session: Session, provider: str, provider_call_id: str) -> Call | None:
    """The call a provider knows by this id."""
    return session.scalars(sa.select(Call).where(
        Call.provider == provider, Call.provider_call_id == provider_call_id)).first()


def _hold_for_limit(session: Session, tenant: Tenant, rate: int, inc: Increment, fee: int,
                    cap: int, now: datetime, reference: str) -> tuple[int, int | None]:
    """The affordable limit and a hold of exactly its charge; (0, None) if unaffordable."""
    for _ in range(3):  # a concurrent call may take funds between the read and the hold
        available = session.scalar(sa.select(Tenant.balance_micros - Tenant.held_micros)
                                   .where(Tenant.id == tenant.id))
        limit = max_affordable_seconds(max(available, 0), rate, inc, fee, cap)
        if limit == 0:
            return 0, None
        amount = charge_micros(rate, limit, fee)
        if amount == 0:
            return limit, None  # free calls reserve nothing
        try:
            hold = ledger.place_hold(session, tenant.id, amount, reason="call", now=now,
                                     reference=reference,
                                     expires_at=now + timedelta(seconds=limit))
            return limit, hold.id
        except InsufficientFunds:
            continue
    return 0, None


def authorize(session: Session, *, seat_identity: str, to: str, now: datetime, provider: str,
              max_call_seconds: int, provider_call_id: str | None = None,
              scope_tenant_id: int | None = None,
              policy: compliance.CompliancePolicy = compliance.DEFAULT_POLICY) -> Authorization:
    """Decide, reserve the funds and record the call (refusals too, with reasons).

    A retried request with the same `provider_call_id` gets the original answer.
    `scope_tenant_id` limits the seat to one tenant (a tenant user calling the API).
    """
    if provider_call_id:
        existing = find_call(session, provider, provider_call_id)
        if existing is not None:
            return _answer(existing, session.get(Tenant, existing.tenant_id))
    row = session.execute(sa.select(Seat, Tenant).join(Tenant, Seat.tenant_id == Tenant.id)
                          .where(Seat.identity == seat_identity)).first()
    if row is None or (scope_tenant_id is not None and row[0].tenant_id != scope_tenant_id):
        if scope_tenant_id is not None:
            raise NotFound("seat not found")
        return Authorization(False, ["seat_inactive"], 0, None, None)
    seat, tenant = row
    reasons: list[str] = []
    if seat.status != "active":
        reasons.append("seat_inactive")
    if not lifecycle.may_call(tenant, now):
        reasons.append("tenant_not_active")
    try:
        callee = normalize_number(to)
    except InvalidNumber:
        callee = (to or "")[:64]
        reasons.append("invalid_number")
    if not reasons:
        reasons += compliance.call_refusals(session, tenant, callee, now, policy)
    call = Call(tenant_id=tenant.id, seat_id=seat.id, provider=provider,
                provider_call_id=provider_call_id, callee=callee, status="refused",
                reasons=reasons, max_duration_seconds=0, created_at=now)
    try:
        with session.begin_nested():
            if not reasons:
                plan = rate_plan_at(session, tenant.id, now)
                prefix, rate = rate_for(callee.lstrip("+"), plan.prefixes or {},
                                        plan.default_per_minute_micros)
                inc = Increment(plan.initial_increment, plan.subsequent_increment)
                limit, hold_id = _hold_for_limit(
                    session, tenant, rate, inc, plan.connect_fee_micros, max_call_seconds, now,
                    reference=f"{provider}:{provider_call_id or '-'}")
                call.rate_plan_id, call.rate_prefix, call.rate_per_minute_micros = \
                    plan.id, prefix, rate
                call.initial_increment, call.subsequent_increment = inc.initial, inc.subsequent
                call.connect_fee_micros = plan.connect_fee_micros
                if limit == 0:
                    call.reasons = ["insufficient_funds"]
                else:
                    call.status, call.max_duration_seconds, call.hold_id = \
                        "authorized", limit, hold_id
                    call.expected_end_at = now + timedelta(seconds=limit) + RECONCILE_MARGIN
            session.add(call)
            session.flush()
    except IntegrityError:
        # The provider retried while the first request was still running: one call.
        existing = find_call(session, provider, provider_call_id) if provider_call_id else None
        if existing is None:
            raise
        return _answer(existing, tenant)
    if call.status == "refused":
        events.call_refused(session, call, tenant, now=now)
    return _answer(call, tenant)


def authorize_for(session: Session, actor: Actor, *, seat_identity: str, to: str,
                  now: datetime, max_call_seconds: int,
                  policy: compliance.CompliancePolicy = compliance.DEFAULT_POLICY
                  ) -> Authorization:
    """A user asks for a call from a seat (admins any seat, owners their tenant's)."""
    if actor.role not in ("admin", "owner"):
        raise Forbidden("only admins and owners may authorize calls")
    return authorize(session, seat_identity=seat_identity, to=to, now=now, provider="cdr",
                     max_call_seconds=max_call_seconds, policy=policy,
                     scope_tenant_id=None if actor.is_admin else actor.tenant_id)


def settle(session: Session, call: Call, *, status: str, duration: int, now: datetime,
           dialed_call_id: str | None = None) -> bool:
    """Rate the finished call and settle its hold, exactly once; False if already done.

    Unanswered calls cost nothing. A duration beyond the authorized limit is charged at
    most the hold and flagged for review.
    """
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"not a final status: {status}")
    if duration < 0:
        raise ValueError("duration cannot be negative")
    if status != "completed":
        duration = 0
    inc = Increment(call.initial_increment or 60, call.subsequent_increment or 60)
    billed = billed_seconds(duration, inc)
    charge = charge_micros(call.rate_per_minute_micros or 0, billed,
                           call.connect_fee_micros or 0)
    claimed = session.execute(
        sa.update(Call).where(Call.id == call.id, Call.status == "authorized")
        .values(status=status, duration_seconds=duration, billed_seconds=billed,
                over_limit=duration > call.max_duration_seconds, ended_at=now,
                dialed_call_id=dialed_call_id or Call.dialed_call_id)
        .returning(Call.id).execution_options(synchronize_session=False)).first()
    if claimed is None:
        return False
    charged = 0
    if call.hold_id is not None:
        posting = ledger.settle_hold(session, call.hold_id, charge, kind="call", now=now,
                                     reference=f"call:{call.id}",
                                     memo=f"Call to {call.callee}, {billed}s billed")
        charged = -posting.entry.amount_micros if posting else 0
    session.execute(sa.update(Call).where(Call.id == call.id).values(charge_micros=charged)
                    .execution_options(synchronize_session=False))
    events.call_settled(session, call, status, duration, billed, charged, now=now)
    session.expire(call)
    return True
