"""Card top-ups: Stripe PaymentIntents for a tenant, and its payment history."""

from __future__ import annotations

import uuid

from flask import jsonify

from callcenter.services import payments
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import CARD_TOPUP
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, idempotency_key, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.providers import limits, payment_methods, require_gateway


def request_key() -> str:
    """The client's Idempotency-Key, or a fresh one (then a retry makes a new intent)."""
    return idempotency_key() or uuid.uuid4().hex


@bp.post("/tenants/<int:tenant_id>/payment-intents")
@accepts(CARD_TOPUP)
def create_payment_intent(tenant_id: int):
    """Start a card top-up.
    ---
    post:
      summary: Create a Stripe PaymentIntent for a top-up by card, Alipay or WeChat Pay (owner)
      description: >
        The balance is credited when Stripe reports the payment succeeded (webhook).
        Alipay and WeChat Pay are offered for the currencies in ALIPAY_CURRENCIES and
        WECHAT_PAY_CURRENCIES; Stripe.js shows their redirect or QR code.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: Idempotency-Key, in: header, schema: {type: string}}
      responses:
        201: {description: "{id, client_secret, payment}: confirm it with Stripe.js"}
        400: {description: amount outside the top-up limits or not in whole minor units}
        409: {description: the account is closed}
        502: {description: Stripe refused or could not be reached}
        503: {description: card payments are not configured}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    found = require_gateway()
    body = read(CARD_TOPUP)
    payment, intent = payments.create_intent(session(), found, who, tenant, body.amount,
                                             limits=limits(), request_key=request_key(),
                                             now=now(), method=body.method,
                                             methods=payment_methods(tenant.currency))
    commit()
    return jsonify({"id": intent.id, "client_secret": intent.client_secret,
                    "payment": serialize.payment(payment)}), 201


@bp.get("/tenants/<int:tenant_id>/payments")
def list_payments(tenant_id: int):
    """Card payments.
    ---
    get:
      summary: The tenant's card payments, newest first, with failures and refunds
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [payment]}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=("admin", "owner"))
    return jsonify({"items": [serialize.payment(p)
                              for p in payments.list_payments(session(), tenant.id)]})
