"""Concurrent deliveries on PostgreSQL: one card payment is credited exactly once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import InboundEvent, LedgerEntry, Tenant
from tests.factories import Factory, bearer
from tests.payments.helpers import FakeGateway, event, intent_obj, post_event


def test_concurrent_duplicate_and_sibling_events_credit_once(pg_app, clock):
    pg_app.extensions["stripe_gateway"] = FakeGateway()
    factory = Factory(pg_app, clock)
    tenant = factory.tenant()
    resp = pg_app.test_client().post(
        f"/api/v1/tenants/{tenant.id}/payment-intents", json={"amount": "40.00"},
        headers=bearer(factory.token(tenant.owner_email)))
    intent_id = resp.get_json()["id"]
    obj = intent_obj(intent_id, 4000, tenant.id, received=4000)
    same = event("payment_intent.succeeded", obj)
    # Half the threads redeliver one event; the others bring other events, same intent.
    events = [same if i % 2 else event("payment_intent.succeeded", obj) for i in range(16)]
    barrier = threading.Barrier(len(events))

    def deliver(evt):
        client = pg_app.test_client()
        barrier.wait()
        return post_event(client, evt).status_code

    with ThreadPoolExecutor(max_workers=len(events)) as pool:
        statuses = list(pool.map(deliver, events))
    assert statuses == [200] * len(events)
    with pg_app.app_context():
        t = db.session.get(Tenant, tenant.id)
        assert (t.status, t.balance_micros) == ("active", 40_000_000)
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(InboundEvent.id))
                                 .where(InboundEvent.provider == "stripe")) == 9
