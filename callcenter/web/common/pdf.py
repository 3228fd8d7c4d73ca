"""The settlement as a PDF (fpdf2) in the CJK font of fonts.py, so a Chinese tenant name
or memo prints as itself; with the platform's bank details for transfers. Labels and
amounts in the language of whoever downloads it."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF

from callcenter.models import Tenant, Termination, TerminationLine
from callcenter.web.common.filters import money, platform_bank
from callcenter.web.common.fonts import printable, use_font
from callcenter.web.common.i18n import _
from callcenter.web.common.labels import label


def build(tenant: Tenant, term: Termination, lines: list[TerminationLine],
          bank: dict | None = None) -> bytes:
    """Render the settlement: header, totals, one row per line with its state, and the
    platform's bank account (`bank`, from PLATFORM_BANK_*) when configured."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    family = use_font(pdf)

    def text(value: object) -> str:
        return printable(value, family)

    pdf.set_title(_("Final settlement %(code)s", code=tenant.account_code or tenant.id))
    pdf.set_font(family, "B", 15)
    pdf.multi_cell(0, 9, text(_("Final settlement - %(name)s (%(code)s)", name=tenant.name,
                                code=tenant.account_code)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    settled = term.settled_at.strftime("%Y-%m-%d %H:%M UTC") if term.settled_at else "-"
    for name, value in ((_("Reason"), label(term.reason)), (_("Settled"), settled),
                        (_("Currency"), term.currency),
                        (_("Remaining balance"), money(term.balance_micros, precise=True)),
                        (_("Unused seat rent credited"),
                         money(term.seat_credit_micros, precise=True)),
                        (_("Arrears paid"), money(term.arrears_micros, precise=True))):
        pdf.cell(60, 6, text(name))
        pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (30, 28, 22, 110)
    pdf.set_font(family, "B", 9)
    for width, title in zip(widths, (_("Line"), _("Amount"), _("State"), _("Details")),
                            strict=True):
        pdf.cell(width, 7, text(title), border=1)
    pdf.ln()
    pdf.set_font(family, "", 9)
    for line in lines:
        details = line.memo or ""
        if line.bank_reference:
            details += " " + _("(bank ref %(reference)s)", reference=line.bank_reference)
        if line.failure_message:
            details += f" - {line.failure_message}"
        cells = (label(line.kind), money(line.amount_micros, precise=True),
                 label(line.status), details[:80])
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 7, text(value), border=1)
        pdf.ln()
    pdf.ln(4)
    pdf.set_font(family, "B", 10)
    pdf.cell(0, 6, text(_("Bank transfers")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    if bank:
        rows = [(_("Bank"), bank["name"]), (_("Account holder"), bank["holder"]),
                (_("Account number"), bank["account"])]
        if bank.get("swift"):
            rows.append(("SWIFT / BIC", bank["swift"]))
        rows.append((_("Reference"), tenant.account_code or str(tenant.id)))
        pdf.cell(0, 5, text(_("Transfers to the platform go to:")), new_x="LMARGIN",
                 new_y="NEXT")
        for name, value in rows:
            pdf.cell(40, 5, text(name))
            pdf.cell(0, 5, text(value), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.cell(0, 5, text(_("Transfers to the platform quote the account code %(code)s.",
                              code=tenant.account_code)),
                 new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(tenant: Tenant, term: Termination, lines: list[TerminationLine]):
    """The PDF as a download."""
    data = build(tenant, term, lines, platform_bank())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"settlement-{tenant.account_code or tenant.id}.pdf")
