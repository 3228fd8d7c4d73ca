"""The monthly statement as a PDF laid out for printing (fpdf2, the CJK font of fonts.py):
the account and the period, the summary, call and SMS figures, then every entry. Labels,
dates and amounts in the language of whoever downloads it."""

from __future__ import annotations

import io

from flask import send_file
from fpdf import FPDF
from fpdf.fonts import FontFace

from callcenter.services.statements import MonthStatement, description
from callcenter.web.common.filters import local_date, local_time, money
from callcenter.web.common.fonts import printable, use_font
from callcenter.web.common.i18n import _
from callcenter.web.common.i18n import lazy_gettext as _l
from callcenter.web.common.labels import label

SUMMARY = (("opening", _l("Opening balance")), ("topups", _l("Top-ups")),
           ("refunds", _l("Refunds")), ("call_charges", _l("Call charges")),
           ("sms_charges", _l("SMS charges")), ("seat_rent", _l("Seat rent")),
           ("late_fees", _l("Late fees")), ("credits", _l("Service credits")),
           ("adjustments", _l("Adjustments")), ("closing", _l("Closing balance")))
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
    title = _("Statement %(period)s", period=st.period)
    pdf.set_title(title)
    pdf.set_font(family, "B", 16)
    pdf.cell(0, 9, printable(title, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 12)
    pdf.cell(0, 7, printable(t.name, family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for line in (_("Account %(code)s", code=t.account_code or t.id),
                 _("Currency %(currency)s", currency=t.currency),
                 _("From %(first)s to %(last)s (%(zone)s)", first=local_date(st.period.first_day),
                   last=local_date(st.period.last_day), zone=zone),
                 _("Generated %(at)s", at=generated) if st.complete
                 else _("Generated %(at)s (month in progress)", at=generated)):
        pdf.cell(0, 5, printable(line, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    totals = {"opening": st.opening, "closing": st.closing, **st.totals}
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, printable(_("Summary"), family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    _pairs(pdf, family, [(str(name), money(totals[key], precise=True))
                         for key, name in SUMMARY])
    pdf.ln(3)
    c = st.calls
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, printable(_("Calls and messages"), family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    _pairs(pdf, family, [(_("Calls placed"), str(c.placed)),
                         (_("Calls answered"), str(c.answered)),
                         (_("Answer rate (ASR)"), c.asr), (_("Billed minutes"), c.minutes),
                         (_("Average call (ACD), seconds"), str(c.acd_seconds)),
                         (_("SMS messages"), str(st.sms.messages)),
                         (_("SMS segments"), str(st.sms.segments)),
                         (_("SMS delivered"), str(st.sms.delivered)),
                         (_("SMS failed"), str(st.sms.failed))])
    pdf.ln(3)
    pdf.set_font(family, "B", 11)
    pdf.cell(0, 7, printable(_("Entries"), family), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 8)
    widths = (28, 22, 70, 20, 20)
    with pdf.table(col_widths=widths, width=sum(widths), headings_style=HEADING,
                   text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
                   borders_layout="HORIZONTAL_LINES") as table:
        head = table.row()
        for heading in (_("Date"), _("Kind"), _("Description"), _("Amount"), _("Balance after")):
            head.cell(printable(heading, family))
        for e in st.lines:
            row = table.row()
            for value in (local_time(e.created_at, zone), label(e.kind),
                          description(e), money(e.amount_micros, precise=True),
                          money(e.balance_after_micros, precise=True)):
                row.cell(printable(value, family))
    if not st.lines:
        pdf.cell(0, 6, printable(_("No entries this month."), family), new_x="LMARGIN",
                 new_y="NEXT")
    return bytes(pdf.output())


def pdf_response(st: MonthStatement, *, generated: str):
    """The statement PDF as a download."""
    data = build(st, generated=generated)
    name = f"statement-{st.tenant.account_code or st.tenant.id}-{st.period}.pdf"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=name)
