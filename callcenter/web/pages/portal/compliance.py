"""Tenant pages for compliance: consents, do-not-call list, scripts, and a call check."""

from __future__ import annotations

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain.errors import DomainError
from callcenter.services import compliance, consents, dnc, scripts
from callcenter.services import number_lists as lists
from callcenter.web.common.context import (
    actor,
    commit,
    compliance_policy,
    form_action,
    now,
    own_tenant,
    rollback,
    session,
)
from callcenter.web.common.i18n import _
from callcenter.web.common.params import page_number
from callcenter.web.common.responses import csv_response
from callcenter.web.pages.portal import bp
from callcenter.web.pages.shared import change_dnc

CHUNK_LIMIT = 1000  # rows per import request; the page sends chunks and shows progress


LIST_PAGE = 100


def _tenant():
    return own_tenant(roles=("owner",))


@bp.get("/consents")
@login_required
def consent_list():
    """Consent records with search, import, revoke, export and a call check."""
    tenant = _tenant()
    q = request.args.get("q", "").strip() or None
    if request.args.get("format") != "csv":
        return _consents_page(tenant, q, check=None)
    every = consents.search(session(), tenant.id, q=q, limit=10**6)
    return csv_response(["number", "source", "evidence", "granted_at", "revoked_at"],
                        ([c.number, c.source, c.evidence or "", c.granted_at.isoformat(),
                          c.revoked_at.isoformat() if c.revoked_at else ""]
                         for c in every),
                        f"consents-{tenant.account_code}.csv")


def _consents_page(tenant, q: str | None, check: dict | None):
    """A page of the consent list (LIST_PAGE rows, newest first; no silent cut-off)."""
    page = page_number()
    rows = consents.search(session(), tenant.id, q=q, offset=(page - 1) * LIST_PAGE,
                           limit=LIST_PAGE + 1)
    return render_template("portal/consents.html", tenant=tenant, rows=rows[:LIST_PAGE],
                           q=q or "", check=check, page=page, more=len(rows) > LIST_PAGE)


def _import(apply) -> Response:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list) \
            or not 1 <= len(data["rows"]) <= CHUNK_LIMIT:
        return jsonify({"error": {"code": "invalid_input",
                                  "message": f"send 1 to {CHUNK_LIMIT} rows"}}), 400
    first = data.get("first_row") if isinstance(data.get("first_row"), int) else 1
    rows = []
    for i, raw in enumerate(data["rows"]):
        raw = raw if isinstance(raw, dict) else {}
        row = lists.Row(first + i, str(raw.get("number", ""))[:64])
        row.extra = {k: str(v)[:500] for k, v in raw.items() if k != "number" and v}
        rows.append(row)
    try:
        apply(rows)
        commit()
    except DomainError as exc:
        rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    return jsonify(lists.summary(rows))


@bp.post("/consents/import")
@login_required
def consent_import():
    """One chunk of a CSV import (the page posts chunks to show progress)."""
    tenant = _tenant()
    return _import(lambda rows: consents.grant(session(), actor(), tenant, rows,
                                               source=request.args.get("source"), now=now()))


@bp.post("/consents")
@login_required
def consent_add():
    """Add one number by hand."""
    tenant = _tenant()
    ok, report = form_action(lambda: consents.grant(
        session(), actor(), tenant, lists.rows_from_numbers([request.form.get("number", "")]),
        source=request.form.get("source") or None,
        evidence=request.form.get("evidence") or None, now=now()))
    if ok:
        row = report[0]
        flash(_("Consent recorded.") if row.status == "valid"
              else _("Not added: %(reason)s.", reason=row.reason),
              "success" if row.status == "valid" else "error")
    return redirect(url_for("portal.consent_list"))


@bp.post("/consents/revoke")
@login_required
def consent_revoke():
    """Withdraw a number's consent."""
    tenant = _tenant()
    ok, _result = form_action(lambda: consents.revoke(session(), actor(), tenant,
                                                request.form.get("number", ""), now=now()))
    if ok:
        flash(_("Consent revoked: calls to this number are now refused."), "success")
    return redirect(url_for("portal.consent_list"))


@bp.post("/check")
@login_required
def check():
    """Would a call to this number be allowed now?"""
    tenant = _tenant()
    decision = compliance.check(session(), tenant, request.form.get("to", ""), now(),
                                compliance_policy())
    return _consents_page(tenant, None,
                          {"to": request.form.get("to", ""), "decision": decision})


@bp.get("/dnc")
@login_required
def dnc_list():
    """The tenant's do-not-call list."""
    tenant = _tenant()
    q = request.args.get("q", "").strip() or None
    page = page_number()
    rows = dnc.search(session(), tenant.id, q=q, offset=(page - 1) * LIST_PAGE,
                      limit=LIST_PAGE + 1)
    return render_template("portal/dnc.html", tenant=tenant, q=q or "",
                           rows=rows[:LIST_PAGE], page=page, more=len(rows) > LIST_PAGE)


@bp.post("/dnc/import")
@login_required
def dnc_import():
    """One chunk of a do-not-call CSV import."""
    tenant = _tenant()
    return _import(lambda rows: dnc.add(session(), actor(), tenant.id, rows, now=now()))


@bp.post("/dnc")
@login_required
def dnc_change():
    """Add or remove one number."""
    tenant = _tenant()
    ok, message = form_action(lambda: change_dnc(tenant.id))
    if ok:
        flash(message, "success")
    return redirect(url_for("portal.dnc_list"))


@bp.route("/scripts", methods=["GET", "POST"])
@login_required
def script_list():
    """Submit scripts and see their status and any prohibited content found."""
    tenant = _tenant()
    if request.method == "POST":
        ok, script = form_action(lambda: scripts.submit(
            session(), actor(), tenant, request.form.get("title", ""),
            request.form.get("text", ""), now=now()))
        if ok:
            if script.status == "approved":
                flash(_("Script approved: it passed the content check."), "success")
            elif script.status == "rejected":
                flash(_("Script rejected: the content check found prohibited content "
                        "(see the reasons below)."), "error")
            else:
                flash(_("The content check found terms that need an admin's review."), "error")
            return redirect(url_for("portal.script_list"))
    return render_template("portal/scripts.html", tenant=tenant,
                           rows=scripts.for_tenant(session(), tenant.id))
