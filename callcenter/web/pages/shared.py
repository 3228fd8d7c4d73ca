"""Page helpers both audiences use: the call log view, do-not-call form changes, and
the statement pages."""

from __future__ import annotations

from flask import flash, render_template, request, url_for

from callcenter.domain.errors import InvalidInput
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.models import CALL_STATUSES, Tenant
from callcenter.services import call_log, dnc, statements
from callcenter.services import ledger as ledger_service
from callcenter.services import number_lists as lists
from callcenter.services import seats as seat_service
from callcenter.web.common.context import actor, now, session
from callcenter.web.common.i18n import _
from callcenter.web.common.params import date_range, page_number
from callcenter.web.common.responses import csv_response
from callcenter.web.common.statements import file_response, load

PAGE = 100


def call_log_page(tenant: Tenant, template: str, **extra):
    """A tenant's calls with filters, newest first, a page at a time (or all as CSV)."""
    who = actor()
    try:
        filters = call_log.parse_filter(request.args, tenant.timezone)
    except InvalidInput as exc:
        flash(exc.message, "error")
        filters = call_log.CallFilter(zone=tenant.timezone)
    if request.args.get("format") == "csv":
        rows = call_log.iter_all(session(), who, tenant.id, filters)
        return csv_response(call_log.CSV_HEADER, (call_log.csv_row(c) for c in rows),
                            f"calls-{tenant.account_code}.csv")
    raw = request.args.get("before", "")
    before = int(raw) if ascii_digits(raw) and int(raw) <= MAX_ID else None
    rows = call_log.calls(session(), who, tenant.id, filters, before_id=before,
                          limit=PAGE + 1)
    return render_template(template, tenant=tenant, calls=rows[:PAGE],
                           more=rows[PAGE - 1].id if len(rows) > PAGE else None,
                           filters=filters, statuses=CALL_STATUSES,
                           totals=call_log.totals(session(), who, tenant.id, filters),
                           seats=seat_service.seats_of_agent(session(), who.user_id)
                           if who.role == "agent"
                           else seat_service.list_seats(session(), tenant.id), **extra)


def change_dnc(tenant_id: int | None) -> str:
    """Add or remove the form's number on a do-not-call list (None: the platform's);
    what to tell the person."""
    number = request.form.get("number", "")
    if request.form.get("action") == "remove":
        dnc.remove(session(), actor(), tenant_id, number)
        return (_("Removed from the platform do-not-call list.") if tenant_id is None
                else _("Removed from the do-not-call list."))
    row = dnc.add(session(), actor(), tenant_id, lists.rows_from_numbers([number]),
                  reason=request.form.get("reason") or None, now=now())[0]
    if row.status != "valid":
        raise InvalidInput(_("Not added: %(reason)s.", reason=row.reason))
    return (_("Added to the platform do-not-call list.") if tenant_id is None
            else _("Added to the do-not-call list."))


def statement_list_page(tenant: Tenant, template: str, endpoint: str, **args):
    """The months with a statement, newest first, each linked (`endpoint` shows one)."""
    rows = statements.months(session(), actor(), tenant.id, now=now())
    months = [{"period": str(p), "issued": issued,
               "url": url_for(endpoint, period=str(p), **args)} for p, issued in rows]
    return render_template(template, tenant=tenant, months=months)


def statement_page(tenant: Tenant, period: str, template: str, **extra):
    """One month's statement as a page, or as CSV / PDF with `?format=`."""
    st = load(tenant.id, period)
    fmt = request.args.get("format")
    if fmt:
        return file_response(st, fmt)
    return render_template(template, tenant=tenant, st=st, **extra)


LEDGER_PAGE = 50


def ledger_page(tenant: Tenant, *, back: str):
    """A tenant's ledger, newest first by time, LEDGER_PAGE a page, `from`/`to` local days."""
    error = None
    try:
        first, last, since, until = date_range(tenant.timezone)
    except InvalidInput as exc:
        error, first, last, since, until = exc.message, None, None, None, None
    page = page_number()
    rows = ledger_service.entries_between(session(), tenant.id, since=since, until=until,
                                          offset=(page - 1) * LEDGER_PAGE,
                                          limit=LEDGER_PAGE + 1)
    return render_template("ledger.html", tenant=tenant, entries=rows[:LEDGER_PAGE],
                           page=page, more=len(rows) > LEDGER_PAGE, first=first, last=last,
                           error=error, args=request.args, back=back)
