"""The tenant's dashboard."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from callcenter.services import alerts, auto_topup, billing, notices
from callcenter.services import ledger as ledger_service
from callcenter.web.common.context import actor, now, own_tenant, session
from callcenter.web.pages.portal import bp


@bp.get("/")
@login_required
def dashboard():
    """Balance, available funds, status, notices and alerts, the latest ledger entries."""
    tenant = own_tenant()
    owner = current_user.role == "owner"
    entries = ledger_service.entries(session(), tenant.id, limit=20) if owner else []
    rule = auto_topup.rule_for(session(), tenant.id) if owner else None
    recent = alerts.for_tenant(session(), actor(), tenant.id, limit=5) if owner else []
    return render_template("portal/dashboard.html", tenant=tenant, entries=entries,
                           alerts=recent, auto_topup=rule,
                           billing=billing.summary(session(), tenant),
                           low_balance=alerts.is_low(tenant),
                           notices=notices.current_for(session(), tenant.id, now=now()))

