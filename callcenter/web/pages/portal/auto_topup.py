"""The owner's automatic top-up: save a card (SetupIntent, off-session consent), set the
rule, turn it off. Lives on the payments page."""

from __future__ import annotations

from flask import flash, jsonify, redirect, request, url_for
from flask_login import login_required

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.money import parse_amount
from callcenter.services import auto_topup
from callcenter.web.common.context import actor, commit, form_action, now, own_tenant, rollback
from callcenter.web.common.context import session as db_session
from callcenter.web.common.i18n import _
from callcenter.web.common.providers import limits, require_gateway
from callcenter.web.pages.portal import bp


def _owner_tenant():
    return own_tenant(roles=("owner",))


def _back():
    return redirect(url_for("portal.payments") + "#auto-topup")


@bp.post("/payments/auto-topup/setup")
@login_required
def auto_topup_setup():
    """Stripe.js asks for a SetupIntent to save a card (JSON, CSRF header)."""
    tenant = _owner_tenant()
    try:
        secret = auto_topup.start_card_setup(db_session(), require_gateway(), actor(), tenant,
                                             now=now())
    except DomainError as exc:
        rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    commit()
    return jsonify({"client_secret": secret}), 201


@bp.post("/payments/auto-topup/card")
@login_required
def auto_topup_card():
    """The card was confirmed in the browser: Stripe is asked, and it is kept."""
    tenant = _owner_tenant()
    found = require_gateway()
    ok, _result = form_action(lambda: auto_topup.save_card(
        db_session(), found, actor(), tenant, request.form.get("setup_intent", ""),
        consent=request.form.get("consent") == "yes", now=now()))
    if ok:
        flash(_("The card is saved for automatic top-ups."), "success")
    return _back()


def _rule_from_form() -> auto_topup.RuleChange:
    form = request.form
    enabled = form.get("enabled") == "on"

    def whole(name: str, default: int) -> int:
        raw = (form.get(name) or "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not 0 < int(raw) <= 1000:
            raise InvalidInput(f"{name.replace('_', ' ')} must be a whole number from 1 to "
                               "1000", details={"field": name})
        return int(raw)

    return auto_topup.RuleChange(
        enabled=enabled,
        threshold_micros=parse_amount(form.get("threshold") or "0", field="threshold",
                                      allow_zero=True),
        amount_micros=parse_amount(form.get("amount") or "0", field="amount",
                                   allow_zero=True),
        max_per_day=whole("max_per_day", 1), max_per_month=whole("max_per_month", 10))


@bp.post("/payments/auto-topup")
@login_required
def auto_topup_rule():
    """Save the rule (below X charge Y, at most N a day and M a month) or turn it off."""
    tenant = _owner_tenant()
    bounds = limits()
    ok, rule = form_action(lambda: auto_topup.set_rule(
        db_session(), actor(), tenant, _rule_from_form(), minimum=bounds.minimum_micros,
        maximum=bounds.maximum_micros, now=now()))
    if ok:
        flash(_("Automatic top-up is on.") if rule.enabled else _("Automatic top-up is off."),
              "success")
    return _back()
