"""Stripe webhook events as plain objects: what happened, and to which object.

The signature is checked by the gateway (`construct_event`); this reads the verified
JSON. The object of the kinds this application acts on (PaymentIntent, Charge, Refund)
is parsed; any other is left as None and the event is only recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callcenter.domain.errors import InvalidInput
from callcenter.integrations.stripe_gateway import Intent, Refund, intent_from, refund_from

SECRET_KEYS = frozenset({"client_secret"})  # never stored: it confirms the payment


@dataclass(frozen=True)
class Charge:
    """The parts of a Charge that refund events need."""

    id: str
    payment_intent: str | None
    amount_refunded: int | None
    refunds: tuple[Refund, ...]


@dataclass(frozen=True)
class Event:
    """One Stripe event: its id, type, `created` time and the object it is about."""

    id: str
    type: str
    created: int
    object_id: str | None
    subject: Intent | Charge | Refund | None
    payload: dict[str, Any]  # the event as received, less its client secrets


def charge_from(data: Mapping[str, Any]) -> Charge:
    """A Charge from a Charge's JSON, with the refunds it lists."""
    refunds = (data.get("refunds") or {}).get("data") or []
    amount = data.get("amount_refunded")
    return Charge(id=data["id"], payment_intent=data.get("payment_intent"),
                  amount_refunded=int(amount) if amount is not None else None,
                  refunds=tuple(refund_from(r) for r in refunds))


_PARSERS = {"payment_intent": intent_from, "charge": charge_from, "refund": refund_from}


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def parse(data: Mapping[str, Any]) -> Event:
    """A verified event's JSON as an Event; InvalidInput if it is not a usable event."""
    if not isinstance(data, Mapping) or not data.get("id"):
        raise InvalidInput("the event has no id")
    obj = (data.get("data") or {}).get("object") or {}
    if not isinstance(obj, Mapping):
        raise InvalidInput("the event's data.object is not an object")
    kind = obj.get("object") or str(data.get("type", "")).split(".", 1)[0]
    parser = _PARSERS.get(kind)
    try:
        subject = parser(obj) if parser else None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"the event's {kind} cannot be read: {exc!r}") from None
    try:
        created = int(data.get("created") or 0)
    except (TypeError, ValueError):
        raise InvalidInput("the event's created is not a timestamp") from None
    return Event(id=str(data["id"]), type=str(data.get("type") or ""), created=created,
                 object_id=str(obj["id"]) if obj.get("id") else None,
                 subject=subject, payload=_without_secrets(dict(data)))
