"""The tenant's payment pages: history, termination request, settlement, export."""

from __future__ import annotations

import io
import zipfile

from tests.factories import PASSWORD, bearer
from tests.payments.helpers import card_topup, event, intent_obj, post_event


def _login(client, email):
    resp = client.post("/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302


def test_owner_sees_payments_requests_termination_and_gets_the_settlement(
        client, factory, app, stripe_fake):
    t = factory.tenant(balance="10.00")
    owner = factory.token(t.owner_email)
    card_topup(client, owner, t.id, "20.00")
    declined = client.post(f"/api/v1/tenants/{t.id}/payment-intents", json={"amount": "9.00"},
                           headers=bearer(owner)).get_json()["id"]
    post_event(client, event("payment_intent.payment_failed",
                             intent_obj(declined, 900, t.id, status="requires_payment_method",
                                        error="Your card was declined.")))
    _login(client, t.owner_email)
    page = client.get("/portal/payments")
    assert page.status_code == 200
    assert b"Your card was declined." in page.data and b"topup-form" in page.data
    resp = client.post("/portal/termination-request", data={"note": "moving on"})
    assert resp.status_code == 302
    assert b"You asked to end the service" in client.get("/portal/payments").data
    assert client.get("/portal/settlement").status_code == 404
    resp = client.post(f"/api/v1/tenants/{t.id}/termination", json={"reason": "tenant_request"},
                       headers=bearer(factory.admin_token()))
    assert resp.status_code == 201
    page = client.get("/portal/settlement")
    assert page.status_code == 200 and b"card refund" in page.data and b"20.00" in page.data
    assert client.get("/portal/settlement.pdf").data.startswith(b"%PDF")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/portal/export").data))
    assert "manifest.json" in archive.namelist()


def test_intent_from_the_page_and_agents_have_no_payment_page(client, factory, stripe_fake):
    t = factory.tenant()
    _login(client, t.owner_email)
    resp = client.post("/portal/payments/intents", json={"amount": "25.00", "request_key": "k1"})
    assert resp.status_code == 201 and resp.get_json()["client_secret"]
    again = client.post("/portal/payments/intents", json={"amount": "25.00", "request_key": "k1"})
    assert again.get_json()["id"] == resp.get_json()["id"]
    assert client.post("/portal/payments/intents", json={"amount": "1.00"}).status_code == 400
    client.post("/logout")
    _login(client, factory.user(t.id, "agent"))
    assert client.get("/portal/payments").status_code == 404
