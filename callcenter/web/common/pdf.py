"""The settlement as a one-page PDF (fpdf2, built-in fonts)."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF

from callcenter.domain.money import format_amount
from callcenter.models import Tenant, Termination, TerminationLine


def _text(value: object) -> str:
    # The built-in PDF fonts cover Latin-1 only; anything else prints as "?".
    return str(value).encode("latin-1", "replace").decode("latin-1")


def build(tenant: Tenant, term: Termination, lines: list[TerminationLine]) -> bytes:
    """Render the settlement: header, totals, one row per line with its state."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 10, _text(f"Final settlement - {tenant.name} ({tenant.account_code})"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    settled = term.settled_at.strftime("%Y-%m-%d %H:%M UTC") if term.settled_at else "-"
    for label, value in (("Reason", term.reason.replace("_", " ")), ("Settled", settled),
                         ("Currency", term.currency),
                         ("Remaining balance", format_amount(term.balance_micros)),
                         ("Unused seat rent credited", format_amount(term.seat_credit_micros)),
                         ("Arrears paid", format_amount(term.arrears_micros))):
        pdf.cell(60, 6, _text(label))
        pdf.cell(0, 6, _text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 28, 22, 110)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(widths, ("Line", "Amount", "State", "Details"), strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in lines:
        details = line.memo or ""
        if line.bank_reference:
            details += f" (bank ref {line.bank_reference})"
        if line.failure_message:
            details += f" - {line.failure_message}"
        cells = (line.kind.replace("_", " "), format_amount(line.amount_micros),
                 line.status, details[:80])
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 7, _text(value), border=1)
        pdf.ln()
    return bytes(pdf.output())


def pdf_response(tenant: Tenant, term: Termination, lines: list[TerminationLine]):
    """The PDF as a download."""
    data = build(tenant, term, lines)
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"settlement-{tenant.account_code or tenant.id}.pdf")
