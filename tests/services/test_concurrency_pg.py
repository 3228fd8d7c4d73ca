"""Concurrency on PostgreSQL: many writers, one tenant, never more spent than held."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from callcenter.domain.errors import InsufficientFunds
from callcenter.extensions import db
from callcenter.models import Hold, LedgerEntry, Tenant
from callcenter.services import ledger


def _run_threads(n: int, work) -> list:
    barrier = threading.Barrier(n)

    def start(i: int):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def _final(app, tenant_id: int) -> tuple[int, int, int, int]:
    with app.app_context():
        t = db.session.get(Tenant, tenant_id)
        count = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))
                                  .where(LedgerEntry.tenant_id == tenant_id))
        return t.balance_micros, t.held_micros, ledger.ledger_sum(db.session, tenant_id), count


def test_32_threads_of_debits_never_overdraw(pg_app, clock):
    from tests.factories import Factory

    tid = Factory(pg_app, clock).tenant(balance="100.00").id
    initial = 100_000_000

    def debits(i: int) -> list[int]:
        rng = random.Random(i)
        done: list[int] = []
        with pg_app.app_context():
            for j in range(50):
                amount = rng.randint(10_000, 200_000)
                try:
                    ledger.post(db.session, tid, kind="call", amount=-amount,
                                key=f"t{i}-{j}", now=clock())
                    db.session.commit()
                    done.append(amount)
                except InsufficientFunds:
                    db.session.rollback()
        return done

    results = _run_threads(32, debits)
    succeeded = [a for thread in results for a in thread]
    balance, held, ledger_total, entries = _final(pg_app, tid)
    assert 0 < len(succeeded) < 32 * 50, "the balance must cover only part of the debits"
    assert balance == initial - sum(succeeded)
    assert balance >= 0 and held == 0
    assert ledger_total == balance
    assert entries == len(succeeded) + 1  # plus the seed top-up


def test_16_threads_with_one_idempotency_key_write_one_entry(pg_app, clock):
    from tests.factories import Factory

    tid = Factory(pg_app, clock).tenant(balance="10.00").id

    def same_key(_: int) -> int:
        with pg_app.app_context():
            posting = ledger.post(db.session, tid, kind="call", amount=-1_000_000,
                                  key="the-same-key", now=clock())
            db.session.commit()
            return posting.entry.id

    ids = _run_threads(16, same_key)
    assert len(set(ids)) == 1
    balance, _, ledger_total, entries = _final(pg_app, tid)
    assert balance == 9_000_000 == ledger_total and entries == 2


def test_concurrent_holds_never_exceed_available(pg_app, clock):
    from tests.factories import Factory

    tid = Factory(pg_app, clock).tenant(balance="5.00").id

    def hold(i: int) -> bool:
        with pg_app.app_context():
            try:
                ledger.place_hold(db.session, tid, 300_000, reason="call", now=clock(),
                                  reference=f"h{i}")
                db.session.commit()
                return True
            except InsufficientFunds:
                db.session.rollback()
                return False

    granted = sum(_run_threads(40, hold))
    balance, held, _, _ = _final(pg_app, tid)
    with pg_app.app_context():
        open_sum = db.session.scalar(sa.select(sa.func.sum(Hold.amount_micros))
                                     .where(Hold.tenant_id == tid, Hold.state == "open"))
    assert granted == 16  # floor(5.00 / 0.30)
    assert held == open_sum == granted * 300_000 <= balance


def test_four_concurrent_billing_runs_charge_each_seat_once(pg_app, clock):
    from datetime import UTC, datetime

    from callcenter.models import SeatCharge
    from callcenter.services import billing, seats
    from callcenter.services.uow import UnitOfWork
    from tests.factories import Factory

    factory = Factory(pg_app, clock)
    clock.now = datetime(2026, 1, 31, 12, tzinfo=UTC)
    tenant_ids = [factory.tenant(timezone="UTC", balance="500.00", seat_price="10.00").id
                  for _ in range(6)]
    with pg_app.app_context():
        for tid in tenant_ids:
            seats.provision(db.session, factory.admin_actor(), db.session.get(Tenant, tid),
                            now=clock(), count=3)
        db.session.commit()
    clock.now = datetime(2026, 2, 28, 1, tzinfo=UTC)

    def run(_: int):
        with pg_app.app_context():
            return billing.run(UnitOfWork(db.session), as_of=clock(), now=clock(),
                               batch_size=2)

    reports = _run_threads(4, run)
    assert sum(r.seats_charged for r in reports) == 18
    assert all(not r.failed for r in reports)
    with pg_app.app_context():
        renewals = db.session.scalar(sa.select(sa.func.count(SeatCharge.id))
                                     .where(SeatCharge.kind == "renewal"))
        assert renewals == 18
        for tid in tenant_ids:
            t = db.session.get(Tenant, tid)
            assert t.balance_micros == 500_000_000 - 2 * 30_000_000
            assert ledger.ledger_sum(db.session, tid) == t.balance_micros
