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
    """Stripe refused the request or could not be reached; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
    )


def refund_from(data: Mapping[str, Any]) -> Refund:
    """A Refund from a Refund's JSON."""
    return Refund(id=data["id"], status=str(data.get("status") or "pending"),
                  amount=int(data.get("amount") or 0),
                  failure_reason=data.get("failure_reason"),
                  metadata=dict(data.get("metadata") or {}))


class StripeGateway:
    """The real thing, through `stripe.StripeClient` (API base configurable)."""

    def __init__(self, secret_key: str, *, webhook_secret: str | None = None,
                 api_base: str | None = None, max_network_retries: int = 2) -> None:
        addresses = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(secret_key, base_addresses=addresses,
                                           max_network_retries=max_network_retries)
        self._webhook_secret = webhook_secret

    @staticmethod
    def _json(obj: Any) -> dict[str, Any]:
        # The SDK's objects are not dicts; their JSON is the stable shape.
        return json.loads(str(obj))

    def create_intent(self, *, amount: int, currency: str, metadata: dict[str, str],
                      idempotency_key: str) -> Intent:
        """Create a card PaymentIntent; the same key returns the same intent."""
        try:
            obj = self._client.v1.payment_intents.create(
                {"amount": amount, "currency": currency.lower(), "metadata": metadata,
                 "payment_method_types": ["card"]},
                {"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise _error(exc) from exc
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
    return GatewayError(exc.user_message or str(exc) or type(exc).__name__)


EXTENSION = "stripe_gateway"  # the app's gateway lives in app.extensions[EXTENSION]


def from_config(config: Mapping[str, Any]) -> StripeGateway | None:
    """The gateway for these settings, or None when STRIPE_SECRET_KEY is unset."""
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        return None
    return StripeGateway(key, webhook_secret=config.get("STRIPE_WEBHOOK_SECRET"),
                         api_base=config.get("STRIPE_API_BASE"))
