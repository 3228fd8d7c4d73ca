"""The final settlement of a terminated tenant, computed without writing anything.

The queries live here: the balance, the unused seat rent, the unpaid arrears and the
refundable card payments. The arithmetic that turns them into lines that add up so the
ledger ends at 0 is `callcenter.domain.settlement.waterfall`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput
from callcenter.domain.lifecycle import local_date
from callcenter.domain.settlement import CardPayment, Debt, waterfall
from callcenter.models import Arrear, Hold, Payment, Seat, SeatCharge, Tenant
from callcenter.models.payment import TERMINATION_REASONS
from callcenter.services import arrears
from callcenter.services.seats import current_period

# The platform ended the service: the tenant gets back the rent for days it cannot use.
SEAT_CREDIT_REASONS = ("platform_fault", "force_majeure")


@dataclass
class PlannedLine:
    """A settlement line before it is booked."""

    kind: str
    amount: int
    status: str
    memo: str
    payment: Payment | None = None
    arrear: Arrear | None = None


@dataclass
class Plan:
    """The settlement a termination would book now."""

    reason: str
    currency: str
    balance: int
    seat_credit: int
    arrears: int
    open_holds: list[Hold]
    lines: list[PlannedLine] = field(default_factory=list)

    def total(self, kind: str) -> int:
        """Sum of the lines of one kind."""
        return sum(line.amount for line in self.lines if line.kind == kind)


def check_reason(reason: object) -> str:
    """One of the agreement's termination reasons, or InvalidInput."""
    if reason not in TERMINATION_REASONS:
        raise InvalidInput(f"reason must be one of: {', '.join(TERMINATION_REASONS)}",
                           details={"field": "reason"})
    return reason  # type: ignore[return-value]


def open_holds(session: Session, tenant_id: int) -> list[Hold]:
    """Holds still reserving funds: each must be settled before the final settlement."""
    return list(session.scalars(sa.select(Hold).where(Hold.tenant_id == tenant_id,
                                                      Hold.state == "open").order_by(Hold.id)))


def _covered_from(tenant: Tenant, charge: SeatCharge, seat: Seat) -> date:
    if charge.kind == "provision":
        return max(charge.period_start, local_date(tenant, seat.provisioned_at))
    return charge.period_start


def unused_seat_rent(session: Session, tenant: Tenant, now: datetime) -> int:
    """Rent already charged for the current period's days from today on, active seats.

    Each charge is credited pro rata of the days it paid for, so a seat provisioned mid
    period (charged prorated) gets back exactly its own unused share. Today counts as
    unused: the platform ended the service today.
    """
    if tenant.billing_anchor is None:
        return 0
    day = local_date(tenant, now)
    period = current_period(tenant, day)
    rows = session.execute(
        sa.select(SeatCharge, Seat).join(Seat, Seat.id == SeatCharge.seat_id)
        .where(SeatCharge.tenant_id == tenant.id, SeatCharge.period_start == period.start,
               Seat.status == "active")).all()
    credit = 0
    for charge, seat in rows:
        start = _covered_from(tenant, charge, seat)
        paid_days = (charge.period_end - start).days
        unused_days = (charge.period_end - max(day, start)).days
        if paid_days > 0 and unused_days > 0:
            credit += charge.amount_micros * unused_days // paid_days  # down: exact integers
    return credit


def refundable_payments(session: Session, tenant_id: int) -> list[Payment]:
    """Credited card payments, newest first: the order refunds go back in."""
    return list(session.scalars(
        sa.select(Payment).where(Payment.tenant_id == tenant_id, Payment.status == "succeeded",
                                 Payment.ledger_entry_id.is_not(None))
        .order_by(Payment.succeeded_at.desc(), Payment.id.desc())))


def plan(session: Session, tenant: Tenant, reason: str, *, now: datetime) -> Plan:
    """The settlement for `reason` as of now; nothing is written."""
    reason = check_reason(reason)
    session.flush()  # keep the caller's pending changes: refresh() would drop them
    session.refresh(tenant)
    seat_credit = unused_seat_rent(session, tenant, now) if reason in SEAT_CREDIT_REASONS else 0
    unpaid = arrears.unpaid(session, tenant.id)
    payments = refundable_payments(session, tenant.id)
    planned = waterfall(
        currency=tenant.currency, balance=tenant.balance_micros, seat_credit=seat_credit,
        arrears=[Debt(a.id, a.amount_micros, a.memo or a.kind) for a in unpaid],
        payments=[CardPayment(p.id, p.refundable_micros, p.intent_id) for p in payments])
    # Booking needs the rows themselves (to mark arrears paid, payments refunded).
    arrear_of = {a.id: a for a in unpaid}
    payment_of = {p.id: p for p in payments}
    result = Plan(reason=reason, currency=tenant.currency, balance=tenant.balance_micros,
                  seat_credit=seat_credit, arrears=0,
                  open_holds=open_holds(session, tenant.id),
                  lines=[PlannedLine(line.kind, line.amount, line.status, line.memo,
                                     payment=payment_of.get(line.payment_id),
                                     arrear=arrear_of.get(line.arrear_id))
                         for line in planned])
    result.arrears = result.total("arrears")
    return result
