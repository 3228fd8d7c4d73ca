"""Invoices, credit notes, credits and adjustments through the API."""

from __future__ import annotations

import io
import json
import os
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, CreditNote, Invoice, LedgerEntry, Tenant
from callcenter.services import ledger_audit
from callcenter.web.common.fonts import cjk_font
from tests.factories import bearer
from tests.web.test_statements import _pdf_text_map

SELLER = {"PLATFORM_LEGAL_NAME": "呼叫平台有限公司", "PLATFORM_TAX_ID": "91110000TAX0001",
          "PLATFORM_ADDRESS": "北京市朝阳区1号"}


@pytest.fixture
def app_config() -> dict:
    return dict(SELLER)


@pytest.fixture
def setup(client, factory):
    admin = bearer(factory.admin_token())
    info = factory.tenant(name="上海示例科技", currency="CNY", timezone="Asia/Shanghai")
    resp = client.patch(f"/api/v1/tenants/{info.id}", headers=admin, json={
        "tax_rate": "0.06", "legal_name": "上海示例科技有限公司", "tax_id": "91310000MA1FL1234X",
        "address": "上海市浦东新区世纪大道100号", "sms_sender": "+14155550100"})
    assert resp.status_code == 200, resp.get_json()
    settings = resp.get_json()["settings"]
    assert settings["tax_rate"] == "0.06" and settings["sms_sender"] == "+14155550100"
    assert settings["legal_name"] == "上海示例科技有限公司"
    return info, admin


def _topup(client, admin, tid, amount, ref):
    resp = client.post(f"/api/v1/tenants/{tid}/topups", headers=admin,
                       json={"amount": amount, "method": "bank_transfer", "reference": ref})
    assert resp.status_code in (200, 201), resp.get_json()


def test_one_invoice_per_payment_with_tax_split_and_snapshot(client, factory, app, setup):
    info, admin = setup
    _topup(client, admin, info.id, "106.00", "B-1")
    _topup(client, admin, info.id, "100.00", "B-2")
    _topup(client, admin, info.id, "100.00", "B-2")  # the same transfer again: no invoice
    client.patch(f"/api/v1/tenants/{info.id}", headers=admin, json={"legal_name": "Renamed"})
    items = client.get(f"/api/v1/tenants/{info.id}/invoices", headers=admin).get_json()["items"]
    assert [i["gross"] for i in items] == ["100.00", "106.00"]
    newest, first = items
    assert (first["net"], first["tax"], first["tax_rate"]) == ("100.00", "6.00", "0.06")
    assert (newest["net"], newest["tax"]) == ("94.34", "5.66")
    assert first["kind"] == "payment" and first["currency"] == "CNY"
    assert first["buyer"]["name"] == "上海示例科技有限公司"  # as issued, not as renamed
    assert first["seller"] == {"name": "呼叫平台有限公司", "tax_id": "91110000TAX0001",
                               "address": "北京市朝阳区1号"}
    assert first["number"].endswith("-000001") and newest["number"].endswith("-000002")
    assert "fapiao_number" not in first
    total = sum(Decimal(i["gross"]) for i in items)
    with app.app_context():
        topups = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_micros)).where(
            LedgerEntry.tenant_id == info.id, LedgerEntry.kind == "topup"))
    assert total * 1_000_000 == topups


def test_invoice_pdf_prints_chinese_and_json_by_number(client, factory, setup):
    info, admin = setup
    _topup(client, admin, info.id, "50.00", "B-9")
    owner = bearer(factory.token(info.owner_email))
    [inv] = client.get(f"/api/v1/tenants/{info.id}/invoices", headers=owner).get_json()["items"]
    url = f"/api/v1/tenants/{info.id}/invoices/{inv['number']}"
    assert client.get(url, headers=owner).get_json()["number"] == inv["number"]
    assert client.get(url + "?format=xml", headers=owner).status_code == 400
    if cjk_font() is None:
        if os.environ.get("CI"):
            pytest.fail("no CJK font: .ci/run installs fonts-wqy-microhei")
        pytest.skip("no CJK font installed (apt-get install fonts-wqy-microhei)")
    pdf = client.get(url + "?format=pdf", headers=owner)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert f"{inv['number']}.pdf" in pdf.headers["Content-Disposition"]
    data = pdf.get_data()
    assert data.startswith(b"%PDF") and b"FontFile2" in data
    mapped = _pdf_text_map(data)
    assert all(f"<{ord(ch):04X}>" in mapped for ch in "上海示例科技有限公司浦东新区")


