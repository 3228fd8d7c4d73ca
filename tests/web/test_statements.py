"""Monthly statements tie out to the ledger and to the calls table, in the tenant's
timezone; they come as JSON, CSV and PDF (Chinese names printed with a CJK font), stay
available after termination, and the billing run issues and mails them once a month."""

from __future__ import annotations

import csv
import io
import os
import re
import zlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Statement, Tenant
from callcenter.services import seats
from callcenter.web.common.fonts import cjk_font
from tests.factories import bearer
from tests.telephony import CONFIG, cdr_post
from tests.web.test_pages import _login

UK = "+442079460000"
NAME = "上海星辰外呼有限公司"


@pytest.fixture
def app_config(smtp):
    return {**CONFIG, **smtp.settings}


def _at(clock, *args) -> None:
    clock.now = datetime(*args, tzinfo=UTC)


def _call(client, admin: str, seat: str, clock, status: str, seconds: int, to: str = UK):
    info = client.post("/api/v1/calls/authorize", json={"seat_identity": seat, "to": to},
                       headers=bearer(admin)).get_json()
    if info["allowed"]:
        body = {"call_id": info["call_id"], "to": to, "duration_seconds": seconds,
                "status": status}
        assert cdr_post(client, body, at=clock()).status_code == 204


def _topup(client, admin: str, tid: int, amount: str, ref: str) -> None:
    assert client.post(f"/api/v1/tenants/{tid}/topups", headers=bearer(admin), json={
        "amount": amount, "method": "bank_transfer", "reference": ref}).status_code == 201


@pytest.fixture
def history(client, factory, clock, app):
    """A Shanghai tenant: February opening and rent, March with answered, unanswered,
    failed and refused calls, entries on both sides of the month's edges, April."""
    _at(clock, 2026, 2, 20, 2)  # 10:00 in Shanghai
    info = factory.tenant(name=NAME, timezone="Asia/Shanghai", balance="100.00",
                          rate="0.60", seat_price="31.00")
    with app.app_context():
        tenant = db.session.get(Tenant, info.id)
        tenant.consent_required = tenant.script_required = False
        seat = seats.provision(db.session, factory.admin_actor(), tenant, now=clock(),
                               count=1)[0].identity
        db.session.commit()
    admin = factory.admin_token()
    _at(clock, 2026, 2, 28, 16, 30)  # 1 March 00:30 in Shanghai: March
    _topup(client, admin, info.id, "20.00", "BANK-MAR")
    _at(clock, 2026, 3, 2, 10)  # 10:00 in London
    _call(client, admin, seat, clock, "completed", 42)
    _call(client, admin, seat, clock, "completed", 125)
    _call(client, admin, seat, clock, "no-answer", 0)
    _call(client, admin, seat, clock, "failed", 0)
    _call(client, admin, seat, clock, "completed", 60, to="12345")  # refused: invalid
    _at(clock, 2026, 3, 31, 15)  # 23:00 in Shanghai: still March
    _call(client, admin, seat, clock, "completed", 30)
    _at(clock, 2026, 3, 31, 16, 30)  # 1 April 00:30 in Shanghai: April
    _topup(client, admin, info.id, "5.00", "BANK-APR")
    _at(clock, 2026, 4, 10, 3)
    return info, admin


def _get(client, token, tid, period, fmt=None):
    query = f"?format={fmt}" if fmt else ""
    return client.get(f"/api/v1/tenants/{tid}/statements/{period}{query}",
                      headers=bearer(token))


def test_statement_figures_tie_out_to_the_ledger_and_the_calls_table(client, history, app):
    info, admin = history
    feb, mar, apr = (_get(client, admin, info.id, p).get_json()
                     for p in ("2026-02", "2026-03", "2026-04"))
    for st in (feb, mar, apr):
        lines = sum(Decimal(x["amount"]) for x in st["lines"])
        assert Decimal(st["closing_balance"]) == Decimal(st["opening_balance"]) + lines
        totals = sum(Decimal(st[k]) for k in ("topups", "refunds", "call_charges",
                                              "sms_charges", "seat_rent", "late_fees",
                                              "adjustments"))
        assert totals == lines
    assert feb["closing_balance"] == mar["opening_balance"]
    assert mar["closing_balance"] == apr["opening_balance"]
    assert apr["complete"] is False and mar["complete"] is True
    assert feb["opening_balance"] == "0.00" and feb["topups"] == "100.00"
    assert feb["seat_rent"] == "-31.00"  # the first period, anchored on 20 February
    assert mar["topups"] == "20.00" and mar["call_charges"] == "-3.00"
    assert apr["topups"] == "5.00" and apr["lines"][0]["at"] == "2026-04-01T00:30:00+08:00"
    assert mar["from"] == "2026-03-01T00:00:00+08:00" and mar["currency"] == "USD"
    assert mar["sms"] == {"messages": 0, "segments": 0, "delivered": 0, "failed": 0}
    assert mar["calls"] == {"placed": 5, "answered": 3, "minutes": "5.00",
                            "billed_seconds": 300, "asr": "0.6000", "acd_seconds": 66}
    # ... and the same figures straight from the calls table.
    start, end = datetime(2026, 2, 28, 16, tzinfo=UTC), datetime(2026, 3, 31, 16, tzinfo=UTC)
    with app.app_context():
        calls = db.session.scalars(sa.select(Call).where(
            Call.tenant_id == info.id, Call.created_at >= start, Call.created_at < end)).all()
    placed = [c for c in calls if c.status != "refused"]
    answered = [c for c in placed if c.status == "completed" and c.duration_seconds]
    assert len(calls) == 6 and {c.status for c in placed} == {"completed", "no-answer",
                                                                "failed"}
    assert mar["calls"]["placed"] == len(placed)
    assert mar["calls"]["answered"] == len(answered)
    assert mar["calls"]["billed_seconds"] == sum(c.billed_seconds for c in placed)
    assert Decimal(mar["calls"]["asr"]) == round(Decimal(len(answered)) / len(placed), 4)
    assert mar["calls"]["acd_seconds"] == round(
        sum(c.duration_seconds for c in answered) / len(answered))
    assert [x["kind"] for x in mar["lines"]] == ["topup", "call", "call", "call"]
    assert mar["lines"][1]["description"].startswith("Call to +442079460000")


