"""The tenant owner's pages: card top-up (Stripe Elements), payments, termination, settlement."""

from __future__ import annotations

import uuid

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain import lifecycle
from callcenter.domain.errors import DomainError
from callcenter.domain.money import parse_amount
from callcenter.services import auto_topup, payments, termination
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, own_tenant, rollback, session
from callcenter.web.common.i18n import _
from callcenter.web.common.pdf import pdf_response
from callcenter.web.common.providers import gateway, limits, payment_methods, require_gateway
from callcenter.web.common.responses import export_response
from callcenter.web.pages.portal import bp


def _owner_tenant():
    return own_tenant(roles=("owner",))  # payments and termination are the owner's business


@bp.get("/payments", endpoint="payments")
@login_required
def payments_page():
    """Top-up form, payment history, and the termination request or settlement."""
    tenant = _owner_tenant()
    term = termination.for_tenant(session(), tenant.id)
    cfg = current_app.config
    card_ready = (gateway() is not None and bool(cfg.get("STRIPE_PUBLISHABLE_KEY"))
                  and tenant.status in lifecycle.OPEN)
    return render_template(
        "portal/payments.html", tenant=tenant, limits=limits(), card_ready=card_ready,
        methods=payment_methods(tenant.currency), returned=request.args.get("redirect_status"),
        rule=auto_topup.rule_for(session(), tenant.id), consent_text=auto_topup.CONSENT_TEXT,
        stripe_js_url=cfg["STRIPE_JS_URL"], publishable_key=cfg.get("STRIPE_PUBLISHABLE_KEY"),
        payments=payments.list_payments(session(), tenant.id), termination=term,
        lines=termination.lines(session(), term.id) if term else [],
        request_key=uuid.uuid4().hex)


@bp.post("/payments/intents")
@login_required
def create_intent():
    """The top-up page asks for a PaymentIntent (JSON, CSRF header) by card, Alipay or
    WeChat Pay; Stripe.js confirms it (card form, Alipay redirect, WeChat Pay QR code)."""
    tenant = _owner_tenant()
    found = require_gateway()
    data = request.get_json(silent=True) or {}
    key = str(data.get("request_key") or uuid.uuid4().hex)[:100]
    try:
        payment, intent = payments.create_intent(
            session(), found, actor(), tenant, parse_amount(data.get("amount")),
            limits=limits(), request_key=key, now=now(),
            method=str(data.get("method") or "card"), methods=payment_methods(tenant.currency))
    except DomainError as exc:
        rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    commit()
    return jsonify({"id": intent.id, "client_secret": intent.client_secret,
                    "payment": serialize.payment(payment)}), 201


@bp.post("/termination-request")
@login_required
def request_termination():
    """The owner asks to end the service; an admin confirms and settles."""
    tenant = _owner_tenant()
    try:
        termination.request(session(), actor(), tenant, request.form.get("note") or None,
                            now=now())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("Your request was sent. An administrator will confirm it and settle your "
                "account."), "success")
    return redirect(url_for("portal.payments"))


@bp.get("/settlement")
@login_required
def settlement():
    """The final settlement, every line with its state."""
    tenant = _owner_tenant()
    term = termination.for_tenant(session(), tenant.id)
    if term is None or term.status != "settled":
        abort(404)
    return render_template("portal/settlement.html", tenant=tenant, termination=term,
                           lines=termination.lines(session(), term.id), admin=False)


@bp.get("/settlement.pdf")
@login_required
def settlement_pdf():
    """The settlement as a PDF."""
    tenant = _owner_tenant()
    term = termination.for_tenant(session(), tenant.id)
    if term is None or term.status != "settled":
        abort(404)
    return pdf_response(tenant, term, termination.lines(session(), term.id))


@bp.get("/export")
@login_required
def export():
    """The tenant's own data as a zip."""
    return export_response(_owner_tenant().id)
