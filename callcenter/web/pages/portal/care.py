"""Tenant pages for account care: disputing a charge, the disputes so far, complaints."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain.untrusted import ascii_digits
from callcenter.services import complaints, disputes
from callcenter.web.api.inputs import DISPUTE
from callcenter.web.common.context import actor, now, own_tenant, session
from callcenter.web.common.forms import run_form
from callcenter.web.common.i18n import _
from callcenter.web.pages.portal import bp


def _id(value: str | None) -> int | str | None:
    """A form's id field: digits as a number, blank as absent, anything else as sent (the
    body's parser names the field in its error)."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if ascii_digits(value) and len(value) < 19 else value


@bp.route("/disputes", methods=["GET", "POST"])
@login_required
def disputes_page():
    """Dispute a ledger entry or a call's charge; every dispute and how it was resolved."""
    tenant = own_tenant(roles=("owner",))
    errors: dict[str, str] = {}
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        data = {"ledger_entry_id": _id(form.get("ledger_entry_id")),
                "call_id": _id(form.get("call_id")), "reason": form.get("reason", ""),
                "evidence": form.get("evidence", "").strip() or None}
        data = {k: v for k, v in data.items() if v is not None}
        dispute, errors = run_form(lambda: disputes.open_dispute(
            session(), actor(), tenant.id, DISPUTE.parse(data), now=now(),
            window_days=current_app.config["DISPUTE_WINDOW_DAYS"]))
        if dispute is not None:
            flash(_("Dispute %(id)s is open; we will answer here.", id=dispute.id), "success")
            return redirect(url_for("portal.disputes_page"))
    return render_template("portal/disputes.html", tenant=tenant, errors=errors, form=form,
                           disputes=disputes.for_tenant(session(), actor(), tenant.id),
                           window_days=current_app.config["DISPUTE_WINDOW_DAYS"])


@bp.get("/complaints")
@login_required
def complaints_page():
    """Complaints recorded about the tenant's calls (their numbers are on its list)."""
    tenant = own_tenant(roles=("owner",))
    return render_template("portal/complaints.html", tenant=tenant,
                           complaints=complaints.for_tenant(session(), actor(), tenant.id))
