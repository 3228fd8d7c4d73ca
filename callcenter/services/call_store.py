"""The call hot path's SQL: each webhook is one read and one write.

Authorization reads the seat, its tenant, the rate plan version in force and the
compliance inputs in one query (`authorization_facts`); settlement reads the call with
its hold (`call_facts`). Each then writes through a `Chain` (services/chain.py): one
statement on PostgreSQL, all or nothing. The rules live in the steps' conditions: the
funds cover a hold, a call is claimed only while `authorized`, a hold closes only while
`open`, an event key, a provider call id and a ledger idempotency key are taken once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from callcenter.models import Call, Hold, InboundEvent, LedgerEntry, RatePlan, Seat, Tenant
from callcenter.services import compliance, direct_sql
from callcenter.services.chain import Chain, Refs, Step, guarded, insert_row, param

calls, holds, entries = Call.__table__, Hold.__table__, LedgerEntry.__table__
tenants, seats, plans = Tenant.__table__, Seat.__table__, RatePlan.__table__

# BIGSERIAL's sequence, by PostgreSQL's naming rule. A settlement takes its ledger entry's
# id in the tenant row's UPDATE, so the hold can point at the entry in the same statement.
# Taken there, under the row lock, ids follow the order balances change in, as the
# `balance_after` chain `ledger verify` checks requires: taken any earlier, a concurrent
# settlement of the same tenant could get the next id but change the balance first.
LEDGER_ID = sa.literal_column("nextval('ledger_entries_id_seq')", sa.BigInteger)


def _on_postgresql(session: Session) -> bool:
    """The hot path's reads run on the driver directly there (services/direct_sql.py)."""
    return direct_sql.dialect_name(session) == "postgresql"


def _p(table: sa.Table, column: str, name: str | None = None) -> sa.BindParameter:
    """A bound parameter typed like `table.column` (UTC datetimes, JSON)."""
    return sa.bindparam(name or column, type_=table.c[column].type)


# --- the reads ------------------------------------------------------------------------


@functools.cache
def _authorization_query() -> sa.Select:
    # tenants.rate_plan_at's rule: the newest version effective by now.
    plan_in_force = (sa.select(plans.c.id)
                     .where(plans.c.tenant_id == tenants.c.id,
                            plans.c.effective_at <= _p(plans, "effective_at", "now"))
                     .order_by(plans.c.version.desc()).limit(1).scalar_subquery())
    retried = (sa.select(calls.c.id).where(calls.c.provider == _p(calls, "provider"),
                                           calls.c.provider_call_id == _p(calls,
                                                                          "provider_call_id"))
               .scalar_subquery())
    listed, consented, scripted = compliance.list_conditions(
        tenants.c.id, sa.bindparam("callee", type_=sa.String))
    return (sa.select(
        seats.c.id.label("seat_id"), seats.c.tenant_id, seats.c.status.label("seat_status"),
        tenants.c.status, tenants.c.past_due_since, tenants.c.grace_days, tenants.c.timezone,
        sa.cast(tenants.c.calling_window, sa.Text).label("window"),
        tenants.c.no_calls_on_holidays, tenants.c.consent_required, tenants.c.script_required,
        tenants.c.caller_id, (tenants.c.balance_micros - tenants.c.held_micros).label("available"),
        plan_in_force.label("plan_id"), listed.label("on_dnc"),
        consented.label("has_consent"), scripted.label("has_script"),
        retried.label("retried_call_id"))
        .join_from(seats, tenants, seats.c.tenant_id == tenants.c.id)
        .where(seats.c.identity == sa.bindparam("identity", type_=sa.String)))


def authorization_facts(session: Session, *, identity: str, callee: str, provider: str,
                        provider_call_id: str | None, now: datetime) -> Row | None:
    """Seat, tenant settings, available funds, plan in force at `now`, list checks, and the call
    already recorded for this provider id (a retry); None for an unknown seat."""
    values = {"identity": identity, "callee": callee, "provider": provider,
              "provider_call_id": provider_call_id, "now": now}
    if _on_postgresql(session):
        return direct_sql.first(session, _authorization_query(), values, named=True)
    session.flush()  # Core statements do not autoflush the session's pending objects
    return session.execute(_authorization_query(), values).first()


def available(session: Session, tenant_id: int) -> int:
    """The tenant's funds not held, read again after a concurrent call took some."""
    return session.execute(sa.select(tenants.c.balance_micros - tenants.c.held_micros)
                           .where(tenants.c.id == tenant_id)).scalar_one()


def answer_of(session: Session, call_id: int) -> Row:
    """What a recorded call was answered: for a provider's retry of the same request."""
    return session.execute(
        sa.select(calls.c.id, calls.c.status, calls.c.reasons, calls.c.max_duration_seconds,
                  calls.c.callee, tenants.c.caller_id)
        .join_from(calls, tenants, calls.c.tenant_id == tenants.c.id)
        .where(calls.c.id == call_id)).one()


