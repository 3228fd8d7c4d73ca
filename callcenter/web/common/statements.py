"""A month's statement as the API, the pages and the downloads show it: JSON, CSV, PDF."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from zoneinfo import ZoneInfo

from flask import Response

from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import format_amount
from callcenter.services import statements
from callcenter.services.statements import MonthStatement
from callcenter.web.common.context import actor, now, session
from callcenter.web.common.filters import local_time
from callcenter.web.common.responses import csv_response
from callcenter.web.common.statement_pdf import pdf_response

FORMATS = ("json", "csv", "pdf")
CSV_HEADER = ["date", "kind", "description", "amount", "balance_after", "currency"]


def _at(moment, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def load(tenant_id: int, period: str) -> MonthStatement:
    """The acting user's view of the tenant's month (admin or owner)."""
    return statements.for_month(session(), actor(), tenant_id, period, now=now())


def as_json(st: MonthStatement) -> dict:
    """The contract's statement fields, plus the account, the bounds and the issue."""
    zone, currency = st.tenant.timezone, st.tenant.currency
    c = st.calls
    return {
        "period": str(st.period), "tenant_id": st.tenant.id,
        "account_code": st.tenant.account_code, "name": st.tenant.name,
        "currency": currency, "timezone": zone,
        "from": _at(st.start, zone), "to": _at(st.end, zone), "complete": st.complete,
        "issued_at": st.issued.issued_at.isoformat() if st.issued else None,
        **st.money(),
        "calls": {"placed": c.placed, "answered": c.answered, "minutes": c.minutes,
                  "billed_seconds": c.billed_seconds, "asr": c.asr,
                  "acd_seconds": c.acd_seconds},
        "sms": asdict(st.sms),
        "lines": [{"at": _at(e.created_at, zone), "kind": e.kind,
                   "amount": format_amount(e.amount_micros),
                   "balance_after": format_amount(e.balance_after_micros),
                   "description": statements.description(e)} for e in st.lines],
    }


def csv_rows(st: MonthStatement) -> Iterator[list[str]]:
    """The month's entries between an opening and a closing balance row."""
    zone, currency = st.tenant.timezone, st.tenant.currency
    yield [_at(st.start, zone), "opening_balance", "Opening balance", "",
           format_amount(st.opening), currency]
    for e in st.lines:
        yield [_at(e.created_at, zone), e.kind, statements.description(e),
               format_amount(e.amount_micros), format_amount(e.balance_after_micros),
               currency]
    yield [_at(st.end, zone), "closing_balance", "Closing balance", "",
           format_amount(st.closing), currency]


def file_response(st: MonthStatement, fmt: str) -> Response:
    """The statement as a CSV or PDF download."""
    if fmt == "csv":
        name = f"statement-{st.tenant.account_code or st.tenant.id}-{st.period}.csv"
        return csv_response(CSV_HEADER, csv_rows(st), name)
    if fmt == "pdf":
        return pdf_response(st, generated=local_time(now(), st.tenant.timezone))
    raise InvalidInput("format must be json, csv or pdf", details={"field": "format"})
