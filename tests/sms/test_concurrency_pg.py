"""On PostgreSQL, batches racing for the same balance: never more held than there is."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from callcenter.extensions import db
from callcenter.models import Tenant
from callcenter.services import topups
from callcenter.services.access import SYSTEM
from tests.factories import Factory
from tests.sms_support import UK, money, run_jobs, send, sms_tenant


def test_concurrent_batches_that_together_exceed_the_balance_never_both_go_out_in_full(
        pg_app, clock, twilio):
    tid, owner = sms_tenant(Factory(pg_app, clock), clock, balance="2.00", price="0.30")
    barrier = threading.Barrier(8)

    def batch(i: int) -> int:
        client = pg_app.test_client()
        barrier.wait()
        return send(client, tid, owner, UK[2 * i:2 * i + 2]).status_code  # 0.60 each

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(batch, range(8)))
    assert sorted(statuses) == [201] * 3 + [402] * 5  # 3 x 0.60 fit in 2.00, a 4th does not
    assert money(pg_app, tid) == (2_000_000, 1_800_000)
    run_jobs(pg_app, clock)
    assert len(twilio.messages) == 6
    assert money(pg_app, tid) == (200_000, 0)


def test_two_concurrent_batches_for_more_than_the_balance_one_is_refused_whole(
        pg_app, clock, twilio):
    tid, owner = sms_tenant(Factory(pg_app, clock), clock, balance="1.00", price="0.30")
    for round_ in range(5):
        barrier = threading.Barrier(2)

        def batch(i: int, round_: int = round_, barrier=barrier) -> int:
            client = pg_app.test_client()
            barrier.wait()
            numbers = UK[10 * round_ + 3 * i:10 * round_ + 3 * i + 3]  # 0.90 each
            return send(client, tid, owner, numbers).status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            assert sorted(pool.map(batch, range(2))) == [201, 402]
        balance, held = money(pg_app, tid)
        assert held == 900_000 <= balance
        run_jobs(pg_app, clock)
        assert money(pg_app, tid) == (100_000, 0)
        with pg_app.app_context():  # back to 1.00 for the next round
            topups.record_bank_transfer(db.session, SYSTEM, db.session.get(Tenant, tid),
                                        900_000, f"round-{round_}", now=clock())
            db.session.commit()
    assert len(twilio.messages) == 15