_CALL_FACTS = (calls.c.id, calls.c.tenant_id, calls.c.seat_id, calls.c.provider, calls.c.status,
               calls.c.hold_id, calls.c.callee, calls.c.max_duration_seconds,
               calls.c.rate_per_minute_micros, calls.c.initial_increment,
               calls.c.subsequent_increment, calls.c.connect_fee_micros,
               holds.c.amount_micros.label("held"))


@functools.cache
def _call_query(by_provider_id: bool) -> sa.Select:
    stmt = sa.select(*_CALL_FACTS).outerjoin_from(calls, holds, holds.c.id == calls.c.hold_id)
    if by_provider_id:
        return stmt.where(calls.c.provider == _p(calls, "provider"),
                          calls.c.provider_call_id == _p(calls, "provider_call_id"))
    return stmt.where(calls.c.id == _p(calls, "id"))


@functools.cache
def _calls_query() -> sa.Select:
    ids = sa.bindparam("provider_call_ids", type_=postgresql.ARRAY(sa.String))
    return (sa.select(*_CALL_FACTS, calls.c.provider_call_id)
            .outerjoin_from(calls, holds, holds.c.id == calls.c.hold_id)
            .where(calls.c.provider == _p(calls, "provider"),
                   calls.c.provider_call_id == sa.any_(ids)))


def calls_facts(session: Session, *, provider: str,
                provider_call_ids: list[str]) -> dict[str, Row]:
    """`call_facts` of several calls in one query (PostgreSQL), by provider call id."""
    if not provider_call_ids:
        return {}
    return {row.provider_call_id: row for row in direct_sql.all(
        session, _calls_query(), {"provider": provider,
                                  "provider_call_ids": sorted(set(provider_call_ids))})}


def call_facts(session: Session, *, provider: str | None = None,
               provider_call_id: str | None = None, call_id: int | None = None) -> Row | None:
    """A call with what settling it needs (its rate, its hold's amount as `held`)."""
    stmt = _call_query(call_id is None)
    values = ({"id": call_id} if call_id is not None
              else {"provider": provider, "provider_call_id": provider_call_id})
    if _on_postgresql(session):
        return direct_sql.first(session, stmt, values, named=True)
    session.flush()
    return session.execute(stmt, values).first()


# --- authorization: reserve the funds, place the hold, record the call -----------------

_CALL_COLUMNS = ("tenant_id", "seat_id", "provider", "provider_call_id", "callee", "status",
                 "reasons", "rate_plan_id", "rate_prefix", "rate_per_minute_micros",
                 "initial_increment", "subsequent_increment", "connect_fee_micros",
                 "max_duration_seconds", "over_limit", "expected_end_at")


def _reserve(refs: Refs) -> Any:
    amount = param(tenants, "held_micros", "amount")
    return (sa.update(tenants)
            .where(tenants.c.id == param(tenants, "id", "tenant_id"),
                   tenants.c.balance_micros - tenants.c.held_micros >= amount)
            .values(held_micros=tenants.c.held_micros + amount,
                    updated_at=param(tenants, "updated_at", "now"))
            .returning(tenants.c.id))


def _place_hold(refs: Refs) -> Any:
    return insert_row(holds, {
        "tenant_id": param(holds, "tenant_id"),
        "amount_micros": param(holds, "amount_micros", "amount"), "reason": "call",
        "reference": param(holds, "reference"), "state": "open",
        "expires_at": param(holds, "expires_at"),
        "created_at": param(holds, "created_at", "now"),
    }, refs).returning(holds.c.id)


def _record_call(held: bool) -> Callable[[Refs], Any]:
    def build(refs: Refs) -> Any:
        values: dict[str, Any] = {name: param(calls, name) for name in _CALL_COLUMNS}
        values["created_at"] = param(calls, "created_at", "now")
        if held:
            values["hold_id"] = refs.of("hold", "id", calls.c.hold_id.type)
        return insert_row(calls, values, refs, on_conflict=("provider", "provider_call_id")
                          ).returning(calls.c.id)
    return build


# A call with a hold: the conditional UPDATE checks the funds; no hold, no call. The
# call insert yields to one recorded under the same provider id (a concurrent retry).
AUTHORIZE_HELD = Chain(("reserve", _reserve), ("hold", _place_hold),
                       ("call", _record_call(held=True)))
# A refusal, or a free call (nothing to reserve).
RECORD_CALL = Chain(("call", _record_call(held=False)))


def undo_hold(session: Session, *, hold_id: int, tenant_id: int, amount: int) -> None:
    """Take back a hold placed in this transaction for a call another request recorded."""
    session.execute(sa.delete(holds).where(holds.c.id == hold_id))
    session.execute(sa.update(tenants).where(tenants.c.id == tenant_id)
                    .values(held_micros=tenants.c.held_micros - amount,
                            updated_at=tenants.c.updated_at))


# --- settlement: record the report, claim the call, close the hold, charge -------------

_EVENT_COLUMNS = ("provider", "event_id", "type", "outcome", "call_id", "tenant_id",
                  "object_id", "provider_created", "payload", "received_at")
events = InboundEvent.__table__


