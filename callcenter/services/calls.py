"""Calls: real-time authorization against available funds, and exactly-once settlement.

Authorization holds exactly the charge for the longest call the available funds pay
for; the provider's report of the finished call settles that hold once. Both run on
every provider's webhook (the hot path): each is one read and one write
(`services.call_store`), with the rate plan and the parsed compliance settings cached
per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from callcenter import metrics
from callcenter.domain import lifecycle
from callcenter.domain.errors import Forbidden, NotFound
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.rating import (
    Increment,
    billed_seconds,
    charge_micros,
    max_affordable_seconds,
)
from callcenter.models import TERMINAL_STATUSES, Call, Hold, Tenant
from callcenter.services import call_store, compliance, events, ledger
from callcenter.services.access import Actor
from callcenter.services.rate_cache import plan_rates

# How long after its limit an authorized call may stay unreported before reconcile looks.
RECONCILE_MARGIN = timedelta(minutes=10)


@dataclass(frozen=True)
class Authorization:
    """The answer to "may this seat call this number, and for how long?"."""

    allowed: bool
    reasons: list[str]
    max_duration_seconds: int
    call_id: int | None = None
    callee: str | None = None
    caller_id: str | None = None  # the tenant's, for the provider's caller id


class CallFacts(Protocol):
    """What settling a call reads: a `Call`, or a row of `call_store.call_facts`."""

    id: int
    tenant_id: int
    seat_id: int
    hold_id: int | None
    callee: str
    max_duration_seconds: int
    rate_per_minute_micros: int | None
    initial_increment: int | None
    subsequent_increment: int | None
    connect_fee_micros: int | None


def find_call(session: Session, provider: str, provider_call_id: str) -> Call | None:
    """The call a provider knows by this id."""
    return session.scalars(sa.select(Call).where(
        Call.provider == provider, Call.provider_call_id == provider_call_id)).first()


def _expire_loaded(session: Session, tenant_id: int, call: object = None,
                   hold_id: int | None = None) -> None:
    """Objects the session loaded before the Core statements changed their rows are read
    again on next use (the webhooks load none; admin pages and the demo may)."""
    if isinstance(call, Call):
        session.expire(call)
    for model, key in ((Tenant, tenant_id), (Hold, hold_id)):
        if key is not None:
            loaded = session.identity_map.get(
                sa.inspect(model).identity_key_from_primary_key((key,)))
            if loaded is not None:
                session.expire(loaded)


def _recorded(session: Session, call_id: int) -> Authorization:
    """The answer already given for a call (a provider's retry gets the same one)."""
    row = call_store.answer_of(session, call_id)
    return Authorization(row.status == "authorized", list(row.reasons or []),
                         row.max_duration_seconds, row.id, row.callee, row.caller_id)


def _refusals(facts: Row, callee: str | None, now: datetime,
              policy: compliance.CompliancePolicy) -> list[str]:
    reasons: list[str] = []
    if facts.seat_status != "active":
        reasons.append("seat_inactive")
    if not lifecycle.may_call(facts, now):
        reasons.append("tenant_not_active")
    if callee is None:
        reasons.append("invalid_number")
    if not reasons:
        reasons += compliance.decide(facts, facts.window, callee, now, policy, (
            facts.on_dnc, facts.has_consent, facts.has_script)).reasons
    return reasons


def authorize(session: Session, *, seat_identity: str, to: str, now: datetime, provider: str,
              max_call_seconds: int, provider_call_id: str | None = None,
              scope_tenant_id: int | None = None,
              policy: compliance.CompliancePolicy = compliance.DEFAULT_POLICY) -> Authorization:
    """Decide, reserve the funds and record the call (refusals too, with reasons).

    A retried request with the same `provider_call_id` gets the original answer.
    `scope_tenant_id` limits the seat to one tenant (a tenant user calling the API).
    One query reads everything the decision needs, one statement writes it.
    """
    try:
        callee: str | None = normalize_number(to)
    except InvalidNumber:
        callee = None
    facts = call_store.authorization_facts(
        session, identity=seat_identity, callee=callee or "", provider=provider,
        provider_call_id=provider_call_id, now=now)
    if facts is None or (scope_tenant_id is not None and facts.tenant_id != scope_tenant_id):
        if scope_tenant_id is not None:
            raise NotFound("seat not found")
        retried = find_call(session, provider, provider_call_id) if provider_call_id else None
        if retried is not None:  # the seat went away since the first request
            return _recorded(session, retried.id)
        return Authorization(False, ["seat_inactive"], 0)
    if facts.retried_call_id is not None:
        return _recorded(session, facts.retried_call_id)
    reasons = _refusals(facts, callee, now, policy)
    call = {"tenant_id": facts.tenant_id, "seat_id": facts.seat_id, "provider": provider,
            "provider_call_id": provider_call_id, "callee": callee or (to or "")[:64],
            "status": "refused", "reasons": reasons, "max_duration_seconds": 0,
            "over_limit": False, "now": now, "expected_end_at": None, "rate_plan_id": None,
            "rate_prefix": None, "rate_per_minute_micros": None, "initial_increment": None,
            "subsequent_increment": None, "connect_fee_micros": None}
    if not reasons:
        plan = plan_rates(session, facts.plan_id)
        prefix, rate = plan.rate_for(call["callee"])
        call.update(rate_plan_id=plan.id, rate_prefix=prefix, rate_per_minute_micros=rate,
                    initial_increment=plan.increment.initial,
                    subsequent_increment=plan.increment.subsequent,
                    connect_fee_micros=plan.connect_fee_micros)
        return _reserve_and_record(session, call, plan.increment, facts.available,
                                   max_call_seconds, facts.caller_id)
    return _record(session, call, hold=None, caller_id=facts.caller_id)


def _reserve_and_record(session: Session, call: dict, inc: Increment, available: int,
                        cap: int, caller_id: str | None) -> Authorization:
    """Hold exactly the charge of the longest affordable call and record it authorized."""
    rate, fee, now = call["rate_per_minute_micros"], call["connect_fee_micros"], call["now"]
    for attempt in range(3):  # a concurrent call may take funds between the read and the hold
        if attempt:
            available = call_store.available(session, call["tenant_id"])
        limit = max_affordable_seconds(max(available, 0), rate, inc, fee, cap)
        if limit == 0:
            break
        call.update(status="authorized", max_duration_seconds=limit,
                    expected_end_at=now + timedelta(seconds=limit) + RECONCILE_MARGIN)
        amount = charge_micros(rate, limit, fee)
        if amount == 0:  # free calls reserve nothing
            return _record(session, call, hold=None, caller_id=caller_id)
        hold = {"amount": amount, "expires_at": now + timedelta(seconds=limit),
                "reference": f"{call['provider']}:{call['provider_call_id'] or '-'}"}
        done = call_store.AUTHORIZE_HELD.run(session, {**call, **hold})
        if done["reserve"] is None:
            continue
        _expire_loaded(session, call["tenant_id"])
        return _record(session, call, hold={**hold, "id": done["hold"]["id"]},
                       caller_id=caller_id, recorded=done["call"])
    call.update(status="refused", reasons=["insufficient_funds"], max_duration_seconds=0,
                expected_end_at=None)
    return _record(session, call, hold=None, caller_id=caller_id)


def _record(session: Session, call: dict, *, hold: dict | None, caller_id: str | None,
            recorded: dict | None = None) -> Authorization:
    """The answer for the call just written; if the provider's retry of the same request
    recorded it first, that one's answer (and this request's hold is taken back)."""
    if hold is None:
        recorded = call_store.RECORD_CALL.run(session, call)["call"]
    if recorded is None:
        if hold is not None:
            call_store.undo_hold(session, hold_id=hold["id"], tenant_id=call["tenant_id"],
                                 amount=hold["amount"])
        existing = find_call(session, call["provider"], call["provider_call_id"])
        return _recorded(session, existing.id)
    if call["status"] == "refused":
        events.call_refused(session, call["tenant_id"], call_id=recorded["id"],
                            seat_id=call["seat_id"], callee=call["callee"],
                            reasons=call["reasons"], now=call["now"])
    return Authorization(call["status"] == "authorized", list(call["reasons"]),
                         call["max_duration_seconds"], recorded["id"], call["callee"],
                         caller_id)


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


def rated(call: CallFacts, *, status: str, duration: int) -> tuple[int, int, int]:
    """(duration, billed seconds, charge) of a finished call at its authorized rate.

    Unanswered calls cost nothing.
    """
    if status not in TERMINAL_STATUSES:
        raise ValueError(f"not a final status: {status}")
    if duration < 0:
        raise ValueError("duration cannot be negative")
    if status != "completed":
        duration = 0
    inc = Increment(call.initial_increment or 60, call.subsequent_increment or 60)
    billed = billed_seconds(duration, inc)
    return duration, billed, charge_micros(call.rate_per_minute_micros or 0, billed,
                                           call.connect_fee_micros or 0)


def settle(session: Session, call: CallFacts, *, status: str, duration: int, now: datetime,
           dialed_call_id: str | None = None, held: int | None = None,
           event: dict | None = None) -> bool | None:
    """Rate the finished call and settle its hold, exactly once; False if already done.

    A duration beyond the authorized limit is charged at most the hold and flagged for
    review. `held` is the hold's amount when the caller read it with the call. With
    `event` (inbox columns), the report is recorded in the same statement: None then
    means the event was a duplicate and nothing changed.
    """
    duration, billed, charge = rated(call, status=status, duration=duration)
    if call.hold_id is not None and held is None:
        held = call_store.hold_amount(session, call.hold_id)
    charge = min(charge, held) if held is not None else 0
    params = {"call_id": call.id, "final_status": status, "duration_seconds": duration,
              "billed_seconds": billed, "over_limit": duration > call.max_duration_seconds,
              "now": now, "dialed_call_id": dialed_call_id, "charge": charge}
    if event is not None:
        params.update({f"ev_{k}": v for k, v in event.items()})
    if call.hold_id is not None:
        params.update(hold_id=call.hold_id, tenant_id=call.tenant_id, held=held,
                      entry_amount=-charge, idempotency_key=f"hold:{call.hold_id}",
                      reference=f"call:{call.id}",
                      memo=f"Call to {call.callee}, {billed}s billed")
    chain = call_store.settle_chain(event=event is not None, held=call.hold_id is not None,
                                    charged=charge > 0)
    done = chain.run(session, params)
    _expire_loaded(session, call.tenant_id, call, call.hold_id)
    if event is not None and done["event"] is None:
        return None
    claimed = done["claim"]
    if claimed is None:
        return False
    if done.get("release") is not None and (
            done["close"] is None or (charge > 0 and done["entry"] is None)):
        # The hold closed between the statement's snapshot and its own lock: the caller
        # rolls the whole transaction back, and the provider retries.
        raise RuntimeError(f"hold {call.hold_id} of call {call.id} closed concurrently")
    released = done.get("release")
    charged = charge if released is not None else 0
    if charged:
        metrics.ledger_posted(session, "call")
        ledger.after_debit(session, call.tenant_id, balance=released["balance_micros"],
                           threshold=released["low_balance_threshold_micros"],
                           armed=released["low_balance_armed"], now=now)
    events.call_settled(session, call, status, duration, billed, charged, now=now)
    return True
