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
