"""Admin termination pages: the list, the settlement preview and confirmation, refund
lines, export, erasure and the settlement PDF."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from callcenter.domain import lifecycle
from callcenter.domain.errors import DomainError
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.models.payment import TERMINATION_REASONS
from callcenter.services import erasure, settlement
from callcenter.services import termination as termination_service
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    form_action,
    now,
    rollback,
    session,
    uow,
)
from callcenter.web.common.i18n import _, ngettext
from callcenter.web.common.labels import label
from callcenter.web.common.pdf import pdf_response
from callcenter.web.common.providers import gateway, require_gateway, twilio_lookup
from callcenter.web.common.responses import export_response
from callcenter.web.pages.admin import bp


@bp.get("/terminations")
@admin_required
def terminations():
    """Requested, stopping and settled terminations with their outstanding lines."""
    found = termination_service.overview(session())
    return render_template("admin/terminations.html", rows=found.rows,
                           counts=found.outstanding, tenants=found.tenants)


@bp.get("/terminations/go")
@admin_required
def termination_go():
    """Open the termination page of the tenant picked in the list page's form."""
    raw = request.args.get("tenant_id", "")
    if not ascii_digits(raw) or int(raw) > MAX_ID:
        return redirect(url_for("admin.terminations"))
    return _back(int(raw))


def _back(tenant_id: int):
    return redirect(url_for("admin.termination", tenant_id=tenant_id))


@bp.get("/tenants/<int:tenant_id>/termination")
@admin_required
def termination(tenant_id: int):
    """Preview the settlement for a reason, confirm it; or the settled lines."""
    t = acting_tenant(tenant_id)
    term = termination_service.for_tenant(session(), t.id)
    reason = request.args.get("reason") or (term.reason if term else "tenant_request")
    plan = None
    if t.status != lifecycle.PURGED and (term is None or term.status != "settled"):
        try:
            plan = settlement.plan(session(), t, reason, now=now())
        except DomainError as exc:
            flash(exc.message, "error")
    return render_template(
        "admin/termination.html", tenant=t, termination=term, plan=plan, reason=reason,
        reasons=TERMINATION_REASONS, erasure=erasure.record_for(session(), t.id),
        lines=termination_service.lines(session(), term.id) if term else [],
        card_refunds_enabled=gateway() is not None)


@bp.post("/tenants/<int:tenant_id>/termination")
@admin_required
def confirm_termination(tenant_id: int):
    """Terminate with the chosen reason, once the admin ticked that the refund total shown
    beside the button is right (money moves: card refunds start at once)."""
    t = acting_tenant(tenant_id)
    if request.form.get("confirm_amounts") != "1":
        flash(_("Tick the box confirming the amounts before terminating: nothing was done."),
              "error")
        return redirect(url_for("admin.termination", tenant_id=tenant_id,
                                reason=request.form.get("reason") or None))
    try:
        outcome = termination_service.terminate_tenant(
            uow(), actor(), t.id, request.form.get("reason"), now=now(), gateway=gateway(),
            lookup=twilio_lookup(), force=request.form.get("force") == "1")
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
        return _back(tenant_id)
    if outcome.blocked_by:
        flash(ngettext("New calls are stopped. %(num)d open hold must be settled before the "
                       "settlement (or confirm with 'settle stale holds').",
                       "New calls are stopped. %(num)d open holds must be settled before the "
                       "settlement (or confirm with 'settle stale holds').",
                       len(outcome.blocked_by)), "error")
        return _back(tenant_id)
    failed = termination_service.failed_refunds(session(), t.id)
    flash(ngettext("Terminated and settled. %(num)d card refund failed: retry it below.",
                   "Terminated and settled. %(num)d card refunds failed: retry them below.",
                   len(failed)) if failed else _("Terminated and settled."),
          "error" if failed else "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/retry")
@admin_required
def retry_refund(tenant_id: int, line_id: int):
    """Send a card refund again with its own idempotency key."""
    t = acting_tenant(tenant_id)
    ok, line = form_action(lambda: termination_service.retry_refund(
        session(), actor(), require_gateway(),
        termination_service.line_of(session(), t.id, line_id), now=now()))
    if ok:
        flash(_("Refund %(status)s.", status=label(line.status)),
              "success" if line.status != "failed" else "error")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/close")
@admin_required
def close_line(tenant_id: int, line_id: int):
    """Record a bank refund as paid, or a receivable as paid or waived."""
    t = acting_tenant(tenant_id)
    ok, _result = form_action(lambda: termination_service.close_line(
        session(), actor(), termination_service.line_of(session(), t.id, line_id),
        request.form.get("status"), request.form.get("reference"), now=now()))
    if ok:
        flash(_("Line updated."), "success")
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
    t = acting_tenant(tenant_id)
    ok, _result = form_action(lambda: erasure.erase(
        session(), actor(), t.id, secret=current_app.config["SECRET_KEY"], now=now()))
    if ok:
        flash(_("Customer data erased. The ledger, payments and settlement remain."), "success")
    return _back(tenant_id)


@bp.get("/tenants/<int:tenant_id>/settlement.pdf")
@admin_required
def settlement_pdf(tenant_id: int):
    """The settlement as a PDF."""
    t = acting_tenant(tenant_id)
    term = termination_service.for_tenant(session(), t.id)
    if term is None or term.status != "settled":
        flash(_("There is no settlement yet."), "error")
        return _back(tenant_id)
    return pdf_response(t, term, termination_service.lines(session(), term.id))
