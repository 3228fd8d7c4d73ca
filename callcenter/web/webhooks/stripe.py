"""Stripe: verify `Stripe-Signature`, apply the event once, commit, 2xx."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request

from callcenter import metrics
from callcenter.integrations import stripe_events
from callcenter.integrations.stripe_gateway import SignatureError
from callcenter.services import payments
from callcenter.web.common.context import now, uow
from callcenter.web.common.providers import gateway
from callcenter.web.webhooks import bp


@bp.post("/stripe")
def stripe_webhook():
    """A Stripe event: credited, recorded or ignored, each event id once."""
    found = gateway()
    if found is None or not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        abort(503, "Stripe is not configured")
    try:
        # The signature covers the exact bytes Stripe sent: read them raw, parse after.
        data = found.construct_event(request.get_data(cache=False),
                                     request.headers.get("Stripe-Signature"))
    except SignatureError:
        abort(403, "invalid Stripe-Signature")
    event = stripe_events.parse(data)
    outcome = payments.handle_event(uow(), event, now=now(), gateway=found)
    metrics.INBOUND_WEBHOOKS.labels("stripe", outcome).inc()
    return jsonify({"received": True, "outcome": outcome})
