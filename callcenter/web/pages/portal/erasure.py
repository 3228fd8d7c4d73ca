"""Erasure on request: a terminated, settled tenant's owner has its data erased at once,
after taking its export (or saying it does not want it) and confirming."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, logout_user

from callcenter.domain.errors import DomainError
from callcenter.services import erasure_request
from callcenter.web.common.context import actor, commit, now, own_tenant, rollback, session
from callcenter.web.common.i18n import _
from callcenter.web.pages.portal import bp


def _owner_tenant():
    return own_tenant(roles=("owner",))


@bp.get("/erasure")
@login_required
def erasure_page():
    """Where the tenant stands, the export, and the form to ask for erasure."""
    tenant = _owner_tenant()
    return render_template("portal/erasure.html", tenant=tenant,
                           pos=erasure_request.position(session(), tenant),
                           retention_days=current_app.config["ERASURE_RETENTION_DAYS"],
                           errors={})


@bp.post("/erasure/review")
@login_required
def erasure_review():
    """The confirmation step: what erasure removes and keeps, before anything happens."""
    tenant = _owner_tenant()
    pos = erasure_request.position(session(), tenant)
    if not pos.may_request:
        abort(409)
    declined = request.form.get("declined_export") == "1"
    if not pos.export_downloaded and not declined:
        return render_template(
            "portal/erasure.html", tenant=tenant, pos=pos,
            retention_days=current_app.config["ERASURE_RETENTION_DAYS"],
            errors={"declined_export": _("Download your data first, or tick the box to say "
                                         "you do not want it.")}), 400
    return render_template("portal/erasure_confirm.html", tenant=tenant, pos=pos,
                           declined=declined)


@bp.post("/erasure")
@login_required
def request_erasure():
    """Erase now (confirmed); the owner's own account ends with the data."""
    tenant = _owner_tenant()
    try:
        erasure_request.request(session(), actor(), tenant,
                                confirm=request.form.get("confirm") == "1",
                                declined_export=request.form.get("declined_export") == "1",
                                secret=current_app.config["SECRET_KEY"], now=now())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
        return redirect(url_for("portal.erasure_page"))
    logout_user()
    flash(_("Your data was erased. Your accounts are closed; the settlement and the ledger "
            "are kept for accounting."), "success")
    return redirect(url_for("auth.login"))
