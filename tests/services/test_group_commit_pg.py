"""Group commit on PostgreSQL: status callbacks a threaded worker receives together settle
in one transaction, each charged once, the ledger chain intact, duplicates no-ops."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, InboundEvent, Tenant
from callcenter.services import ledger, ledger_audit
from callcenter.services.group_commit import Committer
from callcenter.web.common.context import _batch_scope
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return {**CONFIG, "MAX_CALL_SECONDS": 300}  # holds of 3.00: eight calls fit


class Threaded:
    """A test client whose requests come as a threaded server (gthread) hands them over."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, *args, **kwargs):
        return self.client.post(*args, environ_overrides={"wsgi.multithread": True}, **kwargs)


class CountingCommitter(Committer):
    """A committer that counts the pieces handed to it."""

    handed = 0

    def run(self, work):
        with self._lock:
            self.handed += 1
        return super().run(work)


def _held_until_handed(app, total: int):
    """The app's batch scope, its first batch held until all `total` pieces were handed
    over, so the rest wait together whatever the machine's speed."""
    scope, first = _batch_scope(app), [True]
    holder: dict = {}

    @contextmanager
    def held():
        if first[0]:
            first[0] = False
            deadline, tick = time.monotonic() + 20, threading.Event()
            while holder["committer"].handed < total:
                assert time.monotonic() < deadline, "the callbacks were not handed over"
                tick.wait(0.001)
        with scope() as session:
            yield session

    return held, holder


def test_threaded_status_callbacks_share_a_transaction_and_charge_once(pg_app, clock):
    from tests.factories import Factory

    factory = Factory(pg_app, clock)
    fleet = [seat_with_funds(factory, clock, balance="100.00", rate="0.60") for _ in range(3)]
    plain = pg_app.test_client()
    calls = []  # (tenant id, parent sid, seconds)
    for t, (tid, seat) in enumerate(fleet):
        for i in range(8):
            sid = f"CA{t}{i:03d}"
            assert "<Dial" in place_call(plain, seat, UK, sid).get_data(as_text=True)
            calls.append((tid, sid, 20 + 7 * i))
    assert pg_app.extensions.get("group_commit") is None  # one request at a time: none

    requests = [(sid, seconds) for _tid, sid, seconds in calls] + [calls[5][1:]]  # + a repeat
    scope, holder = _held_until_handed(pg_app, len(requests))
    committer = holder["committer"] = CountingCommitter(scope)
    pg_app.extensions["group_commit"] = committer

    def post(request: tuple[str, int]) -> int:
        client = Threaded(pg_app.test_client())
        return end_call(client, request[0], "completed", request[1]).status_code

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        first = pool.submit(post, requests[0])
        rest = list(pool.map(post, requests[1:]))
    assert [first.result(), *rest] == [204] * len(requests)

    stats = committer.stats
    assert stats.pieces == len(requests) and stats.fallbacks == 0
    assert stats.largest >= 8  # the held batch's followers went together
    with pg_app.app_context():
        session = db.session
        settled = session.execute(sa.select(Call.provider_call_id, Call.status,
                                            Call.charge_micros)).all()
        assert {sid for sid, status, _ in settled if status == "completed"} == {
            sid for _, sid, _ in calls}
        for tid, _seat in fleet:
            tenant = session.get(Tenant, tid)
            charged = session.scalar(sa.select(sa.func.sum(Call.charge_micros))
                                     .where(Call.tenant_id == tid))
            assert tenant.held_micros == 0
            assert tenant.balance_micros == 100_000_000 - charged
            assert ledger.ledger_sum(session, tid) == tenant.balance_micros
        assert ledger_audit.verify(session) == []
        outcomes = dict(session.execute(
            sa.select(InboundEvent.outcome, sa.func.count())
            .where(InboundEvent.type == "call.status").group_by(InboundEvent.outcome)).all())
        assert outcomes == {"applied": len(calls)}  # the repeat took no row
        # every call charged its own rating: 20 + 7i seconds at 0.60/min, 60/60 increments
        per_call = {sid: charge for sid, _status, charge in settled}
        assert all(per_call[sid] == 600_000 * -(-seconds // 60) for _, sid, seconds in calls)
