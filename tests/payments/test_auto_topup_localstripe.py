"""Automatic top-up against localstripe on PostgreSQL: a card saved through a real
SetupIntent, ten concurrent call settlements crossing the threshold once, one off-session
charge, credited once by localstripe's signed webhook; a card localstripe declines turns
the rule off and tells the owner once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, AutoTopup, Job, LedgerEntry, Payment, Tenant
from callcenter.services import seats
from callcenter.worker import run_pass
from tests.factories import PASSWORD
from tests.payments.helpers import CONFIG
from tests.payments.localstripe import wait_until
from tests.telephony import CONFIG as TELEPHONY
from tests.telephony import end_call, place_call

UK = "+442079460000"


@pytest.fixture
def database_url(pg_url: str) -> str:
    return pg_url  # ten settlements at once: real concurrency


@pytest.fixture
def app_config(localstripe: str) -> dict:
    return {**CONFIG, **TELEPHONY, "STRIPE_API_BASE": localstripe, "MAX_CALL_SECONDS": 120,
            "STRIPE_JS_URL": f"{localstripe}/js.stripe.com/v3/"}


def _tenant_with_seats(factory, clock, app, count=10):
    from datetime import UTC, datetime

    clock.now = datetime(2026, 3, 2, 17, tzinfo=UTC)
    t = factory.tenant(timezone="UTC", balance="30.00", rate="0.60", seat_price="0")
    with app.app_context():
        tenant = db.session.get(Tenant, t.id)
        tenant.consent_required = tenant.script_required = False
        identities = [s.identity for s in seats.provision(
            db.session, factory.admin_actor(), tenant, now=clock(), count=count)]
        db.session.commit()
    return t, identities


def _save_card_and_rule(client, stripe_api, owner_email, payment_method):
    client.post("/login", data={"email": owner_email, "password": PASSWORD})
    secret = client.post("/portal/payments/auto-topup/setup").get_json()["client_secret"]
    setup_id = secret.split("_secret_")[0]
    # The card holder's side, as Stripe.js's confirmCardSetup would do it.
    stripe_api.v1.setup_intents.confirm(setup_id, {"payment_method": payment_method})
    client.post("/portal/payments/auto-topup/card",
                data={"setup_intent": setup_id, "consent": "yes"})
    client.post("/portal/payments/auto-topup",
                data={"enabled": "on", "threshold": "20.00", "amount": "50.00",
                      "max_per_day": "3", "max_per_month": "10"})


def _ten_calls_settled_at_once(app, identities):
    client = app.test_client()
    for i, identity in enumerate(identities):
        assert "<Dial" in place_call(client, identity, UK, f"CAT{i}").get_data(as_text=True)
    barrier = threading.Barrier(len(identities))

    def settle(i: int) -> int:
        own = app.test_client()
        barrier.wait()
        return end_call(own, f"CAT{i}", "completed", 120).status_code

    with ThreadPoolExecutor(max_workers=len(identities)) as pool:
        assert set(pool.map(settle, range(len(identities)))) == {204}


def _facts(app, tenant_id):
    with app.app_context():
        db.session.expire_all()
        return {
            "balance": db.session.get(Tenant, tenant_id).balance_micros,
            "jobs": db.session.scalar(sa.select(sa.func.count(Job.id))
                                      .where(Job.kind == "auto_topup.charge")),
            "payments": db.session.execute(sa.select(Payment.intent_id, Payment.status)
                                           .where(Payment.automatic.is_(True))).all(),
            "credits": db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
                LedgerEntry.tenant_id == tenant_id,
                LedgerEntry.idempotency_key.like("stripe:pi:%"))),
            "notices": db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                                         .where(AuditLog.action == "auto_topup.disabled")),
            "enabled": db.session.scalars(sa.select(AutoTopup.enabled)).one(),
        }


def test_one_crossing_with_ten_concurrent_calls_charges_the_saved_card_once(
        client, factory, clock, app, live_url, stripe_api):
    t, identities = _tenant_with_seats(factory, clock, app)
    _save_card_and_rule(client, stripe_api, t.owner_email, "pm_card_visa")
    _ten_calls_settled_at_once(app, identities)  # 30.00 - 10 x 1.20 = 18.00
    assert _facts(app, t.id)["jobs"] == 1
    run_pass(app)
    credited = wait_until(lambda: _facts(app, t.id)["credits"] == 1 and _facts(app, t.id))
    assert credited["balance"] == 68_000_000
    [(intent_id, status)] = credited["payments"]
    assert status == "succeeded" and intent_id.startswith("pi_")
    intents = json.loads(str(stripe_api.v1.payment_intents.list({"limit": 100})))["data"]
    mine = [i for i in intents if i["metadata"].get("tenant_id") == str(t.id)]
    assert [(i["id"], i["amount"], i["status"]) for i in mine] == [(intent_id, 5000,
                                                                     "succeeded")]
    assert run_pass(app) == {"done": 0, "retry": 0, "dead": 0}


def test_a_card_localstripe_declines_turns_the_rule_off_and_tells_the_owner_once(
        client, factory, clock, app, live_url, stripe_api):
    t, identities = _tenant_with_seats(factory, clock, app)
    _save_card_and_rule(client, stripe_api, t.owner_email, "pm_card_chargeCustomerFail")
    _ten_calls_settled_at_once(app, identities)
    assert run_pass(app) == {"done": 1, "retry": 0, "dead": 0}
    # localstripe also sends payment_intent.payment_failed: the rule is already off.
    with app.app_context():
        wait_until(lambda: db.session.scalar(sa.select(sa.func.count()).select_from(
            sa.text("inbound_events")).where(sa.text("type = 'payment_intent.payment_failed'"))))
    facts = _facts(app, t.id)
    assert (facts["enabled"], facts["notices"], facts["credits"]) == (False, 1, 0)
    assert [s for _, s in facts["payments"]] == ["failed"]
    assert "Automatic top-up was turned off" in client.get("/portal/").get_data(as_text=True)
