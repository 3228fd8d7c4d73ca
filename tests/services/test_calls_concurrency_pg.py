"""50 concurrent voice webhooks for one tenant on PostgreSQL: never more held than owned."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Hold, Tenant
from callcenter.services import ledger
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds


@pytest.fixture
def app_config():
    return {**CONFIG, "MAX_CALL_SECONDS": 300}


def test_50_concurrent_voice_webhooks_never_overspend(pg_app, clock):
    from tests.factories import Factory

    tid, seat = seat_with_funds(Factory(pg_app, clock), clock, balance="20.00", rate="0.60")
    barrier = threading.Barrier(50)

    def call(i: int) -> str:
        client = pg_app.test_client()
        barrier.wait()
        return place_call(client, seat, "+442079460000", f"CA{i:04d}").get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(call, range(50)))
    dialed = sum("<Dial" in a for a in answers)
    with pg_app.app_context():
        t = db.session.get(Tenant, tid)
        holds = db.session.scalar(sa.select(sa.func.sum(Hold.amount_micros))
                                  .where(Hold.state == "open")) or 0
        assert 0 < dialed < 50
        assert holds == t.held_micros <= t.balance_micros == 20_000_000
        authorized = db.session.scalars(sa.select(Call).where(Call.status == "authorized")).all()
        assert len(authorized) == dialed
        limits = {c.provider_call_id: c.max_duration_seconds for c in authorized}
    client = pg_app.test_client()
    for sid, limit in limits.items():  # every call runs to its full limit
        assert end_call(client, sid, "completed", limit).status_code == 204
    with pg_app.app_context():
        t = db.session.get(Tenant, tid)
        charged = db.session.scalar(sa.select(sa.func.sum(Call.charge_micros)))
        assert t.held_micros == 0 and t.balance_micros >= 0
        assert t.balance_micros == 20_000_000 - charged
        assert ledger.ledger_sum(db.session, tid) == t.balance_micros


def test_concurrent_settlements_of_one_tenant_keep_the_ledger_chain(pg_app, clock):
    """Entries of one tenant settled at the same time: ids follow the balance changes, so
    each entry's balance_after is the one before it plus its amount (ledger verify)."""
    from callcenter.services import ledger_audit
    from tests.factories import Factory

    tid, seat = seat_with_funds(Factory(pg_app, clock), clock, balance="500.00", rate="0.60")
    client = pg_app.test_client()
    sids = [f"CA{i:04d}" for i in range(40)]
    for sid in sids:
        assert "<Dial" in place_call(client, seat, "+442079460000", sid).get_data(as_text=True)
    barrier = threading.Barrier(20)

    def settle(i: int) -> list[int]:
        own = pg_app.test_client()
        barrier.wait()
        return [end_call(own, sid, "completed", 30 + n).status_code
                for n, sid in enumerate(sids[i::20])]

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = [code for part in pool.map(settle, range(20)) for code in part]
    assert codes == [204] * 40
    with pg_app.app_context():
        assert ledger_audit.verify(db.session) == []
        t = db.session.get(Tenant, tid)
        assert t.held_micros == 0 and ledger.ledger_sum(db.session, tid) == t.balance_micros


def test_concurrent_settlements_crossing_the_thresholds_alert_once_and_top_up_once(
        pg_app, clock):
    """Settlements on the lean path keep the debit hooks: 20 calls of one tenant settled
    from 10 threads cross the low-balance threshold and the automatic top-up trigger; one
    alert, one charge job, and the ledger stays verifiable."""
    from callcenter.models import Alert, AutoTopup, Job
    from callcenter.services import auto_topup, ledger_audit
    from callcenter.services.snapshot import HINTS
    from tests.factories import Factory

    tid, seat = seat_with_funds(Factory(pg_app, clock), clock, balance="100.00", rate="0.60")
    with pg_app.app_context():
        db.session.get(Tenant, tid).low_balance_threshold_micros = 95_000_000
        db.session.add(AutoTopup(tenant_id=tid, enabled=True, threshold_micros=92_000_000,
                                 amount_micros=50_000_000, max_per_day=5, max_per_month=10,
                                 armed=True, crossings=0, created_at=clock(),
                                 updated_at=clock(), payment_method_id="pm_x",
                                 customer_id="cus_x", consent_at=clock()))
        db.session.commit()
    HINTS.clear()
    client = pg_app.test_client()
    sids = [f"CAX{i:03d}" for i in range(20)]
    for sid in sids:
        assert "<Dial" in place_call(client, seat, "+442079460000", sid).get_data(as_text=True)
    barrier = threading.Barrier(10)

    def settle(i: int) -> list[int]:
        own = pg_app.test_client()
        barrier.wait()
        return [end_call(own, sid, "completed", 60).status_code for sid in sids[i::10]]

    with ThreadPoolExecutor(max_workers=10) as pool:
        codes = [code for part in pool.map(settle, range(10)) for code in part]
    assert codes == [204] * 20
    with pg_app.app_context():
        t = db.session.get(Tenant, tid)
        assert t.balance_micros == 100_000_000 - 20 * 600_000 and t.held_micros == 0
        [alert] = db.session.scalars(sa.select(Alert).where(Alert.tenant_id == tid)).all()
        assert alert.balance_micros < 95_000_000 and t.low_balance_armed is False
        jobs = db.session.scalars(sa.select(Job).where(Job.kind == auto_topup.CHARGE)).all()
        rule = db.session.scalars(sa.select(AutoTopup)).one()
        assert len(jobs) == 1 and (rule.crossings, rule.armed) == (1, False)
        assert ledger_audit.verify(db.session) == []
        assert ledger.ledger_sum(db.session, tid) == t.balance_micros
