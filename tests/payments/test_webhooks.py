"""Card top-ups: intents through the API, Stripe events applied exactly once."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import InboundEvent, LedgerEntry, Payment, Tenant
from tests.factories import bearer
from tests.payments.helpers import event, intent_obj, post_event, signature


def _intent(client, factory, amount="50.00", tenant=None):
    tenant = tenant or factory.tenant()
    token = factory.token(tenant.owner_email)
    resp = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents", json={"amount": amount},
                       headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    return tenant, token, resp.get_json()


def _state(app, tenant_id):
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        entries = db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))
                                    .where(LedgerEntry.tenant_id == tenant_id))
        return tenant.status, tenant.balance_micros, entries


def test_intent_is_recorded_and_returns_the_client_secret(client, factory, stripe_fake, app):
    tenant, _, body = _intent(client, factory, "50.00")
    assert body["id"].startswith("pi_fake") and body["client_secret"].endswith("_secret")
    assert body["payment"]["status"] == "pending" and body["payment"]["amount"] == "50.00"
    intent = stripe_fake.intents[body["id"]]
    assert intent.amount == 5000 and intent.currency == "USD"
    assert intent.metadata["tenant_id"] == str(tenant.id)
    with app.app_context():
        assert db.session.scalar(sa.select(Payment.intent_id)) == body["id"]


def test_same_idempotency_key_gives_the_same_intent_once(client, factory, stripe_fake, app):
    tenant = factory.tenant()
    headers = {**bearer(factory.token(tenant.owner_email)), "Idempotency-Key": "topup-1"}
    url = f"/api/v1/tenants/{tenant.id}/payment-intents"
    first = client.post(url, json={"amount": "20.00"}, headers=headers).get_json()
    again = client.post(url, json={"amount": "20.00"}, headers=headers).get_json()
    assert first["id"] == again["id"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1


@pytest.mark.parametrize("amount", ["4.99", "5000.01", "10.005", "ten"])
def test_amount_outside_limits_or_cents_is_400(client, factory, stripe_fake, amount):
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents", json={"amount": amount},
                       headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_input"


def test_only_the_owner_creates_intents(client, factory, stripe_fake):
    tenant, other = factory.tenant(), factory.tenant()
    url = f"/api/v1/tenants/{tenant.id}/payment-intents"
    agent = factory.token(factory.user(tenant.id, "agent"))
    assert client.post(url, json={"amount": "10.00"}, headers=bearer(agent)).status_code == 403
    stranger = bearer(factory.token(other.owner_email))
    assert client.post(url, json={"amount": "10.00"}, headers=stranger).status_code == 404


def test_succeeded_event_credits_once_and_opens_the_account(client, factory, stripe_fake, app):
    tenant, token, body = _intent(client, factory, "50.00")
    assert _state(app, tenant.id)[0] == "pending"
    evt = event("payment_intent.succeeded", intent_obj(body["id"], 5000, tenant.id,
                                                       received=5000))
    resp = post_event(client, evt)
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "credited"
    assert _state(app, tenant.id) == ("active", 50_000_000, 1)
    # The same event again, then another event about the same intent: no second credit.
    assert post_event(client, evt).get_json()["outcome"] == "duplicate"
    other = event("payment_intent.succeeded", intent_obj(body["id"], 5000, tenant.id,
                                                         received=5000))
    assert post_event(client, other).get_json()["outcome"] == "already_credited"
    assert _state(app, tenant.id) == ("active", 50_000_000, 1)
    payments = client.get(f"/api/v1/tenants/{tenant.id}/payments",
                          headers=bearer(token)).get_json()["items"]
    assert payments[0]["status"] == "succeeded" and payments[0]["received"] == "50.00"


def test_amount_is_used_when_amount_received_is_missing(client, factory, stripe_fake, app):
    tenant, _, body = _intent(client, factory, "25.00")
    post_event(client, event("payment_intent.succeeded",
                             intent_obj(body["id"], 2500, tenant.id, received=None)))
    assert _state(app, tenant.id)[1] == 25_000_000


def test_forged_signature_is_refused_and_changes_nothing(client, factory, stripe_fake, app):
    tenant, _, body = _intent(client, factory)
    evt = event("payment_intent.succeeded", intent_obj(body["id"], 5000, tenant.id))
    assert post_event(client, evt, secret="whsec_forged").status_code == 403
    payload = json.dumps(evt).encode()
    tampered = payload.replace(b"5000", b"9000")
    resp = client.post("/webhooks/stripe", data=tampered,
                       headers={"Stripe-Signature": signature(payload)})
    assert resp.status_code == 403
    assert client.post("/webhooks/stripe", data=payload).status_code == 403
    assert _state(app, tenant.id) == ("pending", 0, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboundEvent.id))) == 0


def test_failed_payment_is_shown_and_a_late_failure_does_not_undo_success(
        client, factory, stripe_fake, app):
    tenant, token, body = _intent(client, factory)
    failed = event("payment_intent.payment_failed",
                   intent_obj(body["id"], 5000, tenant.id, status="requires_payment_method",
                              error="Your card was declined."), created=100)
    post_event(client, failed)
    items = client.get(f"/api/v1/tenants/{tenant.id}/payments",
                       headers=bearer(token)).get_json()["items"]
    assert items[0]["status"] == "failed"
    assert items[0]["failure_message"] == "Your card was declined."
    post_event(client, event("payment_intent.succeeded",
                             intent_obj(body["id"], 5000, tenant.id, received=5000)))
    # An older failure delivered out of order after the success: the success stands.
    post_event(client, event("payment_intent.payment_failed",
                             intent_obj(body["id"], 5000, tenant.id, status="canceled")))
    assert _state(app, tenant.id) == ("active", 50_000_000, 1)
    with app.app_context():
        payment = db.session.scalars(sa.select(Payment)).one()
        assert payment.status == "succeeded" and payment.failure_message is None


def test_an_intent_the_app_never_created_credits_nobody(client, factory, stripe_fake, app):
    # Signed by Stripe, naming a tenant in its metadata, but not one of our intents.
    tenant = factory.tenant()
    resp = post_event(client, event("payment_intent.succeeded",
                                    intent_obj("pi_orphan", 500000, tenant.id,
                                               received=500000)))
    assert resp.status_code == 200 and resp.get_json()["outcome"] == "unknown_intent"
    assert _state(app, tenant.id) == ("pending", 0, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
        assert db.session.scalar(sa.select(InboundEvent.outcome)) == "unknown_intent"


def test_a_provider_failure_is_logged_not_shown(client, factory, stripe_fake, caplog):
    from callcenter.integrations.stripe_gateway import GatewayError

    def refuse(**_):
        raise GatewayError("connection to 10.1.2.3:443 refused (api.stripe.internal)")

    stripe_fake.create_intent = refuse
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents",
                       json={"amount": "50.00"}, headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 502
    assert "10.1.2.3" not in resp.get_data(as_text=True)
    assert "10.1.2.3" in caplog.text


def test_arrears_are_paid_first_by_a_card_payment(client, factory, stripe_fake, app, clock):
    from callcenter.models import Arrear

    tenant = factory.tenant(balance="10.00")
    with app.app_context():
        db.session.add(Arrear(tenant_id=tenant.id, kind="seat_rental", key="rent:x",
                              due_on=clock().date(), amount_micros=20_000_000,
                              created_at=clock()))
        db.session.commit()
    card_id = _intent(client, factory, "30.00", tenant=tenant)[2]["id"]
    post_event(client, event("payment_intent.succeeded",
                             intent_obj(card_id, 3000, tenant.id, received=3000)))
    assert _state(app, tenant.id)[1] == 20_000_000


def test_without_stripe_settings_card_payments_answer_503(client, factory, app):
    app.extensions["stripe_gateway"] = None
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents", json={"amount": "10.00"},
                       headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 503
    evt = event("payment_intent.succeeded", intent_obj("pi_x", 1000, tenant.id))
    assert post_event(client, evt).status_code == 503
    assert _state(app, tenant.id) == ("pending", 0, 0)


def test_closed_account_takes_no_new_intent(client, factory, stripe_fake, app):
    tenant = factory.tenant()
    with app.app_context():
        db.session.get(Tenant, tenant.id).status = "terminated"
        db.session.commit()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents", json={"amount": "10.00"},
                       headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 409


def test_an_event_is_kept_once_with_its_tenant_and_without_the_client_secret(
        client, factory, stripe_fake, app):
    tenant, _, body = _intent(client, factory, "50.00")
    obj = {**intent_obj(body["id"], 5000, tenant.id, received=5000),
           "client_secret": body["client_secret"]}
    evt = event("payment_intent.succeeded", obj, created=1_700_000_000)
    assert post_event(client, evt).get_json()["outcome"] == "credited"
    assert post_event(client, evt).get_json()["outcome"] == "duplicate"
    with app.app_context():
        row = db.session.scalars(sa.select(InboundEvent)).one()
        assert (row.provider, row.event_id, row.type, row.outcome, row.tenant_id,
                row.object_id, row.provider_created) == (
            "stripe", evt["id"], "payment_intent.succeeded", "credited", tenant.id,
            body["id"], 1_700_000_000)
        assert row.payload["data"]["object"]["amount"] == 5000
        assert "client_secret" not in row.payload["data"]["object"]


def test_an_event_without_an_id_is_400_and_changes_nothing(client, factory, stripe_fake, app):
    tenant, _, body = _intent(client, factory)
    evt = event("payment_intent.succeeded", intent_obj(body["id"], 5000, tenant.id))
    del evt["id"]
    resp = post_event(client, evt)
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_input"
    assert _state(app, tenant.id) == ("pending", 0, 0)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboundEvent.id))) == 0
