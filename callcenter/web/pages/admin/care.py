"""Operator pages for account care: every dispute, resolving one (a credit is confirmed
with its amount first), and a tenant's complaints."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError
from callcenter.domain.money import format_amount
from callcenter.models import COMPLAINT_KINDS, DISPUTE_STATUSES
from callcenter.services import complaints
from callcenter.services import disputes as dispute_service
from callcenter.web.api.inputs import COMPLAINT, DISPUTE_RESOLUTION
from callcenter.web.common.context import acting_tenant, actor, admin_required, now, session
from callcenter.web.common.forms import run_form
from callcenter.web.common.i18n import _
from callcenter.web.pages.admin import bp


@bp.get("/disputes")
@admin_required
def disputes():
    """Every tenant's disputes, optionally by status."""
    status = request.args.get("status") or None
    if status is not None and status not in DISPUTE_STATUSES:
        abort(404)
    rows = dispute_service.all_disputes(session(), actor(), status=status)
    names = dispute_service.tenant_names(session(), {d.tenant_id for d in rows})
    return render_template("admin/disputes.html", disputes=rows, status=status,
                           statuses=DISPUTE_STATUSES, tenant_names=names, show_tenant=True)


def _resolution_data(form) -> dict:
    data = {"decision": form.get("decision", ""), "note": form.get("note", ""),
            "amount": form.get("amount", "").strip() or None,
            "justification": form.get("justification", "").strip() or None}
    return {k: v for k, v in data.items() if v is not None}


@bp.route("/disputes/<int:dispute_id>", methods=["GET", "POST"])
@admin_required
def dispute(dispute_id: int):
    """One dispute; reject it with a note, or credit it after confirming the amount."""
    found = dispute_service.get(session(), actor(), dispute_id)
    tenant = dispute_service.tenant_of(session(), found)
    errors: dict[str, str] = {}
    form = request.form
    confirm = None
    if request.method == "POST":
        data = _resolution_data(form)
        if data.get("decision") == "credit" and form.get("confirmed") != "1":
            # Parse first, so a bad amount is shown by its field, not in a confirmation.
            try:
                res = DISPUTE_RESOLUTION.parse(data)
                dispute_service.check_resolution(found, res)
                confirm = res
            except DomainError as exc:
                errors = {str(exc.details.get("field") or "_form"): exc.message}
        else:
            done, errors = run_form(lambda: dispute_service.resolve(
                session(), actor(), found.id, DISPUTE_RESOLUTION.parse(data), now=now()))
            if done is not None:
                flash(_("Dispute %(id)s is %(status)s.", id=done.id, status=_(done.status)),
                      "success")
                return redirect(url_for("admin.dispute", dispute_id=done.id))
    return render_template("admin/dispute.html", dispute=found, tenant=tenant, errors=errors,
                           form=form if (errors or confirm) else None, confirm=confirm,
                           confirm_amount=format_amount(confirm.amount_micros)
                           if confirm else None,
                           credit_note=dispute_service.credit_note_number(session(), found))


@bp.route("/tenants/<int:tenant_id>/complaints", methods=["GET", "POST"])
@admin_required
def complaints_page(tenant_id: int):
    """Record a complaint about a tenant's calls; its number goes on the tenant's list."""
    tenant = acting_tenant(tenant_id)
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        data = {"number": form.get("number", ""), "kind": form.get("kind", ""),
                "note": form.get("note", "")}
        done, errors = run_form(lambda: complaints.record(
            session(), actor(), tenant, COMPLAINT.parse(data), now=now()))
        if done is not None:
            flash(_("The complaint is recorded and %(number)s is on the tenant's do-not-call "
                    "list.", number=done.number), "success")
            return redirect(url_for("admin.complaints_page", tenant_id=tenant.id))
    return render_template("admin/complaints.html", tenant=tenant, errors=errors,
                           form=form if errors else None, kinds=COMPLAINT_KINDS,
                           complaints=complaints.for_tenant(session(), actor(), tenant.id),
                           disputes=dispute_service.for_tenant(session(), actor(), tenant.id))
