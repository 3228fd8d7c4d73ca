"""`POST /webhooks/stripe`: verify, record the event id once, apply, commit, 2xx."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from callcenter.extensions import csrf, db
from callcenter.integrations.stripe_gateway import SignatureError
from callcenter.models import Payment
from callcenter.services import payments, termination
from callcenter.web.context import commit, now
from callcenter.web.stripe_context import gateway

bp = Blueprint("stripe_webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # authenticated by Stripe-Signature, not cookies


@bp.post("/stripe")
def stripe_webhook():
    """A Stripe event: credited, recorded or ignored, each event id once."""
    found = gateway()
    if found is None or not current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        abort(503, "Stripe is not configured")
    try:
        # The signature covers the exact bytes Stripe sent: read them raw, parse after.
        event = found.construct_event(request.get_data(cache=False),
                                      request.headers.get("Stripe-Signature"))
    except SignatureError:
        abort(403, "invalid Stripe-Signature")
    outcome = payments.handle_event(db.session, event, now=now())
    commit()
    if outcome == "owed_back":
        # Money that came after the account closed goes straight back to its card.
        intent_id = ((event.get("data") or {}).get("object") or {}).get("id")
        payment = db.session.query(Payment).filter_by(intent_id=intent_id).one()
        termination.send_refunds(db.session, found, payment.tenant_id, now=now(),
                                 commit=commit)
    return jsonify({"received": True, "outcome": outcome})