def test_another_tenants_invoices_are_not_found(client, factory, setup):
    info, admin = setup
    _topup(client, admin, info.id, "10.00", "B-3")
    [inv] = client.get(f"/api/v1/tenants/{info.id}/invoices", headers=admin).get_json()["items"]
    other = factory.tenant()
    stranger = bearer(factory.token(other.owner_email))
    base = f"/api/v1/tenants/{info.id}"
    assert client.get(f"{base}/invoices", headers=stranger).status_code == 404
    assert client.get(f"{base}/invoices/{inv['number']}", headers=stranger).status_code == 404
    assert client.get(f"{base}/credit-notes", headers=stranger).status_code == 404
    # Through its own tenant id, A's number is still not B's invoice.
    resp = client.get(f"/api/v1/tenants/{other.id}/invoices/{inv['number']}", headers=stranger)
    assert resp.status_code == 404
    agent = bearer(factory.token(factory.user(info.id, "agent")))
    assert client.get(f"{base}/invoices", headers=agent).status_code == 403


def test_admin_records_a_fapiao_number_audited(client, app, setup):
    info, admin = setup
    _topup(client, admin, info.id, "10.00", "B-4")
    [inv] = client.get(f"/api/v1/tenants/{info.id}/invoices", headers=admin).get_json()["items"]
    url = f"/api/v1/tenants/{info.id}/invoices/{inv['number']}"
    assert client.patch(url, headers=admin, json={"fapiao_number": "bad number!"}
                        ).status_code == 400
    resp = client.patch(url, headers=admin, json={"fapiao_number": "24312000000012345678"})
    assert resp.status_code == 200
    assert client.get(url, headers=admin).get_json()["fapiao_number"] == "24312000000012345678"
    with app.app_context():
        row = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "invoice.fapiao")).one()
        assert row.details["invoice"] == inv["number"] and row.tenant_id == info.id


def test_credit_and_adjustment_show_on_the_statement_and_verify(client, app, clock, setup):
    info, admin = setup
    _topup(client, admin, info.id, "20.00", "B-5")
    base = f"/api/v1/tenants/{info.id}"
    resp = client.post(f"{base}/credits", headers=admin,
                       json={"amount": "5.30", "reason": "outage 2 March", "reference": "N-1"})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["kind"] == "credit" and body["amount"] == "5.30"
    note = body["credit_note"]
    assert (note["gross"], note["net"], note["tax"]) == ("5.30", "5.00", "0.30")
    resp = client.post(f"{base}/adjustments", headers=admin,
                       json={"amount": "-1.25", "reason": "bank fee"})
    assert resp.status_code == 201 and resp.get_json()["kind"] == "adjustment"
    notes = client.get(f"{base}/credit-notes", headers=admin).get_json()["items"]
    assert [n["number"] for n in notes] == [note["number"]]
    pdf = client.get(f"{base}/credit-notes/{note['number']}?format=pdf", headers=admin)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    st = client.get(f"{base}/statements/2026-03", headers=admin).get_json()
    assert (st["credits"], st["adjustments"], st["topups"]) == ("5.30", "-1.25", "20.00")
    lines = sum(Decimal(x["amount"]) for x in st["lines"])
    assert Decimal(st["closing_balance"]) == Decimal(st["opening_balance"]) + lines
    assert st["closing_balance"] == "24.05"
    with app.app_context():
        assert ledger_audit.verify(db.session) == []
        assert db.session.scalar(sa.select(sa.func.count(CreditNote.id))) == 1
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("path", "body"), [
    ("credits", {"amount": "-5.00", "reason": "x"}),
    ("credits", {"amount": "0", "reason": "x"}),
    ("credits", {"amount": "5.00"}),
    ("credits", {"amount": "5.00", "reason": "  "}),
    ("credits", {"amount": "99999999999999.00", "reason": "x"}),
    ("credits", {"amount": 5, "reason": "x"}),
    ("adjustments", {"amount": "-5.00"}),
    ("adjustments", {"amount": "0.00", "reason": "x"}),
    ("adjustments", {"amount": "--5", "reason": "x"}),
    ("adjustments", {"amount": "-9999999999999.00", "reason": "x"}),
])
def test_bad_credit_or_adjustment_changes_nothing(client, app, setup, path, body):
    info, admin = setup
    _topup(client, admin, info.id, "10.00", "B-6")
    resp = client.post(f"/api/v1/tenants/{info.id}/{path}", headers=admin, json=body)
    assert resp.status_code == 400, resp.get_json()
    with app.app_context():
        assert db.session.get(Tenant, info.id).balance_micros == 10_000_000
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(CreditNote.id))) == 0


