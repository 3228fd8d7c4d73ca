"""Admin pages: the tenant list with search, the tenant page, top-ups, status, seats."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.money import parse_amount
from callcenter.domain.untrusted import ascii_digits
from callcenter.models import TENANT_STATUSES
from callcenter.services import (
    alerts,
    audit,
    billing,
    ledger_audit,
    tenant_list,
    topups,
)
from callcenter.services import ledger as ledger_service
from callcenter.services import seats as seat_service
from callcenter.services import tenants as tenant_service
from callcenter.web.common import audit_view
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    commit,
    form_action,
    manual_topup_limit,
    now,
    rollback,
    session,
)
from callcenter.web.common.filters import money_text
from callcenter.web.common.i18n import _, ngettext
from callcenter.web.common.labels import label
from callcenter.web.common.params import page_number
from callcenter.web.pages.admin import bp
from callcenter.web.pages.shared import ledger_page

TENANT_PAGE = 50
AUDIT_PAGE = 20


@bp.get("/tenants")
@admin_required
def tenants():
    """All tenants with their money at a glance, searchable by name, account code or
    owner email, filtered and sorted in the database, a page at a time."""
    error = None
    try:
        query = tenant_list.parse_query(request.args)
    except InvalidInput as exc:
        error, query = exc.message, tenant_list.Query()
    page = page_number()
    rows, more = tenant_list.page(session(), actor(), query, now=now(),
                                  offset=(page - 1) * TENANT_PAGE, limit=TENANT_PAGE)
    alerts = ledger_audit.recent_alerts(session(), since=now() - timedelta(days=7))
    return render_template("admin/tenants.html", rows=rows, query=query, page=page,
                           more=more, error=error, statuses=TENANT_STATUSES,
                           ledger_alerts=alerts)


@bp.get("/tenants/<int:tenant_id>")
@admin_required
def tenant(tenant_id: int):
    """One tenant: balances, settings, ledger, audit trail, every admin action."""
    return _tenant_page(acting_tenant(tenant_id))


def _tenant_page(t, *, errors: dict | None = None, topup_form=None):
    """The tenant page, with a refused form's error beside it and its input kept."""
    rows = audit.for_tenant(session(), t.id, limit=AUDIT_PAGE + 1,
                            offset=(page_number() - 1) * AUDIT_PAGE)
    return render_template(
        "admin/tenant.html", tenant=t,
        entries=ledger_service.entries_between(session(), t.id, limit=20),
        audit_rows=audit_view.readable(session(), rows[:AUDIT_PAGE], t.currency),
        audit_more=len(rows) > AUDIT_PAGE, page=page_number(),
        alerts=alerts.for_tenant(session(), actor(), t.id, limit=10),
        plan=tenant_service.rate_plan_at(session(), t.id, now()),
        seats=seat_service.list_seats(session(), t.id),
        billing=billing.summary(session(), t), errors=errors or {},
        topup_form=topup_form or {},
        max_topup=manual_topup_limit(),
        request_key=uuid.uuid4().hex,  # a double-submitted form provisions once
    )


@bp.get("/tenants/<int:tenant_id>/ledger")
@admin_required
def tenant_ledger(tenant_id: int):
    """All of a tenant's ledger, a page at a time, filtered by the tenant's local dates."""
    return ledger_page(acting_tenant(tenant_id),
                       back=url_for("admin.tenant", tenant_id=tenant_id))


def _back(tenant_id: int):
    return redirect(url_for("admin.tenant", tenant_id=tenant_id))


@bp.post("/tenants/<int:tenant_id>/topups")
@admin_required
def topup(tenant_id: int):
    """Record a bank transfer: first a confirmation showing the amount, then the credit."""
    t = acting_tenant(tenant_id)
    form = request.form
    try:
        amount = parse_amount(form.get("amount", ""), field="amount")
        topups.check_manual_amount(amount, manual_topup_limit())
        if not (form.get("reference") or "").strip():
            raise InvalidInput(_("Enter the bank's reference of the transfer."),
                               details={"field": "reference"})
    except InvalidInput as exc:
        return _tenant_page(t, errors={"topup": exc.message}, topup_form=form), 400
    if form.get("confirmed") != "1":
        return render_template(
            "admin/confirm.html", tenant=t, heading=_("Confirm the bank transfer"),
            question=_("Credit this amount to %(name)s's balance?", name=t.name),
            amount_micros=amount, danger=False, button=_("Credit the balance"),
            facts=[(_("Bank reference"), form.get("reference", "").strip()),
                   (_("Memo"), form.get("memo") or "-"),
                   (_("Balance after"), money_text(t.balance_micros + amount, t.currency))],
            hidden={k: form.get(k, "") for k in ("amount", "reference", "memo")},
            action=url_for("admin.topup", tenant_id=t.id))
    ok, posting = form_action(lambda: topups.record_bank_transfer(
        session(), actor(), t, amount, form.get("reference"), now=now(),
        memo=form.get("memo") or None, max_micros=manual_topup_limit()))
    if ok:
        if posting.created:
            flash(_("Top-up recorded."), "success")
        else:
            flash(_("That transfer was already recorded."), "info")
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
    try:
        action(session(), actor(), t, request.form.get("reason", ""), now=now())
        commit()
    except DomainError as exc:
        rollback()
        return _tenant_page(t, errors={"status": exc.message}), 400
    flash(_("The tenant is now %(status)s.", status=label(t.status)), "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/seats")
@admin_required
def provision_seats(tenant_id: int):
    """Provision seats (a count, or one labelled seat): first a confirmation showing the
    prorated rent to be charged, then the seats."""
    t = acting_tenant(tenant_id)
    form = request.form
    label = form.get("label", "").strip()
    count = form.get("count", "").strip()
    try:
        if not label and count and not ascii_digits(count):
            raise InvalidInput(_("Enter the number of seats as a whole number."),
                               details={"field": "count"})
        number = None if label or not count else int(count)
        q = seat_service.quote(session(), t, now=now(), count=number, label=label or None)
        seats, per_seat, period = len(q.labels), q.per_seat_micros, q.period
    except DomainError as exc:
        return _tenant_page(t, errors={"seats": exc.message}), 400
    if form.get("confirmed") != "1":
        return render_template(
            "admin/confirm.html", tenant=t, heading=_("Confirm the seats"),
            question=_("Provision %(n)s seat(s) for %(name)s and charge the prorated rent now?",
                       n=seats, name=t.name),
            amount_micros=per_seat * seats, danger=False,
            button=_("Provision and charge"),
            facts=[(_("Per seat"), money_text(per_seat, t.currency)),
                   (_("Period"), f"{period.start} – {period.end}"),
                   (_("Available now"), money_text(t.available_micros, t.currency))],
            hidden={"label": label, "count": count,
                    "request_key": form.get("request_key", "")},
            action=url_for("admin.provision_seats", tenant_id=t.id))
    ok, made = form_action(lambda: seat_service.provision(
        session(), actor(), t, now=now(), label=label or None, count=number,
        request_key=form.get("request_key") or None))
    if ok:
        flash(ngettext("%(num)d seat provisioned.", "%(num)d seats provisioned.", len(made)),
              "success")
    return _back(tenant_id)


@bp.post("/tenants/<int:tenant_id>/seats/<int:seat_id>/release")
@admin_required
def release_seat(tenant_id: int, seat_id: int):
    """Release a seat; it stops working at once."""
    t = acting_tenant(tenant_id)
    seat = seat_service.release(session(), actor(), t, seat_id, now=now())
    commit()
    flash(_("%(label)s released.", label=seat.label), "success")
    return _back(tenant_id)
