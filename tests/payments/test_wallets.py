"""Alipay and WeChat Pay through Stripe, at the Stripe client's HTTP seam (localstripe has
neither method): the intent asks for the wallet, the page offers it for the configured
currencies (CNY tenants first), and the same signed webhook credits it exactly once."""

from __future__ import annotations

import json
import urllib.parse

import pytest
import sqlalchemy as sa
import stripe

from callcenter.extensions import db
from callcenter.integrations.stripe_gateway import StripeGateway
from callcenter.models import LedgerEntry, Payment, Tenant
from tests.factories import PASSWORD, bearer
from tests.payments.helpers import WEBHOOK_SECRET, event, post_event


class StripeSeam(stripe.HTTPClient):
    """Answers the Stripe SDK's HTTP requests as Stripe would, and keeps them."""

    name = "seam"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        params = {k: v[0] for k, v in urllib.parse.parse_qs(
            post_data.decode() if isinstance(post_data, bytes) else post_data or "").items()}
        self.requests.append({"method": method, "url": url, "params": params,
                              "idempotency_key": (headers or {}).get("Idempotency-Key")})
        method_type = params["payment_method_types[0]"]
        intent_id = f"pi_{method_type}{len(self.requests)}"
        next_action = ({"type": "alipay_handle_redirect",
                        "alipay_handle_redirect": {"url": "https://stripe.test/alipay"}}
                       if method_type == "alipay" else
                       {"type": "wechat_pay_display_qr_code",
                        "wechat_pay_display_qr_code": {"data": "weixin://wxpay/x"}})
        body = {"id": intent_id, "object": "payment_intent", "amount": int(params["amount"]),
                "currency": params["currency"], "status": "requires_action",
                "client_secret": f"{intent_id}_secret_x", "amount_received": 0,
                "payment_method_types": [method_type], "next_action": next_action,
                "metadata": {k[9:-1]: v for k, v in params.items()
                             if k.startswith("metadata[")}}
        return json.dumps(body), 200, {"request-id": "req_seam"}

    def close(self):
        pass


@pytest.fixture
def seam(app) -> StripeSeam:
    seam = StripeSeam()
    app.extensions["stripe_gateway"] = StripeGateway(
        "sk_test_fake", webhook_secret=WEBHOOK_SECRET, http_client=seam, max_network_retries=0)
    return seam


def _succeeded(intent: dict, tenant_id: int, event_id: str) -> dict:
    obj = {**intent, "status": "succeeded", "amount_received": intent["amount"],
           "metadata": {"tenant_id": str(tenant_id)}}
    return event("payment_intent.succeeded", obj, event_id=event_id)


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_wallet_payment_is_credited_once_by_the_webhook(client, factory, app, seam, method):
    t = factory.tenant(currency="CNY", timezone="Asia/Shanghai")
    owner = bearer(factory.token(t.owner_email))
    resp = client.post(f"/api/v1/tenants/{t.id}/payment-intents",
                       json={"amount": "100.00", "method": method}, headers=owner)
    assert resp.status_code == 201, resp.get_json()
    intent = resp.get_json()
    [sent] = seam.requests
    assert sent["params"]["payment_method_types[0]"] == method
    assert (sent["params"]["currency"], sent["params"]["amount"]) == ("cny", "10000")
    if method == "wechat_pay":
        assert sent["params"]["payment_method_options[wechat_pay][client]"] == "web"
    assert intent["payment"]["method"] == method and intent["client_secret"]
    obj = {"id": intent["id"], "object": "payment_intent", "amount": 10000, "currency": "cny",
           "payment_method_types": [method]}
    first = post_event(client, _succeeded(obj, t.id, f"evt_{method}_1"))
    assert first.get_json()["outcome"] == "credited"
    assert post_event(client, _succeeded(obj, t.id, f"evt_{method}_1")).get_json()[
        "outcome"] == "duplicate"
    assert post_event(client, _succeeded(obj, t.id, f"evt_{method}_2")).get_json()[
        "outcome"] == "already_credited"
    with app.app_context():
        tenant = db.session.get(Tenant, t.id)
        entries = db.session.scalars(sa.select(LedgerEntry).where(
            LedgerEntry.tenant_id == t.id)).all()
        payment = db.session.scalars(sa.select(Payment)).one()
        assert (tenant.status, tenant.balance_micros) == ("active", 100_000_000)
        assert [(e.idempotency_key, e.memo) for e in entries] == [
            (f"stripe:pi:{intent['id']}",
             "Alipay payment" if method == "alipay" else "WeChat Pay payment")]
        assert (payment.method, payment.status) == (method, "succeeded")


def test_wallets_are_offered_only_in_their_currencies_cny_first(client, factory, app, seam):
    app.config.update(ALIPAY_CURRENCIES="CNY,HKD", WECHAT_PAY_CURRENCIES="CNY")
    usd, cny = factory.tenant(currency="USD"), factory.tenant(currency="CNY")
    refused = client.post(f"/api/v1/tenants/{usd.id}/payment-intents",
                          json={"amount": "100.00", "method": "alipay"},
                          headers=bearer(factory.token(usd.owner_email)))
    assert refused.status_code == 400 and refused.get_json()["error"]["details"][
        "offered"] == ["card"]
    assert seam.requests == []
    client.post("/login", data={"email": cny.owner_email, "password": PASSWORD})
    page = client.get("/portal/payments").get_data(as_text=True)
    order = [page.index(f'value="{m}"') for m in ("alipay", "wechat_pay", "card")]
    assert order == sorted(order)  # Alipay, WeChat Pay, then cards
    client.post("/logout")
    client.post("/login", data={"email": usd.owner_email, "password": PASSWORD})
    assert 'value="alipay"' not in client.get("/portal/payments").get_data(as_text=True)
