"""Document numbers on PostgreSQL: concurrent payments and credits get 1..N, no gap,
no duplicate; a rolled-back document gives its number back."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import CreditNote, Invoice, Tenant
from callcenter.services import credits, topups


def _run_threads(n: int, work) -> list:
    barrier = threading.Barrier(n)

    def start(i: int):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def _sequence(numbers: list[str]) -> list[int]:
    return sorted(int(n.rsplit("-", 1)[1]) for n in numbers)


def test_concurrent_payments_and_credits_number_without_gaps(pg_app, clock):
    from tests.factories import Factory

    factory = Factory(pg_app, clock)
    tenants = [factory.tenant().id for _ in range(4)]  # no payment yet: no invoice yet
    admin = factory.admin_actor()
    n = 16

    def pay_and_credit(i: int) -> None:
        tid = tenants[i % len(tenants)]
        with pg_app.app_context():
            for j in range(3):
                topups.record_bank_transfer(db.session, admin, db.session.get(Tenant, tid),
                                            1_000_000 + i, f"T{i}-{j}", now=clock())
                db.session.commit()
                credits.grant_credit(db.session, actor=admin, tenant_id=tid,
                                     amount_micros=10_000 + j, reason="outage", now=clock())
                if j == 1:
                    db.session.rollback()  # an abandoned credit gives its number back
                else:
                    db.session.commit()

    _run_threads(n, pay_and_credit)
    with pg_app.app_context():
        invoices = list(db.session.scalars(sa.select(Invoice.number)))
        notes = list(db.session.scalars(sa.select(CreditNote.number)))
        paid = db.session.scalar(sa.select(sa.func.sum(Tenant.balance_micros)))
        invoiced = db.session.scalar(sa.select(sa.func.sum(Invoice.gross_micros)))
        credited = db.session.scalar(sa.select(sa.func.sum(CreditNote.gross_micros)))
    assert _sequence(invoices) == list(range(1, 3 * n + 1))
    assert _sequence(notes) == list(range(1, 2 * n + 1))
    assert invoiced == sum(3 * (1_000_000 + i) for i in range(n))  # invoices = payments
    assert paid == invoiced + credited
