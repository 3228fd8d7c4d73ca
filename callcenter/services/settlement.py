"""The final settlement of a terminated tenant, computed without writing anything.

Everything owed on both sides, in order: the remaining balance; the unused part of the
current seat period when the platform (or force majeure) ended the service; unpaid
arrears; then refunds of what is left: to the cards it came from, newest payment first,
each up to what that payment can still refund; the rest as a bank refund; a remainder
below the currency's minor unit written off. The lines add up so the ledger ends at 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput
from callcenter.domain.lifecycle import local_date
from callcenter.domain.money import minor_unit_micros
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
    unit = minor_unit_micros(tenant.currency)
    seat_credit = unused_seat_rent(session, tenant, now) if reason in SEAT_CREDIT_REASONS else 0
    result = Plan(reason=reason, currency=tenant.currency, balance=tenant.balance_micros,
                  seat_credit=seat_credit, arrears=0,
                  open_holds=open_holds(session, tenant.id))
    lines = result.lines
    lines.append(PlannedLine("balance", tenant.balance_micros, "done", "Remaining balance"))
    if seat_credit:
        lines.append(PlannedLine("seat_credit", seat_credit, "done",
                                 "Unused seat rent of the current period, credited back"))
    credit = tenant.balance_micros + seat_credit
    if credit < 0:
        # An admin adjustment left the balance negative: the tenant owes it; the ledger
        # moves it to this receivable so it can still end at 0.
        lines.append(PlannedLine("receivable", -credit, "open", "Negative balance owed"))
        credit = 0
    for arrear in arrears.unpaid(session, tenant.id):
        paid = min(arrear.amount_micros, credit)
        if paid > 0:
            lines.append(PlannedLine("arrears", paid, "done",
                                     f"Arrears paid: {arrear.memo or arrear.kind}",
                                     arrear=arrear))
            credit -= paid
            result.arrears += paid
        if paid < arrear.amount_micros:
            lines.append(PlannedLine("receivable", arrear.amount_micros - paid, "open",
                                     f"Still owed: {arrear.memo or arrear.kind}",
                                     arrear=arrear))
    for payment in refundable_payments(session, tenant.id):
        amount = min(credit // unit * unit, payment.refundable_micros)
        if amount > 0:
            lines.append(PlannedLine("card_refund", amount, "pending",
                                     f"Refund to card, payment {payment.intent_id}",
                                     payment=payment))
            credit -= amount
    bank = credit // unit * unit
    if bank > 0:
        lines.append(PlannedLine("bank_refund", bank, "pending",
                                 "Refund by bank transfer to the tenant's account"))
        credit -= bank
    if credit > 0:
        lines.append(PlannedLine("write_off", credit, "done",
                                 "Below the currency's smallest unit: written off"))
    return result
