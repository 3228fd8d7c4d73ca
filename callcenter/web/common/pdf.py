"""The settlement as a PDF (fpdf2) in the CJK font of fonts.py, so a Chinese tenant name
or memo prints as itself; with the platform's bank details for transfers."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF

from callcenter.domain.money import format_amount
from callcenter.models import Tenant, Termination, TerminationLine
from callcenter.web.common.filters import platform_bank
from callcenter.web.common.fonts import printable, use_font


def build(tenant: Tenant, term: Termination, lines: list[TerminationLine],
          bank: dict | None = None) -> bytes:
    """Render the settlement: header, totals, one row per line with its state, and the
    platform's bank account (`bank`, from PLATFORM_BANK_*) when configured."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    family = use_font(pdf)
    pdf.set_title(f"Final settlement {tenant.account_code or tenant.id}")
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 9, printable(f"Final settlement - {tenant.name} "
                                   f"({tenant.account_code})", family),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    settled = term.settled_at.strftime("%Y-%m-%d %H:%M UTC") if term.settled_at else "-"
    for label, value in (("Reason", term.reason.replace("_", " ")), ("Settled", settled),
                         ("Currency", term.currency),
                         ("Remaining balance", format_amount(term.balance_micros)),
                         ("Unused seat rent credited", format_amount(term.seat_credit_micros)),
                         ("Arrears paid", format_amount(term.arrears_micros))):
        pdf.cell(60, 6, printable(label, family))
        pdf.cell(0, 6, printable(value, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 28, 22, 110)
    pdf.set_font(family, "B", 9)
    for width, title in zip(widths, ("Line", "Amount", "State", "Details"), strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    pdf.set_font(family, "", 9)
    for line in lines:
        details = line.memo or ""
        if line.bank_reference:
            details += f" (bank ref {line.bank_reference})"
        if line.failure_message:
            details += f" - {line.failure_message}"
        cells = (line.kind.replace("_", " "), format_amount(line.amount_micros),
                 line.status, details[:80])
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 7, printable(value, family), border=1)
        pdf.ln()
    pdf.ln(4)
    pdf.set_font(family, "B", 10)
    pdf.cell(0, 6, "Bank transfers", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    if bank:
        rows = [("Bank", bank["name"]), ("Account holder", bank["holder"]),
                ("Account number", bank["account"])]
        if bank.get("swift"):
            rows.append(("SWIFT / BIC", bank["swift"]))
        rows.append(("Reference", tenant.account_code or str(tenant.id)))
        pdf.cell(0, 5, "Transfers to the platform go to:", new_x="LMARGIN", new_y="NEXT")
        for label, value in rows:
            pdf.cell(40, 5, printable(label, family))
            pdf.cell(0, 5, printable(value, family), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(0, 5, printable("Transfers to the platform quote the account code "
                                 f"{tenant.account_code}.", family),
                 new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(tenant: Tenant, term: Termination, lines: list[TerminationLine]):
    """The PDF as a download."""
    data = build(tenant, term, lines, platform_bank())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"settlement-{tenant.account_code or tenant.id}.pdf")
