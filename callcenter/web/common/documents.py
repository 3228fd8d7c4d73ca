"""Invoices and credit notes as the API and the pages show them: JSON and PDF.

The PDF is laid out like the statement's (fpdf2 with the CJK font of fonts.py, so a
Chinese legal name or address prints as itself); its labels are in the language of whoever
downloads it."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF

from callcenter.domain.invoicing import format_rate
from callcenter.domain.money import format_amount
from callcenter.models import CreditNote, Invoice
from callcenter.web.common.filters import local_time
from callcenter.web.common.fonts import printable, use_font
from callcenter.web.common.i18n import _
from callcenter.web.common.statement_pdf import HEADING


def _party(details: dict) -> dict:
    return {"name": details.get("name") or "", "tax_id": details.get("tax_id") or "",
            "address": details.get("address") or ""}


def invoice_json(inv: Invoice) -> dict:
    """The contract's invoice fields, plus the parties and the period."""
    out = {
        "number": inv.number, "issued_at": inv.issued_at.isoformat(), "kind": inv.kind,
        "period": inv.period, "currency": inv.currency, "net": format_amount(inv.net_micros),
        "tax": format_amount(inv.tax_micros), "gross": format_amount(inv.gross_micros),
        "tax_rate": format_rate(inv.tax_rate_ppm),
        "lines": [{"description": line["description"],
                   "amount": format_amount(line["amount_micros"])} for line in inv.lines],
        "seller": _party(inv.seller), "buyer": _party(inv.buyer),
        "ledger_entry_id": inv.ledger_entry_id,
    }
    if inv.fapiao_number:
        out["fapiao_number"] = inv.fapiao_number
    return out


def credit_note_json(note: CreditNote) -> dict:
    """A credit note: number, amounts, reason, reference and its ledger entry."""
    return {
        "number": note.number, "issued_at": note.issued_at.isoformat(),
        "currency": note.currency, "net": format_amount(note.net_micros),
        "tax": format_amount(note.tax_micros), "gross": format_amount(note.gross_micros),
        "tax_rate": format_rate(note.tax_rate_ppm), "reason": note.reason,
        "reference": note.reference, "ledger_entry_id": note.ledger_entry_id,
        "seller": _party(note.seller), "buyer": _party(note.buyer),
    }


def _block(pdf: FPDF, family: str, title: str, details: dict) -> None:
    pdf.set_font(family, "B", 10)
    pdf.cell(0, 6, printable(title, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    p = _party(details)
    for line in (p["name"], _("Tax ID %(id)s", id=p["tax_id"]) if p["tax_id"] else "",
                 p["address"]):
        if line:
            pdf.multi_cell(0, 5, printable(line, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def build(doc: Invoice | CreditNote, *, zone: str) -> bytes:
    """Render an invoice or a credit note."""
    is_invoice = isinstance(doc, Invoice)
    title = (_("Invoice %(number)s", number=doc.number) if is_invoice
             else _("Credit note %(number)s", number=doc.number))
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    family = use_font(pdf)
    pdf.set_title(title)
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, printable(title, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    facts = [_("Issued %(at)s", at=local_time(doc.issued_at, zone)),
             _("Currency %(currency)s", currency=doc.currency)]
    if is_invoice and doc.period:
        facts.append(_("Usage of %(period)s", period=doc.period))
    if is_invoice and doc.fapiao_number:
        facts.append(_("Fapiao (发票) number %(number)s", number=doc.fapiao_number))
    if not is_invoice:
        facts.append(_("Reason: %(reason)s", reason=doc.reason))
        if doc.reference:
            facts.append(_("Reference: %(reference)s", reference=doc.reference))
    for line in facts:
        pdf.multi_cell(0, 5, printable(line, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _block(pdf, family, _("Seller"), doc.seller)
    _block(pdf, family, _("Customer"), doc.buyer)
    lines = doc.lines if is_invoice else [{"description": _("Service credit: %(reason)s",
                                                             reason=doc.reason),
                                           "amount_micros": doc.gross_micros}]
    widths = (130, 50)
    pdf.set_font(family, "", 9)
    with pdf.table(col_widths=widths, width=sum(widths), headings_style=HEADING,
                   text_align=("LEFT", "RIGHT"), borders_layout="HORIZONTAL_LINES") as table:
        head = table.row()
        head.cell(printable(_("Description"), family))
        head.cell(printable(_("Amount (tax incl.)"), family))
        for line in lines:
            row = table.row()
            row.cell(printable(line["description"], family))
            row.cell(format_amount(line["amount_micros"]))
        for label, value in ((_("Net"), doc.net_micros),
                             (_("Tax (%(rate)s)", rate=format_rate(doc.tax_rate_ppm)),
                              doc.tax_micros),
                             (_("Total"), doc.gross_micros)):
            row = table.row()
            row.cell(printable(label, family))
            row.cell(f"{format_amount(value)} {doc.currency}")
    return bytes(pdf.output())


def pdf_response(doc: Invoice | CreditNote, *, zone: str):
    """The document's PDF as a download named after its number."""
    return send_file(io.BytesIO(build(doc, zone=zone)), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{doc.number}.pdf")
