"""The owner's invoices and credit notes, with their PDFs."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import login_required

from callcenter.services import credits, invoices
from callcenter.web.common.context import actor, own_tenant, session
from callcenter.web.common.documents import pdf_response
from callcenter.web.pages.portal import bp

OWNER = ("owner",)


@bp.get("/invoices")
@login_required
def invoices_page():
    """Every invoice and credit note of the tenant, newest first."""
    t = own_tenant(roles=OWNER)
    return render_template(
        "portal/invoices.html", tenant=t,
        invoices=invoices.list_for(session(), actor(), t.id),
        notes=credits.credit_notes(session(), t.id),
        invoice_url=lambda n: url_for("portal.invoice_pdf", number=n),
        note_url=lambda n: url_for("portal.credit_note_pdf", number=n))


@bp.get("/invoices/<number>")
@login_required
def invoice_pdf(number: str):
    """One invoice as PDF."""
    t = own_tenant(roles=OWNER)
    return pdf_response(invoices.get(session(), actor(), t.id, number), zone=t.timezone)


@bp.get("/credit-notes/<number>")
@login_required
def credit_note_pdf(number: str):
    """One credit note as PDF."""
    t = own_tenant(roles=OWNER)
    return pdf_response(credits.credit_note(session(), t.id, number), zone=t.timezone)
