"""The billing run: seat renewals in advance, arrears, grace, suspension, late fees.

Each tenant is processed in its own transaction under its row lock (`SELECT ... FOR
UPDATE`), so two runs started at once (two servers' cron) serialize per tenant and the
second finds nothing left to do. Unique constraints on (seat, period) and on arrear
keys back this up. The run walks tenants in id order, in bounded batches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.billing_cycle import late_fee, period_containing
from callcenter.domain.errors import InsufficientFunds
from callcenter.models import Arrear, Seat, SeatCharge, Tenant
from callcenter.services import arrears, audit, events, ledger, rates
from callcenter.services.uow import UnitOfWork

BATCH_SIZE = 100


@dataclass
class RunReport:
    """What one billing run did."""

    as_of: datetime
    tenants_examined: int = 0
    periods_renewed: int = 0
    seats_charged: int = 0
    # Money per currency: tenants do not share one.
    charged: Counter[str] = field(default_factory=Counter)
    arrears_recorded: Counter[str] = field(default_factory=Counter)
    late_fees: Counter[str] = field(default_factory=Counter)
    past_due: list[int] = field(default_factory=list)
    suspended: list[int] = field(default_factory=list)
    to_terminate: list[int] = field(default_factory=list)  # suspended too long
    terminated: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def add(self, part: RunReport) -> None:
        """Fold in one committed tenant's figures."""
        for name in ("periods_renewed", "seats_charged"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        for name in ("charged", "arrears_recorded", "late_fees"):
            getattr(self, name).update(getattr(part, name))
        for name in ("past_due", "suspended", "to_terminate", "terminated"):
            getattr(self, name).extend(getattr(part, name))


def _lock(session: Session, tenant_id: int) -> Tenant:
    return session.scalars(
        sa.select(Tenant).where(Tenant.id == tenant_id).with_for_update()
        .execution_options(populate_existing=True)).one()


def _seats_to_charge(session: Session, tenant: Tenant, start: date, end: date) -> list[Seat]:
    already = sa.select(SeatCharge.seat_id).where(SeatCharge.period_start == start,
                                                  SeatCharge.tenant_id == tenant.id)
    seats = session.scalars(sa.select(Seat).where(
        Seat.tenant_id == tenant.id, Seat.status == "active", Seat.id.not_in(already))
        .order_by(Seat.id)).all()
    # A seat provisioned after this period ended is not the period's to pay for.
    return [s for s in seats if lifecycle.local_date(tenant, s.provisioned_at) < end]


def _renew(session: Session, tenant: Tenant, today: date, now: datetime,
           report: RunReport) -> None:
    """Charge every period that has started by `today`, in advance, each exactly once."""
    while tenant.period_end is not None and tenant.period_end <= today:
        period = period_containing(tenant.billing_anchor, tenant.billing_period_months,
                                   tenant.period_end)
        seats = _seats_to_charge(session, tenant, period.start, period.end)
        # The seat price of the plan in force on the renewal date (services/rates.py).
        price = rates.seat_price_on(session, tenant, period.start) * tenant.billing_period_months
        total = price * len(seats)
        entry_id = arrear_id = None
        if total > 0:
            memo = f"{len(seats)} seat(s), {period.start} to {period.end}"
            try:
                if arrears.unpaid_total(session, tenant.id):
                    raise InsufficientFunds("older arrears come first")
                entry_id = ledger.post(session, tenant.id, kind="seat_rental", amount=-total,
                                       key=f"rent:{period.start.isoformat()}", now=now,
                                       memo=memo).entry.id
                report.charged[tenant.currency] += total
            except InsufficientFunds:
                arrear = Arrear(tenant_id=tenant.id, kind="seat_rental", due_on=period.start,
                                key=f"rent:{period.start.isoformat()}", amount_micros=total,
                                memo=memo, created_at=now)
                session.add(arrear)
                session.flush()
                arrear_id = arrear.id
                report.arrears_recorded[tenant.currency] += total
                if lifecycle.can_fall_past_due(tenant):
                    lifecycle.fall_past_due(tenant, period.start, now)
                    report.past_due.append(tenant.id)
        session.add_all([SeatCharge(seat_id=s.id, tenant_id=tenant.id, period_start=period.start,
                                    period_end=period.end, amount_micros=price, kind="renewal",
                                    ledger_entry_id=entry_id, arrear_id=arrear_id,
                                    created_at=now) for s in seats])
        report.seats_charged += len(seats)
        report.periods_renewed += 1
        tenant.period_end = period.end
        tenant.updated_at = now


def _late_fees(session: Session, tenant: Tenant, today: date, now: datetime,
               report: RunReport) -> None:
    """One late fee per overdue day up to `today`, on the rent unpaid before that day."""
    if not tenant.late_fee_ppm_per_day or tenant.past_due_since is None:
        return
    percent = Decimal(tenant.late_fee_ppm_per_day) / Decimal(10_000)
    keys = set(session.scalars(sa.select(Arrear.key).where(
        Arrear.tenant_id == tenant.id, Arrear.kind == "late_fee")))
    rent = [(a.due_on, a.amount_micros) for a in arrears.unpaid(session, tenant.id)
            if a.kind == "seat_rental"]
    day = tenant.past_due_since + timedelta(days=1)
    while day <= today:
        key = f"late:{day.isoformat()}"
        fee = late_fee(sum(amount for due, amount in rent if due < day), percent)
        if fee > 0 and key not in keys:
            session.add(Arrear(tenant_id=tenant.id, kind="late_fee", key=key, due_on=day,
                               amount_micros=fee, memo=f"Late fee for {day}", created_at=now))
            report.late_fees[tenant.currency] += fee
        day += timedelta(days=1)


def _escalate(session: Session, tenant: Tenant, today: date, now: datetime,
              report: RunReport) -> None:
    """Past due beyond the grace period: suspend; suspended too long: terminate."""
    if lifecycle.grace_over(tenant, today):
        lifecycle.suspend(tenant, lifecycle.UNPAID, "Seat rent unpaid after the grace period",
                          now=now, on=today)
        events.tenant_status(session, tenant, "tenant.suspended", now=now)
        audit.record(session, None, "tenant.suspend", tenant_id=tenant.id, now=now,
                     reason="unpaid rent", automatic=True)
        report.suspended.append(tenant.id)
    terminates_on = lifecycle.terminates_on(tenant)
    if terminates_on is not None and today >= terminates_on:
        # Termination has its own settlement (refunds, write-off, ledger at zero): the
        # run only names the tenant; the caller terminates it in its own transaction.
        report.to_terminate.append(tenant.id)


def process_tenant(session: Session, tenant_id: int, as_of: datetime, now: datetime,
                   report: RunReport) -> None:
    """Bring one tenant up to date as of `as_of`; the caller commits."""
    tenant = _lock(session, tenant_id)
    if tenant.status not in lifecycle.BILLABLE or lifecycle.terminating(tenant):
        return  # a termination in progress: its settlement is final, no new period
    today = lifecycle.local_date(tenant, as_of)
    _renew(session, tenant, today, now, report)
    if tenant.status in lifecycle.DUNNING:
        _late_fees(session, tenant, today, now, report)
        _escalate(session, tenant, today, now, report)
    session.flush()


def due_tenant_ids(session: Session, as_of: datetime, *, after_id: int = 0,
                   limit: int = BATCH_SIZE) -> list[int]:
    """Tenants with a renewal due or arrears to follow up, in id order after `after_id`."""
    # Billing days are tenant-local; one day of slack covers every UTC offset, and
    # process_tenant decides exactly.
    horizon = as_of.date() + timedelta(days=1)
    return list(session.scalars(
        sa.select(Tenant.id).where(
            Tenant.id > after_id, Tenant.status.in_(lifecycle.BILLABLE),
            sa.or_(Tenant.period_end <= horizon, Tenant.status.in_(lifecycle.DUNNING)))
        .order_by(Tenant.id).limit(limit)))


def run(uow: UnitOfWork, *, as_of: datetime, now: datetime,
        batch_size: int = BATCH_SIZE) -> RunReport:
    """Process every due tenant, committing each one; a failing tenant does not stop it."""
    session = uow.session
    report = RunReport(as_of=as_of)
    after = 0
    while ids := due_tenant_ids(session, as_of, after_id=after, limit=batch_size):
        for tenant_id in ids:
            report.tenants_examined += 1
            part = RunReport(as_of=as_of)
            try:
                process_tenant(session, tenant_id, as_of, now, part)
                uow.commit()
            except sa.exc.SQLAlchemyError:
                uow.rollback()
                report.failed.append(tenant_id)
                continue
            report.add(part)
        after = ids[-1]
    return report


@dataclass(frozen=True)
class BillingSummary:
    """What a tenant should know about its rent: next renewal, arrears, consequences."""

    period_months: int
    active_seats: int
    next_renewal_on: date | None
    next_renewal_micros: int
    arrears_micros: int
    unpaid: list[Arrear]
    past_due_since: date | None
    suspends_on: date | None
    late_fee_per_day_micros: int
    terminates_on: date | None


def summary(session: Session, tenant: Tenant) -> BillingSummary:
    """The tenant's billing position, for its pages and the API."""
    from callcenter.services.seats import active_seat_count

    seats = active_seat_count(session, tenant.id)
    unpaid = arrears.unpaid(session, tenant.id)
    rent_due = sum(a.amount_micros for a in unpaid if a.kind == "seat_rental")
    percent = Decimal(tenant.late_fee_ppm_per_day) / Decimal(10_000)
    return BillingSummary(
        period_months=tenant.billing_period_months, active_seats=seats,
        next_renewal_on=tenant.period_end,
        next_renewal_micros=seats * tenant.billing_period_months * (
            rates.seat_price_on(session, tenant, tenant.period_end) if tenant.period_end
            else tenant.seat_price_monthly_micros),
        arrears_micros=sum(a.amount_micros for a in unpaid), unpaid=unpaid,
        past_due_since=tenant.past_due_since, suspends_on=lifecycle.suspends_on(tenant),
        late_fee_per_day_micros=late_fee(rent_due, percent),
        terminates_on=lifecycle.terminates_on(tenant),
    )
