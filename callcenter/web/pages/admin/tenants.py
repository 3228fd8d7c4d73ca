"""Admin pages: the tenant list with search, the tenant page, top-ups, status, seats."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import parse_amount
from callcenter.domain.untrusted import ascii_digits
from callcenter.models import TENANT_STATUSES
from callcenter.services import alerts, audit, billing, ledger_audit, topups
from callcenter.services import ledger as ledger_service
from callcenter.services import seats as seat_service
from callcenter.services import tenants as tenant_service
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    commit,
    form_action,
    now,
    session,
)
from callcenter.web.pages.admin import bp


@bp.get("/tenants")
@admin_required
def tenants():
    """All tenants, searchable by name, account code or owner email."""
    q = request.args.get("q", "").strip()
    status = request.args.get("status") or None
    rows = tenant_service.list_tenants(session(), actor(), q=q or None, status=status)
    alerts = ledger_audit.recent_alerts(session(), since=now() - timedelta(days=7))
    return render_template("admin/tenants.html", tenants=rows, q=q, status=status,
                           statuses=TENANT_STATUSES, ledger_alerts=alerts)


@bp.get("/tenants/<int:tenant_id>")
@admin_required
def tenant(tenant_id: int):
    """One tenant: balances, settings, ledger, audit trail, top-up form."""
    t = acting_tenant(tenant_id)
    return render_template(
        "admin/tenant.html", tenant=t,
        entries=ledger_service.entries(session(), t.id, limit=50),
        audit_rows=audit.for_tenant(session(), t.id, limit=20),
        alerts=alerts.for_tenant(session(), actor(), t.id, limit=10),
        plan=tenant_service.rate_plan_at(session(), t.id, now()),
        seats=seat_service.list_seats(session(), t.id),
        billing=billing.summary(session(), t),
        request_key=uuid.uuid4().hex,  # a double-submitted form provisions once
    )


def _back(tenant_id: int):
    return redirect(url_for("admin.tenant", tenant_id=tenant_id))


@bp.post("/tenants/<int:tenant_id>/topups")
@admin_required
def topup(tenant_id: int):
    """Record a bank transfer from the form."""
    t = acting_tenant(tenant_id)
    ok, posting = form_action(lambda: topups.record_bank_transfer(
        session(), actor(), t, parse_amount(request.form.get("amount", "")),
        request.form.get("reference"), now=now(), memo=request.form.get("memo") or None))
    if ok:
        flash("Top-up recorded." if posting.created else "That transfer was already recorded.",
              "success" if posting.created else "info")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/status")
@admin_required
def change_status(tenant_id: int):
    """Suspend or resume with a reason."""
    t = acting_tenant(tenant_id)
    action = {"suspend": tenant_service.suspend, "resume": tenant_service.resume}.get(
        request.form.get("action", ""))
    if action is None:
        abort(400)
    ok, _ = form_action(lambda: action(session(), actor(), t, request.form.get("reason", ""),
                                       now=now()))
    if ok:
        flash(f"The tenant is now {t.status.replace('_', ' ')}.", "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/seats")
@admin_required
def provision_seats(tenant_id: int):
    """Provision seats from the form: a count, or one seat with a label."""
    t = acting_tenant(tenant_id)
    label = request.form.get("label", "").strip()
    count = request.form.get("count", "").strip()

    def provision():
        if not label and count and not ascii_digits(count):
            raise InvalidInput("count must be a whole number", details={"field": "count"})
        return seat_service.provision(
            session(), actor(), t, now=now(), label=label or None,
            count=None if label or not count else int(count),
            request_key=request.form.get("request_key") or None)

    ok, seats = form_action(provision)
    if ok:
        flash(f"{len(seats)} seat(s) provisioned.", "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/seats/<int:seat_id>/release")
@admin_required
def release_seat(tenant_id: int, seat_id: int):
    """Release a seat; it stops working at once."""
    t = acting_tenant(tenant_id)
    seat = seat_service.release(session(), actor(), t, seat_id, now=now())
    commit()
    flash(f"{seat.label} released.", "success")
    return _back(tenant_id)
