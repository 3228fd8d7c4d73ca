"""Admin pages: terminations, settlement preview and confirmation, refund lines, export,
erasure."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError
from callcenter.extensions import db
from callcenter.models import Erasure, Tenant, Termination, TerminationLine
from callcenter.models.payment import TERMINATION_REASONS
from callcenter.services import erasure, settlement, termination
from callcenter.services.access import tenant_for
from callcenter.web.admin import admin_required
from callcenter.web.api.tenant_data import export_response
from callcenter.web.api.termination import reconciler
from callcenter.web.context import actor, commit, form_action, now
from callcenter.web.settlement_pdf import pdf_response
from callcenter.web.stripe_context import gateway, require_gateway

bp = Blueprint("termination", __name__, url_prefix="/admin")


@bp.get("/terminations")
@admin_required
def index():
    """Requested, stopping and settled terminations with their outstanding lines."""
    outstanding = (sa.select(TerminationLine.termination_id, sa.func.count())
                   .where(TerminationLine.status.in_(("pending", "failed", "open")))
                   .group_by(TerminationLine.termination_id))
    counts = dict(db.session.execute(outstanding).all())
    rows = db.session.execute(sa.select(Termination, Tenant)
                              .join(Tenant, Tenant.id == Termination.tenant_id)
                              .order_by(Termination.id.desc()).limit(200)).all()
    tenants = db.session.execute(sa.select(Tenant.id, Tenant.name, Tenant.account_code)
                                 .where(Tenant.status != "purged").order_by(Tenant.name)
                                 .limit(500)).all()
    return render_template("termination/list.html", rows=rows, counts=counts, tenants=tenants)


@bp.get("/terminations/go")
@admin_required
def go():
    """Open the termination page of the tenant picked in the list page's form."""
    raw = request.args.get("tenant_id", "")
    if not raw.isdigit():
        return redirect(url_for("termination.index"))
    return _back(int(raw))


def _back(tenant_id: int):
    return redirect(url_for("termination.tenant", tenant_id=tenant_id))


@bp.get("/tenants/<int:tenant_id>/termination")
@admin_required
def tenant(tenant_id: int):
    """Preview the settlement for a reason, confirm it; or the settled lines."""
    t = tenant_for(db.session, actor(), tenant_id)
    term = termination.for_tenant(db.session, t.id)
    reason = request.args.get("reason") or (term.reason if term else "tenant_request")
    plan = None
    if t.status != "purged" and (term is None or term.status != "settled"):
        try:
            plan = settlement.plan(db.session, t, reason, now=now())
        except DomainError as exc:
            flash(exc.message, "error")
    record = db.session.scalars(sa.select(Erasure).where(Erasure.tenant_id == t.id)).first()
    return render_template(
        "termination/admin.html", tenant=t, termination=term, plan=plan, reason=reason,
        reasons=TERMINATION_REASONS, erasure=record,
        lines=termination.lines(db.session, term.id) if term else [],
        card_refunds_enabled=gateway() is not None)


@bp.post("/tenants/<int:tenant_id>/termination")
@admin_required
def confirm(tenant_id: int):
    """Confirm the termination with the chosen reason."""
    who = actor()
    t = tenant_for(db.session, who, tenant_id)
    force = request.form.get("force") == "1"
    try:
        outcome = termination.terminate(db.session, who, t.id, request.form.get("reason"),
                                        now=now(), reconcile=reconciler(t.id) if force else None)
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(tenant_id)
    if outcome.blocked_by:
        flash(f"New calls are stopped. {len(outcome.blocked_by)} open hold(s) must be settled "
              "before the settlement (or confirm with 'settle stale holds').", "error")
        return _back(tenant_id)
    sent = termination.send_refunds(db.session, gateway(), t.id, now=now(), commit=commit)
    failed = [line for line in sent if line.status == "failed"]
    flash("Terminated and settled." + (f" {len(failed)} card refund(s) failed: retry them "
                                       "below." if failed else ""),
          "error" if failed else "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/retry")
@admin_required
def retry(tenant_id: int, line_id: int):
    """Send a card refund again with its own idempotency key."""
    t = tenant_for(db.session, actor(), tenant_id)
    ok, line = form_action(lambda: termination.send_refund(
        db.session, require_gateway(), termination.line_of(db.session, t.id, line_id),
        now=now()))
    if ok:
        flash(f"Refund {line.status}.", "success" if line.status != "failed" else "error")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/close")
@admin_required
def close(tenant_id: int, line_id: int):
    """Record a bank refund as paid, or a receivable as paid or waived."""
    who = actor()
    t = tenant_for(db.session, who, tenant_id)
    ok, _ = form_action(lambda: termination.close_line(
        db.session, who, termination.line_of(db.session, t.id, line_id),
        request.form.get("status"), request.form.get("reference"), now=now()))
    if ok:
        flash("Line updated.", "success")
    return _back(tenant_id)


@bp.get("/tenants/<int:tenant_id>/export")
@admin_required
def export(tenant_id: int):
    """Download the tenant's data."""
    return export_response(tenant_id)


@bp.post("/tenants/<int:tenant_id>/erasure")
@admin_required
def erase(tenant_id: int):
    """Erase the terminated tenant's customer data now."""
    who = actor()
    t = tenant_for(db.session, who, tenant_id)
    ok, _ = form_action(lambda: erasure.erase(
        db.session, who, t.id, secret=current_app.config["SECRET_KEY"], now=now()))
    if ok:
        flash("Customer data erased. The ledger, payments and settlement remain.", "success")
    return _back(tenant_id)


@bp.get("/tenants/<int:tenant_id>/settlement.pdf")
@admin_required
def pdf(tenant_id: int):
    """The settlement as a PDF."""
    t = tenant_for(db.session, actor(), tenant_id)
    term = termination.for_tenant(db.session, t.id)
    if term is None or term.status != "settled":
        flash("There is no settlement yet.", "error")
        return _back(tenant_id)
    return pdf_response(t, term, termination.lines(db.session, term.id))
