"""The app's Stripe gateway and card top-up settings, as views need them."""

from __future__ import annotations

from flask import Flask, abort, current_app

from callcenter.domain.money import parse_amount
from callcenter.integrations import stripe_gateway
from callcenter.integrations.stripe_gateway import PaymentGateway
from callcenter.services.payments import TopupLimits

EXTENSION = "stripe_gateway"


def init_app(app: Flask) -> None:
    """Build the gateway from the settings; tests may replace `app.extensions[...]`."""
    app.extensions[EXTENSION] = stripe_gateway.from_config(app.config)


def gateway() -> PaymentGateway | None:
    """The gateway, or None when Stripe is not configured."""
    return current_app.extensions.get(EXTENSION)


def require_gateway() -> PaymentGateway:
    """The gateway, or 503: card top-ups are disabled without Stripe settings."""
    found = gateway()
    if found is None:
        abort(503, "card payments are not configured on this platform")
    return found


def limits() -> TopupLimits:
    """TOPUP_MIN and TOPUP_MAX (decimal strings in the tenant's currency)."""
    cfg = current_app.config
    return TopupLimits(parse_amount(cfg["TOPUP_MIN"], field="TOPUP_MIN"),
                       parse_amount(cfg["TOPUP_MAX"], field="TOPUP_MAX"))
