"""Seats paid before use, renewals in advance, arrears, grace, suspension, late fees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from callcenter.domain.errors import InsufficientFunds, InvalidState
from callcenter.extensions import db
from callcenter.models import Arrear, LedgerEntry, Seat, SeatCharge, Tenant
from callcenter.services import billing, billing_job, ledger, seats, tenants, topups
from callcenter.services.access import SYSTEM
from callcenter.services.uow import UnitOfWork


def at(clock, y, m, d, hour=12):
    clock.now = datetime(y, m, d, hour, tzinfo=UTC)
    return clock.now


def _tenant(factory, clock, *, day=(2026, 1, 31), balance="1000.00", price="31.00",
            months=1, **settings):
    at(clock, *day)
    info = factory.tenant(timezone="UTC", balance=balance, seat_price=price)
    with factory.app.app_context():
        t = db.session.get(Tenant, info.id)
        if months != 1 or settings:
            # The period length is fixed at activation; tests set it directly.
            t.billing_period_months = months
            from callcenter.domain.billing_cycle import add_months

            t.period_end = add_months(t.billing_anchor, months)
            for name, value in settings.items():
                setattr(t, name, value)
            db.session.commit()
    return info.id


def _provision(session, factory, tenant_id, clock, count=1):
    t = session.get(Tenant, tenant_id)
    made = seats.provision(session, factory.admin_actor(), t, now=clock(), count=count)
    session.commit()
    return made


def _balance(session, tenant_id):
    session.expire_all()
    t = session.get(Tenant, tenant_id)
    assert ledger.ledger_sum(session, tenant_id) == t.balance_micros
    return t.balance_micros


def _run(session, clock, as_of=None):
    return billing.run(UnitOfWork(session), as_of=as_of or clock(), now=clock())


def _job(session, clock):
    report = billing_job.run(UnitOfWork(session), SYSTEM, as_of=clock(), now=clock(),
                             retention_days=30, secret="s", gateway=None)
    return billing_job.report_json(report), report.failed


@pytest.mark.parametrize("anchor,day,expected", [
    # anchor Jan 31, monthly 31.00: periods Jan31-Feb28 (28 d), Feb28-Mar31 (31 d)
    ((2026, 1, 31), (2026, 1, 31), 31_000_000),            # first day: full price
    ((2026, 1, 31), (2026, 2, 27), 31_000_000 * 1 // 28),  # last day of a 28-day period
    ((2026, 1, 31), (2026, 2, 14), 31_000_000 * 14 // 28),  # mid-February
    ((2026, 1, 31), (2026, 2, 28), 31_000_000),            # first day of the next period
    ((2026, 1, 31), (2026, 3, 30), 31_000_000 * 1 // 31),  # last day of a 31-day period
    ((2026, 3, 1), (2026, 3, 17), 31_000_000 * 15 // 31),  # a 31-day month
])
def test_provisioning_charges_prorated_rent(session, factory, clock, anchor, day, expected):
    tid = _tenant(factory, clock, day=anchor)
    before = _balance(session, tid)
    at(clock, *day)
    made = _provision(session, factory, tid, clock)
    assert before - _balance(session, tid) == expected
    charge = session.scalars(sa.select(SeatCharge).where(SeatCharge.seat_id == made[0].id)).one()
    assert charge.amount_micros == expected and charge.kind == "provision"


def test_three_month_period_prorates_over_its_days(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 1, 31), months=3)  # Jan 31 - Apr 30: 89 days
    before = _balance(session, tid)
    at(clock, 2026, 3, 1)
    _provision(session, factory, tid, clock, count=3)
    per_seat = 93_000_000 * 60 // 89  # 60 days left of 89, three months of 31.00
    assert before - _balance(session, tid) == 3 * per_seat


def test_unaffordable_provisioning_creates_nothing(session, factory, clock):
    tid = _tenant(factory, clock, balance="10.00")
    t = session.get(Tenant, tid)
    with pytest.raises(InsufficientFunds):
        seats.provision(session, factory.admin_actor(), t, now=clock(), count=1)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(Seat.id))) == 0
    assert session.scalar(sa.select(sa.func.count(SeatCharge.id))) == 0
    assert session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1  # the top-up
    assert _balance(session, tid) == 10_000_000


def test_pending_tenant_cannot_get_seats(session, factory, clock):
    info = factory.tenant()
    with pytest.raises(InvalidState, match="first payment"):
        seats.provision(session, factory.admin_actor(), session.get(Tenant, info.id),
                        now=clock(), count=1)


def test_renewal_charges_next_period_in_advance_once(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 1, 31))
    _provision(session, factory, tid, clock, count=2)  # full period: 62.00
    assert _balance(session, tid) == 938_000_000
    at(clock, 2026, 2, 27)
    assert _run(session, clock).seats_charged == 0  # not due yet
    at(clock, 2026, 2, 28, hour=0)
    report = _run(session, clock)
    assert report.seats_charged == 2 and report.charged["USD"] == 62_000_000
    assert _balance(session, tid) == 876_000_000
    again = _run(session, clock)
    assert again.seats_charged == 0 and _balance(session, tid) == 876_000_000
    t = session.get(Tenant, tid)
    assert t.period_end.isoformat() == "2026-03-31"


def test_late_run_catches_up_every_missed_period(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 1, 31))
    _provision(session, factory, tid, clock)
    at(clock, 2026, 5, 1)
    report = _run(session, clock)
    assert report.periods_renewed == 3  # Feb 28, Mar 31, Apr 30
    assert _balance(session, tid) == 1_000_000_000 - 4 * 31_000_000


def test_released_seat_is_not_charged_at_renewal(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 1, 31))
    kept, gone = _provision(session, factory, tid, clock, count=2)
    at(clock, 2026, 2, 10)
    seats.release(session, factory.admin_actor(), session.get(Tenant, tid), gone.id,
                  now=clock())
    session.commit()
    before = _balance(session, tid)
    at(clock, 2026, 2, 28)
    _run(session, clock)
    assert before - _balance(session, tid) == 31_000_000
    charged = session.scalars(sa.select(SeatCharge.seat_id).where(
        SeatCharge.kind == "renewal")).all()
    assert charged == [kept.id]


def test_unpaid_rent_timeline(session, factory, clock):
    # 0.5 % late fee per overdue day; 3 grace days (the default).
    tid = _tenant(factory, clock, day=(2026, 3, 1), balance="40.00", price="30.00",
                  late_fee_ppm_per_day=5_000)
    _provision(session, factory, tid, clock)  # 30.00 paid, 10.00 left
    at(clock, 2026, 4, 1, hour=6)
    report = _run(session, clock)
    t = session.get(Tenant, tid)
    assert report.past_due == [tid] and t.status == "past_due"
    assert t.past_due_since.isoformat() == "2026-04-01"
    assert _balance(session, tid) == 10_000_000  # nothing taken: rent is owed, not debited
    summary = billing.summary(session, t)
    assert summary.arrears_micros == 30_000_000 and str(summary.suspends_on) == "2026-04-04"

    at(clock, 2026, 4, 2)
    _run(session, clock)
    _run(session, clock)  # twice the same day: one late fee
    fees = session.scalars(sa.select(Arrear).where(Arrear.kind == "late_fee")).all()
    assert [(f.due_on.isoformat(), f.amount_micros) for f in fees] == [("2026-04-02", 150_000)]
    assert session.get(Tenant, tid).status == "past_due"  # calls still work in grace

    at(clock, 2026, 4, 4)
    report = _run(session, clock)
    t = session.get(Tenant, tid)
    assert report.suspended == [tid] and t.status == "suspended"
    assert t.suspension_cause == "unpaid"
    late = session.scalar(sa.select(sa.func.sum(Arrear.amount_micros)).where(
        Arrear.kind == "late_fee"))
    assert late == 3 * 150_000  # Apr 2, 3, 4

    # Money arrives: arrears (rent, then each late fee) are paid first, in one transaction.
    at(clock, 2026, 4, 5, hour=9)
    topups.record_bank_transfer(session, factory.admin_actor(), t, 50_000_000, "PAY-1",
                                now=clock())
    session.commit()
    t = session.get(Tenant, tid)
    assert t.status == "active" and t.past_due_since is None
    assert _balance(session, tid) == 10_000_000 + 50_000_000 - 30_000_000 - 450_000
    kinds = session.scalars(sa.select(LedgerEntry.kind).where(LedgerEntry.tenant_id == tid)
                            .order_by(LedgerEntry.id)).all()
    assert kinds[-5:] == ["topup", "seat_rental", "late_fee", "late_fee", "late_fee"]
    assert session.scalar(sa.select(sa.func.count(Arrear.id)).where(
        Arrear.paid_at.is_(None))) == 0
    # The April seat charge now points at the payment that settled it.
    charge = session.scalars(sa.select(SeatCharge).where(SeatCharge.kind == "renewal")).one()
    assert charge.ledger_entry_id is not None


def test_partial_payment_keeps_the_tenant_past_due(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 3, 1), balance="30.00", price="30.00")
    _provision(session, factory, tid, clock)
    at(clock, 2026, 4, 1)
    _run(session, clock)
    t = session.get(Tenant, tid)
    topups.record_bank_transfer(session, factory.admin_actor(), t, 20_000_000, "PART",
                                now=clock())
    session.commit()
    assert session.get(Tenant, tid).status == "past_due"
    assert _balance(session, tid) == 20_000_000


def test_admin_suspension_is_not_lifted_by_a_payment(session, factory, clock):
    tid = _tenant(factory, clock)
    t = session.get(Tenant, tid)
    tenants.suspend(session, factory.admin_actor(), t, "fraud review", now=clock())
    session.commit()
    topups.record_bank_transfer(session, factory.admin_actor(), t, 1_000_000, "P2",
                                now=clock())
    session.commit()
    assert session.get(Tenant, tid).status == "suspended"


def test_auto_termination_after_days_suspended(session, factory, clock):
    tid = _tenant(factory, clock, day=(2026, 3, 1), balance="30.00", price="30.00",
                  auto_terminate_after_days=10)
    _provision(session, factory, tid, clock)
    at(clock, 2026, 4, 1)
    _run(session, clock)
    at(clock, 2026, 4, 4)
    _run(session, clock)
    at(clock, 2026, 4, 13)
    assert _job(session, clock)[0]["terminated"] == []
    at(clock, 2026, 4, 14)
    report, failed = _job(session, clock)
    assert report["terminated"] == [tid] and not failed
    session.expire_all()
    t = session.get(Tenant, tid)
    # Terminated through the settlement: the ledger ends at exactly zero.
    assert t.status == "terminated" and t.balance_micros == 0
    assert ledger.ledger_sum(session, tid) == 0


def test_billing_runs_in_batches(session, factory, clock):
    ids = [_tenant(factory, clock, day=(2026, 1, 31)) for _ in range(5)]
    for tid in ids:
        _provision(session, factory, tid, clock)
    at(clock, 2026, 2, 28)
    report = billing.run(UnitOfWork(session), as_of=clock(), now=clock(), batch_size=2)
    assert report.tenants_examined == 5 and report.seats_charged == 5


def test_no_new_period_is_charged_while_a_termination_waits_for_holds(session, factory, clock):
    from callcenter.services import termination
    from callcenter.services.access import SYSTEM

    tid = _tenant(factory, clock)
    _provision(session, factory, tid, clock)
    ledger.place_hold(session, tid, 1_000_000, reason="call", now=clock())
    outcome = termination.terminate(session, SYSTEM, tid, "tenant_request", now=clock())
    session.commit()
    assert outcome.blocked_by
    before = _balance(session, tid)
    at(clock, 2026, 2, 28)
    report = _run(session, clock)
    assert report.seats_charged == 0 and _balance(session, tid) == before
