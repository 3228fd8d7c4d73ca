"""Seats: provisioned only after their prorated rent is paid; released at once (the rent
already paid for the current period is not refunded); each may be assigned to an agent.

Admins and the tenant's owner both provision and release; `quote` is the amount the
confirmation step shows and `provision` charges, computed by the same function.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.billing_cycle import Period, period_containing, prorated_rent
from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount
from callcenter.models import Seat, SeatCharge, Tenant, User
from callcenter.services import audit, ledger, rates
from callcenter.services.access import Actor, require_tenant_role

MAX_SEATS_PER_REQUEST = 100


def current_period(tenant: Tenant, day: date) -> Period:
    """The tenant's billing period containing `day`."""
    if tenant.billing_anchor is None:
        raise InvalidState("the account has no billing cycle until its first payment")
    return period_containing(tenant.billing_anchor, tenant.billing_period_months, day)


def _labels(session: Session, tenant: Tenant, count: int | None, label: str | None
            ) -> list[str]:
    if (count is None) == (label is None):
        raise InvalidInput("send either count or label")
    if label is not None:
        if not isinstance(label, str) or not label.strip() or len(label) > 100:
            raise InvalidInput("label must be text up to 100 characters",
                               details={"field": "label"})
        return [label.strip()]
    if not isinstance(count, int) or isinstance(count, bool) \
            or not 1 <= count <= MAX_SEATS_PER_REQUEST:
        raise InvalidInput(f"count must be a whole number from 1 to {MAX_SEATS_PER_REQUEST}",
                           details={"field": "count"})
    existing = session.scalar(sa.select(sa.func.count(Seat.id))
                              .where(Seat.tenant_id == tenant.id)) or 0
    return [f"Seat {existing + i + 1}" for i in range(count)]


def _check_open(tenant: Tenant) -> None:
    if tenant.status != lifecycle.ACTIVE:
        if tenant.status == lifecycle.PENDING:
            raise InvalidState("the account opens when its first payment arrives")
        raise InvalidState(f"a {tenant.status.replace('_', ' ')} tenant cannot get new seats")


@dataclass(frozen=True)
class Quote:
    """What provisioning these seats costs now: the prorated rent for the rest of the period."""

    labels: list[str]
    per_seat_micros: int
    total_micros: int
    day: date
    period: Period


def quote(session: Session, tenant: Tenant, *, now: datetime, count: int | None = None,
          label: str | None = None) -> Quote:
    """The seats' labels and the rent `provision` would charge at `now`, or the reason it
    cannot (bad input, the tenant's state)."""
    labels = _labels(session, tenant, count, label)
    _check_open(tenant)
    day = lifecycle.local_date(tenant, now)
    period = current_period(tenant, day)
    per_seat = prorated_rent(rates.seat_price_at(session, tenant, now),
                             tenant.billing_period_months,
                             period, day)
    return Quote(labels, per_seat, per_seat * len(labels), day, period)


def provision(session: Session, actor: Actor, tenant: Tenant, *, now: datetime,
              count: int | None = None, label: str | None = None,
              request_key: str | None = None) -> list[Seat]:
    """Charge the prorated rent for the rest of the period, then create the seats.

    If `available` does not cover the rent, InsufficientFunds is raised before any seat
    exists. `request_key` makes a retried request return the seats it already created.
    """
    require_tenant_role(actor, tenant.id)
    q = quote(session, tenant, now=now, count=count, label=label)
    labels, day, period, per_seat = q.labels, q.day, q.period, q.per_seat_micros
    entry_id = None
    if per_seat > 0:
        posting = ledger.post(
            session, tenant.id, kind="seat_rental", amount=-q.total_micros,
            key=f"seats:{request_key or uuid.uuid4().hex}", now=now,
            actor_id=actor.user_id,
            memo=(f"{len(labels)} seat(s) x {format_amount(per_seat)} {tenant.currency}, "
                  f"{day} to {period.end} (prorated)"),
        )
        if not posting.created:
            return list(session.scalars(
                sa.select(Seat).join(SeatCharge, SeatCharge.seat_id == Seat.id)
                .where(SeatCharge.ledger_entry_id == posting.entry.id).order_by(Seat.id)))
        entry_id = posting.entry.id
    prefix = (tenant.account_code or f"t{tenant.id}").lower()
    seats = [Seat(tenant_id=tenant.id, identity=f"{prefix}-{secrets.token_hex(4)}",
                  label=text, status="active", provisioned_at=now) for text in labels]
    session.add_all(seats)
    session.flush()
    session.add_all([SeatCharge(seat_id=s.id, tenant_id=tenant.id, period_start=period.start,
                                period_end=period.end, amount_micros=per_seat,
                                kind="provision", ledger_entry_id=entry_id, created_at=now)
                     for s in seats])
    audit.record(session, actor, "seats.provision", tenant_id=tenant.id, now=now,
                 seats=[s.identity for s in seats], per_seat_micros=per_seat,
                 period_start=period.start.isoformat(), period_end=period.end.isoformat())
    return seats


