"""Seats: provisioned only after their prorated rent is paid; released at once."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.billing_cycle import Period, period_containing, prorated_rent
from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount
from callcenter.models import Seat, SeatCharge, Tenant
from callcenter.services import audit, ledger, rates
from callcenter.services.access import Actor, require_admin

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


def quote(session: Session, tenant: Tenant, *, now: datetime, count: int | None = None,
          label: str | None = None) -> tuple[int, int, Period]:
    """(seats, prorated rent per seat, the period) a provisioning would charge now;
    the same checks as `provision`, nothing written."""
    labels = _labels(session, tenant, count, label)
    _check_open(tenant)
    day = lifecycle.local_date(tenant, now)
    period = current_period(tenant, day)
    return len(labels), prorated_rent(tenant.seat_price_monthly_micros,
                                      tenant.billing_period_months, period, day), period


def provision(session: Session, actor: Actor, tenant: Tenant, *, now: datetime,
              count: int | None = None, label: str | None = None,
              request_key: str | None = None) -> list[Seat]:
    """Charge the prorated rent for the rest of the period, then create the seats.

    If `available` does not cover the rent, InsufficientFunds is raised before any seat
    exists. `request_key` makes a retried request return the seats it already created.
    """
    require_admin(actor)
    labels = _labels(session, tenant, count, label)
    _check_open(tenant)
    day = lifecycle.local_date(tenant, now)
    period = current_period(tenant, day)
    per_seat = prorated_rent(rates.seat_price_at(session, tenant, now),
                             tenant.billing_period_months,
                             period, day)
    entry_id = None
    if per_seat > 0:
        posting = ledger.post(
            session, tenant.id, kind="seat_rental", amount=-per_seat * len(labels),
            key=f"seats:{request_key or uuid.uuid4().hex}", now=now, actor_id=actor.user_id,
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
    """Stop a seat at once; the current period's rent is not refunded."""
    require_admin(actor)
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
