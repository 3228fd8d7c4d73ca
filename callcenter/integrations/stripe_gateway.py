"""Stripe behind a small interface: the only module that imports `stripe`.

Services receive a gateway object and never see the SDK; tests hand them a fake with
the same four methods. Amounts here are in the currency's minor unit, as Stripe wants.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe


class GatewayError(Exception):
    """Stripe refused the request or could not be reached; the message says why.

    `card_error`: the card itself was refused (declined, authentication required), so
    trying again with it will not help.
    """

    def __init__(self, message: str, *, card_error: bool = False) -> None:
        super().__init__(message)
        self.message, self.card_error = message, card_error


class SignatureError(Exception):
    """A webhook body whose Stripe-Signature does not verify."""


@dataclass(frozen=True)
class Intent:
    """The parts of a PaymentIntent this application uses."""

    id: str
    client_secret: str | None
    amount: int
    amount_received: int | None
    currency: str
    status: str
    metadata: dict[str, str] = field(default_factory=dict)
    last_error: str | None = None
    method: str = "card"  # the payment method type it takes (card, alipay, wechat_pay)


@dataclass(frozen=True)
class SetupIntent:
    """The parts of a SetupIntent (saving a card for later) this application uses."""

    id: str
    client_secret: str | None
    status: str
    customer: str | None
    payment_method: str | None
    metadata: dict[str, str] = field(default_factory=dict)


# Payment method types a top-up may use besides cards, with Stripe's options for them.
METHOD_OPTIONS: dict[str, dict[str, Any]] = {
    "card": {},
    "alipay": {},
    "wechat_pay": {"wechat_pay": {"client": "web"}},  # a QR code on the payments page
}


@dataclass(frozen=True)
class Refund:
    """The parts of a Refund this application uses."""

    id: str
    status: str
    amount: int
    failure_reason: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)


class PaymentGateway(Protocol):
    """What services need from a card processor."""

    def create_intent(self, *, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str, method: str = "card") -> Intent: ...

    def ensure_customer(self, *, name: str, metadata: dict[str, str],
                        idempotency_key: str) -> str: ...

    def create_setup_intent(self, *, customer: str, metadata: dict[str, str],
                            idempotency_key: str) -> SetupIntent: ...

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupIntent: ...

    def card_label(self, payment_method_id: str) -> str: ...

    def charge_saved_card(self, *, customer: str, payment_method: str, amount: int,
                          currency: str, metadata: dict[str, str],
                          idempotency_key: str) -> Intent: ...

    def refund(self, *, intent_id: str, amount: int, idempotency_key: str,
               metadata: dict[str, str]) -> Refund: ...

    def construct_event(self, payload: bytes, signature: str | None) -> dict[str, Any]: ...


def intent_from(data: Mapping[str, Any]) -> Intent:
    """An Intent from a PaymentIntent's JSON (an API answer or an event's object)."""
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"], client_secret=data.get("client_secret"), amount=int(data["amount"]),
        amount_received=(int(data["amount_received"])
                         if data.get("amount_received") is not None else None),
        currency=str(data.get("currency", "")).upper(), status=str(data.get("status", "")),
        metadata=dict(data.get("metadata") or {}),
        last_error=error.get("message") if isinstance(error, Mapping) else None,
        method=next((m for m in (data.get("payment_method_types") or ["card"])
                     if m in METHOD_OPTIONS), "card"),
    )


def setup_intent_from(data: Mapping[str, Any]) -> SetupIntent:
    """A SetupIntent from its JSON."""
    method = data.get("payment_method")
    return SetupIntent(id=data["id"], client_secret=data.get("client_secret"),
                       status=str(data.get("status") or ""), customer=data.get("customer"),
                       payment_method=method.get("id") if isinstance(method, Mapping)
                       else method, metadata=dict(data.get("metadata") or {}))


def refund_from(data: Mapping[str, Any]) -> Refund:
    """A Refund from a Refund's JSON."""
    return Refund(id=data["id"], status=str(data.get("status") or "pending"),
                  amount=int(data.get("amount") or 0),
                  failure_reason=data.get("failure_reason"),
                  metadata=dict(data.get("metadata") or {}))


