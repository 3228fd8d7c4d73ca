"""Call pages: the tenant's call log, the admin's call log, open holds and rates."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from callcenter.domain.errors import InvalidInput
from callcenter.extensions import db
from callcenter.models import CALL_STATUSES, Call, ProviderEvent
from callcenter.services import call_log, rates, reconcile
from callcenter.services import seats as seat_service
from callcenter.services.access import tenant_for
from callcenter.services.tenants import current_rate_plan
from callcenter.web.admin import admin_required
from callcenter.web.api.calls import csv_response
from callcenter.web.context import actor, form_action, now

bp = Blueprint("calls_pages", __name__)
PAGE = 100


def _log(tenant_id: int, template: str, **extra):
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id)
    try:
        filters = call_log.parse_filter(request.args)
    except InvalidInput as exc:
        flash(exc.message, "error")
        filters = call_log.CallFilter()
    if request.args.get("format") == "csv":
        return csv_response(call_log.iter_all(db.session, who, tenant.id, filters),
                            f"calls-{tenant.account_code}.csv")
    before = request.args.get("before", type=int)
    rows = call_log.calls(db.session, who, tenant.id, filters, before_id=before,
                          limit=PAGE + 1)
    return render_template(template, tenant=tenant, calls=rows[:PAGE],
                           more=rows[PAGE - 1].id if len(rows) > PAGE else None,
                           filters=filters, statuses=CALL_STATUSES,
                           seats=seat_service.list_seats(db.session, tenant.id), **extra)


@bp.get("/portal/calls")
@login_required
def portal_calls():
    """The tenant's calls with charges and refusal reasons (agents: their seats only)."""
    if current_user.role == "admin":
        abort(404)
    return _log(current_user.tenant_id, "calls/portal.html")


@bp.get("/admin/tenants/<int:tenant_id>/calls")
@admin_required
def admin_calls(tenant_id: int):
    """An admin's view of one tenant's calls."""
    return _log(tenant_id, "calls/admin.html")


@bp.get("/admin/calls/open")
@admin_required
def open_calls():
    """Calls still holding funds past their end, and provider events nobody claimed."""
    stale = reconcile.stale_calls(db.session, now())
    unknown = db.session.scalars(
        sa.select(ProviderEvent).where(ProviderEvent.outcome == "unknown_call")
        .order_by(ProviderEvent.id.desc()).limit(100)).all()
    return render_template("calls/open.html", stale=stale, unknown=unknown)


@bp.post("/admin/calls/<int:call_id>/resolve")
@admin_required
def resolve(call_id: int):
    """Settle an unreported call with the duration an admin decided (0 releases it)."""
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    raw = request.form.get("duration", "")

    def settle() -> None:
        if not raw.isdigit():
            raise InvalidInput("duration must be a whole number of seconds")
        reconcile.resolve(db.session, actor(), call, int(raw), now=now())

    if form_action(settle)[0]:
        flash(f"Call {call_id} settled.", "success")
    return redirect(url_for("calls_pages.open_calls"))


@bp.route("/admin/tenants/<int:tenant_id>/rates", methods=["GET", "POST"])
@admin_required
def edit_rates(tenant_id: int):
    """Edit the rate plan: one prefix per line, "4420 0.012"."""
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id)
    if request.method == "POST":
        lines = [ln.split() for ln in request.form.get("prefixes", "").splitlines() if ln.strip()]
        data = {"default_per_minute": request.form.get("default_per_minute", ""),
                "billing_increment": request.form.get("billing_increment", ""),
                "connect_fee": request.form.get("connect_fee", "") or "0",
                "prefixes": [{"prefix": p[0], "per_minute": p[1] if len(p) > 1 else None}
                             for p in lines]}
        ok, plan = form_action(lambda: rates.set_rates(db.session, who, tenant, data,
                                                        now=now()))
        if ok:
            flash(f"Rate plan version {plan.version} is in force for new calls.", "success")
            return redirect(url_for("calls_pages.edit_rates", tenant_id=tenant_id))
    return render_template("calls/rates.html", tenant=tenant,
                           plan=current_rate_plan(db.session, tenant.id))