def _record_event(refs: Refs) -> Any:
    values = {name: param(events, name, f"ev_{name}") for name in _EVENT_COLUMNS}
    return insert_row(events, values, refs, on_conflict=("provider", "event_id")
                      ).returning(events.c.id)


def _claim(held: bool) -> Callable[[Refs], Any]:
    def build(refs: Refs) -> Any:
        charge = param(calls, "charge_micros", "charge")
        # What the hold will give; 0 if it was closed some other way (then nothing is
        # charged, as before). The hold's own UPDATE below re-checks under its lock.
        charged = (sa.func.coalesce(
            sa.select(charge).where(holds.c.id == calls.c.hold_id, holds.c.state == "open")
            .scalar_subquery(), 0) if held else sa.literal(0, calls.c.charge_micros.type))
        return guarded(
            sa.update(calls)
            .where(calls.c.id == param(calls, "id", "call_id"), calls.c.status == "authorized")
            .values(status=param(calls, "status", "final_status"),
                    duration_seconds=param(calls, "duration_seconds"),
                    billed_seconds=param(calls, "billed_seconds"),
                    over_limit=param(calls, "over_limit"),
                    ended_at=param(calls, "ended_at", "now"),
                    dialed_call_id=sa.func.coalesce(param(calls, "dialed_call_id"),
                                                    calls.c.dialed_call_id),
                    charge_micros=charged), refs).returning(calls.c.id, calls.c.charge_micros)
    return build


def _release(with_entry: bool) -> Callable[[Refs], Any]:
    def build(refs: Refs) -> Any:
        # Only while the hold is still open in this statement's snapshot; `close` below
        # re-checks under the hold's lock (the caller rolls back if they disagree).
        hold_open = sa.exists().where(holds.c.id == param(holds, "id", "hold_id"),
                                      holds.c.state == "open")
        # The low-balance alert's inputs too, for the debit's hooks (`ledger.after_debit`).
        returning = [tenants.c.id, tenants.c.balance_micros,
                     tenants.c.low_balance_threshold_micros, tenants.c.low_balance_armed]
        if with_entry and refs.chained:
            returning.append(LEDGER_ID.label("entry_id"))
        return guarded(
            sa.update(tenants).where(tenants.c.id == param(tenants, "id", "tenant_id"), hold_open)
            .values(balance_micros=tenants.c.balance_micros - param(tenants, "balance_micros",
                                                                   "charge"),
                    held_micros=tenants.c.held_micros - param(tenants, "held_micros", "held"),
                    updated_at=param(tenants, "updated_at", "now")),
            refs).returning(*returning)
    return build


def _close_hold(with_entry: bool) -> Callable[[Refs], Any]:
    def build(refs: Refs) -> Any:
        values: dict[str, Any] = {
            "state": "settled", "closed_at": param(holds, "closed_at", "now"),
            "settled_amount_micros": param(holds, "settled_amount_micros", "charge")}
        if with_entry and refs.chained:
            values["ledger_entry_id"] = refs.of("release", "entry_id",
                                                holds.c.ledger_entry_id.type)
        return guarded(sa.update(holds).where(holds.c.id == param(holds, "id", "hold_id"),
                                              holds.c.state == "open").values(values),
                       refs).returning(holds.c.id)
    return build


def _entry(refs: Refs) -> Any:
    values: dict[str, Any] = {
        "tenant_id": param(entries, "tenant_id"), "kind": "call",
        "amount_micros": param(entries, "amount_micros", "entry_amount"),
        "balance_after_micros": refs.of("release", "balance_micros",
                                        entries.c.balance_after_micros.type),
        "idempotency_key": param(entries, "idempotency_key"),
        "reference": param(entries, "reference"), "memo": param(entries, "memo"),
        "created_at": param(entries, "created_at", "now")}
    if refs.chained:
        values["id"] = refs.of("release", "entry_id", entries.c.id.type)
    return insert_row(entries, values, refs).returning(entries.c.id)


def _link(refs: Refs) -> Any:
    if refs.chained:
        return None  # the hold took the entry's id from `release`
    return (sa.update(holds).where(holds.c.id == param(holds, "id", "hold_id"))
            .values(ledger_entry_id=refs.of("entry", "id", holds.c.ledger_entry_id.type))
            .returning(holds.c.id))


@functools.cache
def settle_chain(*, event: bool, held: bool, charged: bool) -> Chain:
    """Settlement's steps: [record the event,] claim the call[, release the held amount
    and charge the balance, close the hold[, append the ledger entry]]."""
    steps: list[Step] = [("event", _record_event)] if event else []
    steps.append(("claim", _claim(held)))
    if held:
        steps += [("release", _release(charged)), ("close", _close_hold(charged))]
        if charged:
            steps += [("entry", _entry), ("link", _link)]
    return Chain(*steps)


def hold_amount(session: Session, hold_id: int) -> int:
    """A hold's amount (fixed when it is placed)."""
    return session.execute(sa.select(holds.c.amount_micros)
                           .where(holds.c.id == hold_id)).scalar_one()
