"""The tenant's own pages: dashboard with balance and recent ledger entries."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from callcenter.extensions import db
from callcenter.services import billing
from callcenter.services import ledger as ledger_service
from callcenter.services import seats as seat_service
from callcenter.services.access import tenant_for
from callcenter.web.context import actor

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.get("/")
@login_required
def dashboard():
    """Balance, available funds, status and the latest ledger entries."""
    if current_user.role == "admin":
        abort(404)
    tenant = tenant_for(db.session, actor(), current_user.tenant_id)
    entries = (ledger_service.entries(db.session, tenant.id, limit=20)
               if current_user.role == "owner" else [])
    return render_template("portal/dashboard.html", tenant=tenant, entries=entries,
                           billing=billing.summary(db.session, tenant))


@bp.get("/seats")
@login_required
def seats():
    """The tenant's seats, next renewal and any arrears with their consequences."""
    if current_user.role == "admin":
        abort(404)
    tenant = tenant_for(db.session, actor(), current_user.tenant_id)
    return render_template("portal/seats.html", tenant=tenant,
                           seats=seat_service.list_seats(db.session, tenant.id),
                           billing=billing.summary(db.session, tenant))
