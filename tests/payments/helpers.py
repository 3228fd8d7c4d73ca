"""Stripe test helpers: signed events, a fake gateway at the Stripe seam, top-ups."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal

from callcenter.integrations.stripe_gateway import (
    GatewayError,
    Intent,
    Refund,
    SetupIntent,
    StripeGateway,
)
from tests.factories import bearer

WEBHOOK_SECRET = "whsec_test_secret"
CONFIG = {"STRIPE_SECRET_KEY": "sk_test_fake", "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
          "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "TOPUP_MIN": "5.00", "TOPUP_MAX": "5000.00"}
_ids = itertools.count(1)


def signature(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `payload`, as Stripe computes it."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def event(kind: str, obj: dict, *, event_id: str | None = None, created: int | None = None
          ) -> dict:
    """A Stripe event around `obj`."""
    return {"id": event_id or f"evt_test{next(_ids)}", "object": "event", "type": kind,
            "created": created if created is not None else int(time.time()),
            "data": {"object": obj}}


def intent_obj(intent_id: str, amount: int, tenant_id: int, *, status: str = "succeeded",
               received: int | None = None, currency: str = "usd", error: str | None = None
               ) -> dict:
    """A PaymentIntent as events carry it (amount in minor units)."""
    return {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": currency,
            "amount_received": received, "status": status,
            "metadata": {"tenant_id": str(tenant_id)},
            "last_payment_error": {"message": error} if error else None}


def post_event(client, evt: dict, *, secret: str = WEBHOOK_SECRET):
    """Deliver an event to the webhook, signed."""
    payload = json.dumps(evt).encode()
    return client.post("/webhooks/stripe", data=payload,
                       headers={"Stripe-Signature": signature(payload, secret),
                                "Content-Type": "application/json"})


@dataclass
class FakeGateway:
    """Stripe at the seam: intents and refunds in memory; real signature checks."""

    intents: dict[str, Intent] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)  # by idempotency key
    refund_calls: list[dict] = field(default_factory=list)
    fail_refunds: int = 0  # the next N refund calls fail
    refund_status: str = "succeeded"
    setups: dict[str, SetupIntent] = field(default_factory=dict)
    charges: list[dict] = field(default_factory=list)  # off-session charges asked for
    decline: str | None = None  # the next off-session charges raise this card error
    unreachable: int = 0  # the next N off-session charges cannot reach Stripe

    def ensure_customer(self, *, name, metadata, idempotency_key) -> str:
        return f"cus_{idempotency_key}"

    def create_setup_intent(self, *, customer, metadata, idempotency_key) -> SetupIntent:
        setup_id = f"seti_fake{next(_ids)}"
        self.setups[setup_id] = SetupIntent(setup_id, f"{setup_id}_secret", "succeeded",
                                            customer, f"pm_fake{next(_ids)}", dict(metadata))
        return self.setups[setup_id]

    def retrieve_setup_intent(self, setup_intent_id) -> SetupIntent:
        return self.setups[setup_intent_id]

    def card_label(self, payment_method_id) -> str:
        return "visa •••• 4242"

    def charge_saved_card(self, *, customer, payment_method, amount, currency, metadata,
                          idempotency_key) -> Intent:
        self.charges.append({"key": idempotency_key, "amount": amount, "metadata": metadata})
        if self.unreachable:
            self.unreachable -= 1
            raise GatewayError("Stripe could not be reached")
        if self.decline:
            raise GatewayError(self.decline, card_error=True)
        for intent in self.intents.values():
            if intent.metadata.get("_key") == idempotency_key:
                return intent
        intent = Intent(id=f"pi_fake{next(_ids)}", client_secret=None, amount=amount,
                        amount_received=None, currency=currency, status="processing",
                        metadata={**metadata, "_key": idempotency_key})
        self.intents[intent.id] = intent
        return intent

    def create_intent(self, *, amount, currency, metadata, idempotency_key,
                      method="card") -> Intent:
        for intent in self.intents.values():
            if intent.metadata.get("_key") == idempotency_key:
                return intent
        intent_id = f"pi_fake{next(_ids)}"
        intent = Intent(id=intent_id, client_secret=f"{intent_id}_secret", amount=amount,
                        amount_received=None, currency=currency, status="requires_payment_method",
                        metadata={**metadata, "_key": idempotency_key}, method=method)
        self.intents[intent_id] = intent
        return intent

    def refund(self, *, intent_id, amount, idempotency_key, metadata) -> Refund:
        self.refund_calls.append({"intent": intent_id, "amount": amount,
                                  "key": idempotency_key})
        if self.fail_refunds:
            self.fail_refunds -= 1
            raise GatewayError("card processor unavailable")
        if idempotency_key not in self.refunds:
            self.refunds[idempotency_key] = Refund(id=f"re_fake{next(_ids)}",
                                                   status=self.refund_status, amount=amount)
        return self.refunds[idempotency_key]

    def construct_event(self, payload: bytes, signature: str | None) -> dict:
        return StripeGateway("sk_test_fake", webhook_secret=WEBHOOK_SECRET).construct_event(
            payload, signature)

    def refunded(self, intent_id: str) -> int:
        """Minor units refunded on an intent (each key once)."""
        keys = {c["key"] for c in self.refund_calls if c["intent"] == intent_id}
        return sum(self.refunds[k].amount for k in keys if k in self.refunds)


def card_topup(client, owner_token: str, tenant_id: int, amount: str, *,
               minor: int | None = None) -> str:
    """Create an intent through the API and deliver its succeeded event; the intent id."""
    resp = client.post(f"/api/v1/tenants/{tenant_id}/payment-intents", json={"amount": amount},
                       headers=bearer(owner_token))
    assert resp.status_code == 201, resp.get_json()
    intent_id = resp.get_json()["id"]
    cents = minor if minor is not None else int(Decimal(amount) * 100)
    resp = post_event(client, event("payment_intent.succeeded",
                                    intent_obj(intent_id, cents, tenant_id, received=cents)))
    assert resp.status_code == 200, resp.get_json()
    return intent_id