def seat_of(session: Session, tenant: Tenant, seat_id: int) -> Seat:
    """A seat of this tenant, or NotFound (another tenant's seat is not found either)."""
    seat = session.get(Seat, seat_id)
    if seat is None or seat.tenant_id != tenant.id:
        raise NotFound("seat not found")
    return seat


def release(session: Session, actor: Actor, tenant: Tenant, seat_id: int, *,
            now: datetime) -> Seat:
    """Stop a seat at once; the current period's rent is not refunded (as agreed: rent
    is paid in advance for the period, and a seat released early is the tenant's choice).
    """
    require_tenant_role(actor, tenant.id)
    seat = seat_of(session, tenant, seat_id)
    if seat.status == "active":
        seat.status, seat.released_at = "released", now
        audit.record(session, actor, "seats.release", tenant_id=tenant.id, now=now,
                     seat=seat.identity)
    return seat


def list_seats(session: Session, tenant_id: int, *, include_released: bool = True
               ) -> list[Seat]:
    """The tenant's seats, active first."""
    stmt = sa.select(Seat).where(Seat.tenant_id == tenant_id)
    if not include_released:
        stmt = stmt.where(Seat.status == "active")
    return list(session.scalars(stmt.order_by(Seat.status, Seat.id)))


def active_seat_count(session: Session, tenant_id: int) -> int:
    """How many seats the tenant rents now."""
    return session.scalar(sa.select(sa.func.count(Seat.id)).where(
        Seat.tenant_id == tenant_id, Seat.status == "active")) or 0


def agent_of(session: Session, tenant: Tenant, user_id: int) -> User:
    """An agent user of this tenant, or NotFound."""
    user = session.get(User, user_id)
    if user is None or user.tenant_id != tenant.id or user.role != "agent":
        raise NotFound("no such agent", details={"field": "agent_user_id"})
    return user


def assign(session: Session, actor: Actor, tenant: Tenant, seat_id: int,
           agent_user_id: int | None, *, now: datetime) -> Seat:
    """Give a seat to one of the tenant's active agents (None: to nobody)."""
    require_tenant_role(actor, tenant.id)
    seat = seat_of(session, tenant, seat_id)
    if agent_user_id is not None:
        agent = agent_of(session, tenant, agent_user_id)
        if not agent.active:
            raise InvalidState("this agent is disabled", details={"field": "agent_user_id"})
    if seat.status != "active" and agent_user_id is not None:
        raise InvalidState("a released seat cannot be assigned")
    if seat.agent_user_id != agent_user_id:
        seat.agent_user_id = agent_user_id
        audit.record(session, actor, "seats.assign", tenant_id=tenant.id, now=now,
                     seat=seat.identity, agent_user_id=agent_user_id)
    return seat


def seats_of_agent(session: Session, user_id: int) -> list[Seat]:
    """The seats assigned to an agent."""
    return list(session.scalars(sa.select(Seat).where(Seat.agent_user_id == user_id)
                                .order_by(Seat.status, Seat.id)))
