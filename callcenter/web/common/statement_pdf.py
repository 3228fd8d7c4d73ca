"""The monthly statement as a PDF laid out for printing (fpdf2, the CJK font of fonts.py):
the account and the period, the summary, call and SMS figures, then every entry."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF
from fpdf.fonts import FontFace

from callcenter.domain.money import format_amount
from callcenter.services.statements import MonthStatement, description
from callcenter.web.common.filters import local_time
from callcenter.web.common.fonts import printable, use_font

SUMMARY = (("opening_balance", "Opening balance"), ("topups", "Top-ups"),
           ("refunds", "Refunds"), ("call_charges", "Call charges"),
           ("sms_charges", "SMS charges"), ("seat_rent", "Seat rent"),
           ("late_fees", "Late fees"), ("credits", "Service credits"),
           ("adjustments", "Adjustments"),
           ("closing_balance", "Closing balance"))
HEADING = FontFace(emphasis="BOLD", fill_color=(235, 238, 242))


def _pairs(pdf: FPDF, family: str, rows: list[tuple[str, str]], widths=(70, 50)) -> None:
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT",
                   first_row_as_headings=False, text_align=("LEFT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES") as table:
        for label, value in rows:
            row = table.row()
            row.cell(printable(label, family))
            row.cell(printable(value, family))


def build(st: MonthStatement, *, generated: str) -> bytes:
    """Render the statement."""
    t, zone = st.tenant, st.tenant.timezone
    pdf = FPDF(format="A4")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    family = use_font(pdf)
    pdf.set_title(f"Statement {st.period}")
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, printable(f"Statement {st.period}", family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 12)
    pdf.cell(0, 7, printable(t.name, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for line in (f"Account {t.account_code or t.id}", f"Currency {t.currency}",
                 f"From {st.period.first_day} to {st.period.last_day} ({zone})",
                 f"Generated {generated}" + ("" if st.complete else " (month in progress)")):
        pdf.cell(0, 5, printable(line, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    money = st.money()
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, "Summary", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    _pairs(pdf, family, [(label, money[key]) for key, label in SUMMARY])
    pdf.ln(3)
    c = st.calls
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, "Calls and messages", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    _pairs(pdf, family, [("Calls placed", str(c.placed)), ("Calls answered", str(c.answered)),
                         ("Answer rate (ASR)", c.asr), ("Billed minutes", c.minutes),
                         ("Average call (ACD), seconds", str(c.acd_seconds)),
                         ("SMS messages", str(st.sms.messages)),
                         ("SMS segments", str(st.sms.segments)),
                         ("SMS delivered", str(st.sms.delivered)),
                         ("SMS failed", str(st.sms.failed))])
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, "Entries", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    widths = (28, 22, 70, 20, 20)
    with pdf.table(col_widths=widths, width=sum(widths), headings_style=HEADING,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES") as table:
        head = table.row()
        for title in ("Date", "Kind", "Description", "Amount", "Balance after"):
            head.cell(title)
        for e in st.lines:
            row = table.row()
            for value in (local_time(e.created_at, zone), e.kind.replace("_", " "),
                          description(e), format_amount(e.amount_micros),
                          format_amount(e.balance_after_micros)):
                row.cell(printable(value, family))
    if not st.lines:
        pdf.cell(0, 6, "No entries this month.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(st: MonthStatement, *, generated: str):
    """The statement PDF as a download."""
    data = build(st, generated=generated)
    name = f"statement-{st.tenant.account_code or st.tenant.id}-{st.period}.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)
