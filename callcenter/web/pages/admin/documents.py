"""Admin pages: a tenant's invoices and credit notes (PDFs, fapiao numbers), and the
service credit and adjustment forms, each confirmed on a second page showing the amount."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.money import format_amount, parse_amount
from callcenter.services import credits, invoices
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    form_action,
    now,
    session,
)
from callcenter.web.common.documents import pdf_response
from callcenter.web.common.i18n import _
from callcenter.web.pages.admin import bp


@bp.get("/tenants/<int:tenant_id>/invoices")
@admin_required
def tenant_invoices(tenant_id: int):
    """The tenant's invoices and credit notes, with PDFs and the fapiao form."""
    t = acting_tenant(tenant_id)
    return render_template(
        "admin/invoices.html", tenant=t,
        invoices=invoices.list_for(session(), actor(), t.id),
        notes=credits.credit_notes(session(), t.id),
        invoice_url=lambda n: url_for("admin.invoice_pdf", tenant_id=t.id, number=n),
        note_url=lambda n: url_for("admin.credit_note_pdf", tenant_id=t.id, number=n),
        fapiao_url=lambda n: url_for("admin.record_fapiao", tenant_id=t.id, number=n))


@bp.get("/tenants/<int:tenant_id>/invoices/<number>")
@admin_required
def invoice_pdf(tenant_id: int, number: str):
    """One invoice as PDF."""
    t = acting_tenant(tenant_id)
    return pdf_response(invoices.get(session(), actor(), t.id, number), zone=t.timezone)


@bp.get("/tenants/<int:tenant_id>/credit-notes/<number>")
@admin_required
def credit_note_pdf(tenant_id: int, number: str):
    """One credit note as PDF."""
    t = acting_tenant(tenant_id)
    return pdf_response(credits.credit_note(session(), t.id, number), zone=t.timezone)


@bp.post("/tenants/<int:tenant_id>/invoices/<number>/fapiao")
@admin_required
def record_fapiao(tenant_id: int, number: str):
    """Record the official fapiao number of an invoice (audited)."""
    t = acting_tenant(tenant_id)
    ok, _inv = form_action(lambda: invoices.record_fapiao(
        session(), actor(), t.id, number, request.form.get("fapiao_number", ""), now=now()))
    if ok:
        flash(_("Fapiao number recorded on %(number)s.", number=number), "success")
    return redirect(url_for("admin.tenant_invoices", tenant_id=t.id))


def _signed(value: str) -> int:
    value = value.strip()
    negative = value.startswith("-")
    micros = parse_amount(value[1:] if negative else value)
    return -micros if negative else micros


def _review(t, kind: str):
    """Parse the form; on a bad value flash it and go back, else show the confirmation."""
    form = request.form
    try:
        amount = _signed(form.get("amount", "")) if kind == "adjustment" else parse_amount(
            form.get("amount", ""))
        reason = form.get("reason", "").strip()
        if not reason:
            raise InvalidInput("reason is required", details={"field": "reason"})
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.tenant", tenant_id=t.id))
    return render_template("admin/credit_confirm.html", tenant=t, kind=kind, amount=amount,
                           amount_text=format_amount(amount), reason=reason,
                           reference=form.get("reference", "").strip(),
                           balance_after=t.balance_micros + amount,
                           request_key=uuid.uuid4().hex)


@bp.post("/tenants/<int:tenant_id>/credits")
@admin_required
def grant_credit(tenant_id: int):
    """First post: the confirmation page; confirmed: grant once (the form's key)."""
    t = acting_tenant(tenant_id)
    if request.form.get("confirm") != "1":
        return _review(t, "credit")
    key = request.form.get("request_key", "")[:64] or None
    ok, note = form_action(lambda: credits.grant_credit(
        session(), actor=actor(), tenant_id=t.id,
        amount_micros=parse_amount(request.form.get("amount", "")),
        reason=request.form.get("reason", ""), reference=request.form.get("reference") or None,
        now=now(), idempotency_key=f"form:{key}" if key else None))
    if ok:
        flash(_("Credit granted: credit note %(number)s.", number=note.number), "success")
    return redirect(url_for("admin.tenant", tenant_id=t.id))


@bp.post("/tenants/<int:tenant_id>/adjustments")
@admin_required
def post_adjustment(tenant_id: int):
    """First post: the confirmation page; confirmed: post the adjustment."""
    t = acting_tenant(tenant_id)
    if request.form.get("confirm") != "1":
        return _review(t, "adjustment")
    key = request.form.get("request_key", "")[:64] or None
    ok, _entry = form_action(lambda: credits.post_adjustment(
        session(), actor=actor(), tenant_id=t.id,
        amount_micros=_signed(request.form.get("amount", "")),
        reason=request.form.get("reason", ""), now=now(),
        idempotency_key=f"form:{key}" if key else None))
    if ok:
        flash(_("Adjustment posted."), "success")
    return redirect(url_for("admin.tenant", tenant_id=t.id))
