"""End to end against localstripe (a local Stripe stand-in started as a subprocess).

The app runs in a real WSGI server on 127.0.0.1 so localstripe can deliver its signed
webhooks to it. Runs once, on SQLite: the exactly-once logic has its own tests on both
databases (test_webhooks.py); this one proves the wiring with Stripe's real wire format.
"""

from __future__ import annotations

import json
import time
import urllib.request

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import LedgerEntry, Payment, Tenant
from callcenter.services import ledger
from tests.factories import bearer
from tests.payments.helpers import CONFIG, WEBHOOK_SECRET, signature


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.fixture
def app_config(localstripe: str) -> dict:
    return {**CONFIG, "STRIPE_API_BASE": localstripe,
            "STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/"}



def _pay(client, api, owner: str, tenant_id: int, amount: str) -> str:
    resp = client.post(f"/api/v1/tenants/{tenant_id}/payment-intents", json={"amount": amount},
                       headers=bearer(owner))
    assert resp.status_code == 201, resp.get_json()
    intent_id = resp.get_json()["id"]
    api.v1.payment_intents.update(intent_id, {"payment_method": "pm_card_visa"})
    assert api.v1.payment_intents.confirm(intent_id).status == "succeeded"
    return intent_id


def _wait_credited(app, intent_id: str, timeout: float = 20.0) -> None:
    """localstripe delivers its webhook about a second after the payment."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            if db.session.scalar(sa.select(Payment.ledger_entry_id)
                                 .where(Payment.intent_id == intent_id)):
                return
        time.sleep(0.1)  # waiting for another process's delivery, not for app time
    raise AssertionError(f"no credit for {intent_id}")


def _tenant(app, tenant_id: int) -> tuple[str, int, int]:
    with app.app_context():
        t = db.session.get(Tenant, tenant_id)
        count = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))
                                  .where(LedgerEntry.tenant_id == tenant_id))
        return t.status, t.balance_micros, count


def _deliver(client, payload: bytes, secret: str = WEBHOOK_SECRET):
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": signature(payload, secret)})


def test_card_topups_webhooks_and_termination_at_localstripe(client, factory, app, clock,
                                                             live_url, stripe_api):
    t = factory.tenant(timezone="UTC")
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    first = _pay(client, stripe_api, owner, t.id, "50.00")
    _wait_credited(app, first)
    assert _tenant(app, t.id) == ("active", 50_000_000, 1)  # the pending account opened

    # The event as localstripe sent it: replayed, sent again under a new id, forged.
    events = json.loads(str(stripe_api.v1.events.list({"type": "payment_intent.succeeded"})))
    [sent] = [e for e in events["data"] if e["data"]["object"]["id"] == first]
    payload = json.dumps(sent).encode()
    assert _deliver(client, payload).get_json()["outcome"] == "duplicate"
    second_event = json.dumps({**sent, "id": sent["id"] + "_again"}).encode()
    assert _deliver(client, second_event).get_json()["outcome"] == "already_credited"
    forged = json.dumps({**sent, "id": "evt_forged"}).encode()
    assert _deliver(client, forged, secret="whsec_wrong").status_code == 403
    assert _tenant(app, t.id) == ("active", 50_000_000, 1)

    clock.advance(hours=1)
    second = _pay(client, stripe_api, owner, t.id, "30.00")
    _wait_credited(app, second)
    resp = client.post(f"/api/v1/tenants/{t.id}/topups", headers=admin,
                       json={"amount": "100.00", "method": "bank_transfer", "reference": "B-1"})
    assert resp.status_code == 201
    with app.app_context():  # some usage: a call of 12.345678
        hold = ledger.place_hold(db.session, t.id, 20_000_000, reason="call", now=clock())
        ledger.settle_hold(db.session, hold.id, 12_345_678, kind="call", now=clock())
        db.session.commit()

    resp = client.post(f"/api/v1/tenants/{t.id}/termination", json={"reason": "tenant_request"},
                       headers=admin)
    assert resp.status_code == 201, resp.get_json()
    lines = resp.get_json()["lines"]
    cards = [(x["payment_intent"], x["amount"], x["status"]) for x in lines
             if x["kind"] == "card_refund"]
    assert cards == [(second, "30.00", "succeeded"), (first, "50.00", "succeeded")]
    assert [(x["kind"], x["amount"]) for x in lines if x["kind"] in ("bank_refund", "write_off")
            ] == [("bank_refund", "87.65"), ("write_off", "0.004322")]
    for intent_id, cents in ((second, 3000), (first, 5000)):
        refunds = json.loads(str(stripe_api.v1.refunds.list({"payment_intent": intent_id})))
        assert [r["amount"] for r in refunds["data"]] == [cents]
    assert _tenant(app, t.id)[:2] == ("terminated", 0)
    with app.app_context():
        assert ledger.ledger_sum(db.session, t.id) == 0


def test_top_up_page_loads_stripe_js_from_the_configured_url(client, factory, app, localstripe):
    from tests.factories import PASSWORD

    t = factory.tenant()
    client.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    page = client.get("/portal/payments")
    assert page.status_code == 200
    assert f'src="{localstripe}/js.stripe.com/v3/"'.encode() in page.data
    assert b'data-key="pk_test_fake"' in page.data
    js = urllib.request.urlopen(f"{localstripe}/js.stripe.com/v3/", timeout=10)  # noqa: S310
    assert b"confirmCardPayment" in js.read()
