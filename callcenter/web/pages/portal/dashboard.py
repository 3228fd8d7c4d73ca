"""The tenant's dashboard and seats pages."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from callcenter.services import auto_topup, billing
from callcenter.services import ledger as ledger_service
from callcenter.services import seats as seat_service
from callcenter.web.common.context import own_tenant, session
from callcenter.web.pages.portal import bp


@bp.get("/")
@login_required
def dashboard():
    """Balance, available funds, status and the latest ledger entries."""
    tenant = own_tenant()
    entries = (ledger_service.entries(session(), tenant.id, limit=20)
               if current_user.role == "owner" else [])
    rule = (auto_topup.rule_for(session(), tenant.id)
            if current_user.role == "owner" else None)
    return render_template("portal/dashboard.html", tenant=tenant, entries=entries,
                           billing=billing.summary(session(), tenant), auto_topup=rule)


@bp.get("/seats")
@login_required
def seats():
    """The tenant's seats, next renewal and any arrears with their consequences."""
    tenant = own_tenant()
    return render_template("portal/seats.html", tenant=tenant,
                           seats=seat_service.list_seats(session(), tenant.id),
                           billing=billing.summary(session(), tenant))
