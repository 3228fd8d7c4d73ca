"""Provider clients built from the app's configuration (tests replace them)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, abort, current_app, request

from callcenter.domain.money import parse_amount
from callcenter.integrations import stripe_gateway, twilio_voice
from callcenter.integrations.outbound_http import UrlPolicy
from callcenter.integrations.stripe_gateway import PaymentGateway
from callcenter.integrations.twilio_voice import TwilioCalls
from callcenter.services import webhook_delivery
from callcenter.services.payments import TopupLimits, methods_for
from callcenter.services.sms import SmsSetup

EXTENSION = stripe_gateway.EXTENSION


def init_app(app: Flask) -> None:
    """Build the Stripe gateway from the settings; tests may replace `app.extensions[...]`."""
    app.extensions[EXTENSION] = stripe_gateway.from_config(app.config)


def gateway() -> PaymentGateway | None:
    """The Stripe gateway, or None when Stripe is not configured."""
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


def payment_methods(currency: str) -> tuple[str, ...]:
    """Methods offered to a tenant paying in `currency` (ALIPAY_CURRENCIES,
    WECHAT_PAY_CURRENCIES), in the order its payments page shows them."""
    cfg = current_app.config
    offered = {method: frozenset(c.strip().upper() for c in (cfg.get(name) or "").split(",")
                                 if c.strip())
               for method, name in (("alipay", "ALIPAY_CURRENCIES"),
                                    ("wechat_pay", "WECHAT_PAY_CURRENCIES"))}
    return methods_for(currency, offered)


def url_policy() -> UrlPolicy:
    """What outbound webhook URLs must satisfy under these settings."""
    return webhook_delivery.url_policy(current_app.config)


def resolver() -> Callable[..., list] | None:
    """A DNS resolver tests put in `background_context` (None: the system's)."""
    return current_app.extensions.get("background_context", {}).get("resolve")


def sms_setup() -> SmsSetup:
    """The platform's SMS settings; callbacks come back to PUBLIC_BASE_URL (or this host)."""
    cfg = current_app.config
    base = cfg.get("PUBLIC_BASE_URL") or request.host_url
    return SmsSetup(
        twilio_configured=bool(cfg.get("TWILIO_ACCOUNT_SID") and cfg.get("TWILIO_AUTH_TOKEN")),
        default_sender=cfg.get("TWILIO_SMS_FROM") or None,
        status_callback=base.rstrip("/") + "/webhooks/twilio/sms")


def twilio_lookup() -> TwilioCalls | None:
    """A Twilio REST client when credentials are configured, else None."""
    return twilio_voice.calls_from_config(current_app.config)