def test_usage_invoice_once_a_month_for_tenants_that_book_usage(client, app, clock, setup):
    info, admin = setup
    base = f"/api/v1/tenants/{info.id}"
    assert client.patch(base, headers=admin, json={"invoice_usage_monthly": True}
                        ).status_code == 200
    _topup(client, admin, info.id, "100.00", "B-7")  # books usage: no payment invoice
    assert client.get(f"{base}/invoices", headers=admin).get_json()["items"] == []
    resp = client.post(f"{base}/seats", headers=admin, json={"count": 1})
    assert resp.status_code == 201, resp.get_json()
    clock.advance(days=31)  # into April (Shanghai): March has ended
    for _ in range(2):
        assert client.post("/api/v1/billing/run", headers=admin, json={}).status_code == 200
    [inv] = client.get(f"{base}/invoices", headers=admin).get_json()["items"]
    with app.app_context():
        rent = -db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_micros)).where(
            LedgerEntry.tenant_id == info.id, LedgerEntry.kind == "seat_rental",
            LedgerEntry.created_at < clock() - timedelta(days=20)))
        assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 1
    assert inv["kind"] == "usage" and inv["period"] == "2026-03"
    assert Decimal(inv["gross"]) * 1_000_000 == rent
    assert Decimal(inv["net"]) + Decimal(inv["tax"]) == Decimal(inv["gross"])


def test_export_holds_the_documents_and_erasure_keeps_them(client, factory, app, setup):
    info, admin = setup
    _topup(client, admin, info.id, "30.00", "B-8")
    base = f"/api/v1/tenants/{info.id}"
    assert client.post(f"{base}/credits", headers=admin,
                       json={"amount": "2.00", "reason": "outage"}).status_code == 201
    owner = bearer(factory.token(info.owner_email))
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/export", headers=owner).data))
    assert [i["gross_micros"] for i in json.loads(archive.read("invoices.json"))] == [
        30_000_000]
    assert [n["reason"] for n in json.loads(archive.read("credit_notes.json"))] == ["outage"]
    assert client.post(f"{base}/termination", json={"reason": "tenant_request"},
                       headers=admin).status_code == 201
    # A settled account takes no more credits or adjustments.
    assert client.post(f"{base}/credits", headers=admin,
                       json={"amount": "2.00", "reason": "late"}).status_code == 409
    assert client.post(f"{base}/erasure", headers=admin).status_code == 201
    items = client.get(f"{base}/invoices", headers=admin).get_json()["items"]
    assert [i["gross"] for i in items] == ["30.00"]
    assert items[0]["buyer"]["name"] == "上海示例科技有限公司"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CreditNote.id))) == 1


def test_credit_retried_with_its_idempotency_key_is_granted_once(client, app, setup):
    info, admin = setup
    url = f"/api/v1/tenants/{info.id}/credits"
    headers = {**admin, "Idempotency-Key": "outage-42"}
    first = client.post(url, headers=headers, json={"amount": "3.00", "reason": "outage"})
    again = client.post(url, headers=headers, json={"amount": "3.00", "reason": "outage"})
    assert first.status_code == again.status_code == 201
    assert first.get_json()["credit_note"] == again.get_json()["credit_note"]
    other = client.post(url, headers=headers, json={"amount": "4.00", "reason": "outage"})
    assert other.status_code == 409
    with app.app_context():
        assert db.session.get(Tenant, info.id).balance_micros == 3_000_000