def test_statement_as_csv_has_opening_lines_and_closing(client, history):
    info, admin = history
    resp = _get(client, admin, info.id, "2026-03", "csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0]["kind"] == "opening_balance" and rows[-1]["kind"] == "closing_balance"
    moves = sum(Decimal(r["amount"]) for r in rows[1:-1])
    assert Decimal(rows[-1]["balance_after"]) == Decimal(rows[0]["balance_after"]) + moves
    assert {r["currency"] for r in rows} == {"USD"} and len(rows) == 6


def _pdf_text_map(data: bytes) -> str:
    """Every stream of the PDF, inflated if compressed (the fonts' ToUnicode maps too)."""
    out = []
    for match in re.finditer(rb"(?<!end)stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            out.append(match.group(1).decode("latin-1"))
    return "".join(out).upper()


def test_statement_pdf_prints_the_chinese_name_with_a_cjk_font(client, history):
    if cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font: .ci/run installs fonts-wqy-microhei")
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    info, admin = history
    resp = _get(client, admin, info.id, "2026-03", "pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert "statement-T" in resp.headers["Content-Disposition"]
    data = resp.get_data()
    assert data.startswith(b"%PDF") and b"FontFile2" in data
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYi|/BaseFont /[A-Z]{6}\+Noto", data)
    mapped = _pdf_text_map(data)
    assert all(f"<{ord(ch):04X}>" in mapped for ch in NAME)  # each glyph maps back


def test_who_may_read_statements(client, history, factory):
    info, admin = history
    owner = factory.token(info.owner_email)
    assert _get(client, owner, info.id, "2026-03").status_code == 200
    agent = factory.token(factory.user(info.id, "agent"))
    assert _get(client, agent, info.id, "2026-03").status_code == 403
    other = factory.token(factory.tenant().owner_email)
    assert _get(client, other, info.id, "2026-03").status_code == 404
    assert _get(client, admin, info.id, "2026-05").status_code == 404  # not started
    assert _get(client, admin, info.id, "2026-13").status_code == 400
    assert _get(client, admin, info.id, "2026-03", "xls").status_code == 400


def test_statements_stay_available_after_termination(client, history, app):
    info, admin = history
    with app.app_context():
        db.session.get(Tenant, info.id).status = "terminated"
        db.session.commit()
    assert _get(client, admin, info.id, "2026-03").get_json()["call_charges"] == "-3.00"
    _login(client, info.owner_email)
    assert client.get("/portal/statements/2026-03").status_code == 200


def test_portal_lists_months_and_shows_a_statement(client, history):
    info, _ = history
    _login(client, info.owner_email)
    page = client.get("/portal/statements").get_data(as_text=True)
    assert page.index("2026-04") < page.index("2026-03") < page.index("2026-02")
    assert "/portal/statements/2026-03?format=pdf" in page
    month = client.get("/portal/statements/2026-03").get_data(as_text=True)
    assert "Closing balance" in month and "0.6000" in month and "Call to +442079460000" in month
    csv_file = client.get("/portal/statements/2026-03?format=csv")
    assert csv_file.mimetype == "text/csv"


def test_billing_run_issues_last_months_statement_and_mails_it_once(
        client, history, app, clock, smtp, run_jobs):
    info, admin = history
    _at(clock, 2026, 4, 30, 15)  # 23:00 in Shanghai: still April, March was issued...
    assert client.post("/api/v1/billing/run", headers=bearer(admin)).get_json()[
        "statements_issued"] == 1  # ... by this first run (March)
    with app.app_context():
        rows = db.session.scalars(sa.select(Statement)).all()
        assert [(r.tenant_id, r.period) for r in rows] == [(info.id, "2026-03")]
    run_jobs()
    [mail] = smtp.to(info.owner_email)
    assert mail["Subject"] == f"Your statement for 2026-03: {NAME}"
    body = smtp.body(mail)
    assert "Closing balance: 86.00" in body and "Calls placed: 5, answered: 3" in body
    assert client.post("/api/v1/billing/run", headers=bearer(admin)).get_json()[
        "statements_issued"] == 0
    _at(clock, 2026, 4, 30, 16, 30)  # 1 May in Shanghai: April's turn
    assert client.post("/api/v1/billing/run", headers=bearer(admin)).get_json()[
        "statements_issued"] == 1
    run_jobs()
    assert len(smtp.to(info.owner_email)) == 2
    issued = _get(client, admin, info.id, "2026-04").get_json()
    assert issued["issued_at"] == "2026-04-30T16:30:00+00:00"