class StripeGateway:
    """The real thing, through `stripe.StripeClient` (API base configurable)."""

    def __init__(self, secret_key: str, *, webhook_secret: str | None = None,
                 api_base: str | None = None, max_network_retries: int = 2,
                 http_client: Any = None) -> None:
        addresses = {"api": api_base.rstrip("/")} if api_base else None
        # `http_client` is the SDK's HTTP seam (tests answer there for what localstripe
        # lacks, such as Alipay and WeChat Pay).
        self._client = stripe.StripeClient(secret_key, base_addresses=addresses,
                                           max_network_retries=max_network_retries,
                                           http_client=http_client)
        self._webhook_secret = webhook_secret

    @staticmethod
    def _json(obj: Any) -> dict[str, Any]:
        # The SDK's objects are not dicts; their JSON is the stable shape.
        return json.loads(str(obj))

    def create_intent(self, *, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str, method: str = "card") -> Intent:
        """Create a PaymentIntent for one payment method type (card, alipay,
        wechat_pay); the same key returns the same intent."""
        params: dict[str, Any] = {"amount": amount, "currency": currency.lower(),
                                  "metadata": metadata, "payment_method_types": [method]}
        if METHOD_OPTIONS[method]:
            params["payment_method_options"] = METHOD_OPTIONS[method]
        return self._call(lambda: intent_from(self._json(self._client.v1.payment_intents.create(
            params, {"idempotency_key": idempotency_key}))))

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except stripe.StripeError as exc:
            raise _error(exc) from exc

    def ensure_customer(self, *, name: str, metadata: dict[str, str],
                        idempotency_key: str) -> str:
        """A Stripe Customer to save cards on (one per tenant, by the key)."""
        obj = self._call(lambda: self._client.v1.customers.create(
            {"name": name, "metadata": metadata}, {"idempotency_key": idempotency_key}))
        return self._json(obj)["id"]

    def create_setup_intent(self, *, customer: str, metadata: dict[str, str],
                            idempotency_key: str) -> SetupIntent:
        """A SetupIntent that saves a card for off-session charges."""
        obj = self._call(lambda: self._client.v1.setup_intents.create(
            {"customer": customer, "metadata": metadata, "usage": "off_session",
             "payment_method_types": ["card"]}, {"idempotency_key": idempotency_key}))
        return setup_intent_from(self._json(obj))

    def retrieve_setup_intent(self, setup_intent_id: str) -> SetupIntent:
        """Stripe's own word on a SetupIntent (never the browser's)."""
        obj = self._call(lambda: self._client.v1.setup_intents.retrieve(setup_intent_id))
        return setup_intent_from(self._json(obj))

    def card_label(self, payment_method_id: str) -> str:
        """"visa •••• 4242" for a saved card."""
        data = self._json(self._call(
            lambda: self._client.v1.payment_methods.retrieve(payment_method_id)))
        card = data.get("card") or {}
        return f"{card.get('brand', 'card')} •••• {card.get('last4', '????')}"

    def charge_saved_card(self, *, customer: str, payment_method: str, amount: int,
                          currency: str, metadata: dict[str, str],
                          idempotency_key: str) -> Intent:
        """Charge a saved card with the customer away (off-session), confirmed at once."""
        obj = self._call(lambda: self._client.v1.payment_intents.create(
            {"amount": amount, "currency": currency.lower(), "customer": customer,
             "payment_method": payment_method, "confirm": True, "off_session": True,
             "metadata": metadata, "payment_method_types": ["card"]},
            {"idempotency_key": idempotency_key}))
        return intent_from(self._json(obj))


    def refund(self, *, intent_id: str, amount: int, idempotency_key: str,
               metadata: dict[str, str]) -> Refund:
        """Refund part of an intent, once per key.

        Stripe forgets idempotency keys after a day, so a refund made earlier under this
        key is looked up first (its metadata carries the key): a retry weeks later after
        a crash still finds it instead of paying twice.
        """
        try:
            existing = self._client.v1.refunds.list({"payment_intent": intent_id,
                                                     "limit": 100})
            for item in self._json(existing).get("data", []):
                if (item.get("metadata") or {}).get("refund_key") == idempotency_key:
                    return refund_from(item)
            obj = self._client.v1.refunds.create(
                {"payment_intent": intent_id, "amount": amount,
                 "metadata": {**metadata, "refund_key": idempotency_key}},
                {"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise _error(exc) from exc
        return refund_from(self._json(obj))

    def construct_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """Verify Stripe-Signature over the raw body, then return the event's JSON."""
        if not self._webhook_secret:
            raise SignatureError("STRIPE_WEBHOOK_SECRET is not set")
        try:
            self._client.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise SignatureError(str(exc)) from exc
        return json.loads(payload)


def _error(exc: stripe.StripeError) -> GatewayError:
    # A card error (402: declined, authentication_required) will not pass on a retry.
    card = isinstance(exc, stripe.CardError) or getattr(exc, "http_status", None) == 402
    return GatewayError(exc.user_message or str(exc) or type(exc).__name__, card_error=card)


EXTENSION = "stripe_gateway"  # the app's gateway lives in app.extensions[EXTENSION]


def from_config(config: Mapping[str, Any]) -> StripeGateway | None:
    """The gateway for these settings, or None when STRIPE_SECRET_KEY is unset."""
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        return None
    return StripeGateway(key, webhook_secret=config.get("STRIPE_WEBHOOK_SECRET"),
                         api_base=config.get("STRIPE_API_BASE"))
