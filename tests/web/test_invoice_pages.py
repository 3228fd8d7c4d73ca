"""Invoice and credit pages: the admin's confirmed credit and adjustment forms, the
fapiao form, the owner's list with PDFs; another tenant's documents are not found."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, CreditNote, Invoice, LedgerEntry, Tenant
from tests.factories import PASSWORD


def _login(client, email: str) -> None:
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def _balance(app, tid: int) -> int:
    with app.app_context():
        return db.session.get(Tenant, tid).balance_micros


def test_admin_credit_is_confirmed_with_its_amount_then_granted_once(client, factory, app):
    info = factory.tenant(balance="10.00")
    factory.admin("root@platform.test")
    _login(client, "root@platform.test")
    url = f"/admin/tenants/{info.id}/credits"
    page = client.post(url, data={"amount": "7.50", "reason": "outage", "reference": "N-3"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "7.50 USD" in html and "17.50 USD" in html
    assert _balance(app, info.id) == 10_000_000  # nothing granted before the confirmation
    key = html.split('name="request_key" value="')[1].split('"')[0]
    form = {"amount": "7.50", "reason": "outage", "reference": "N-3", "confirm": "1",
            "request_key": key}
    assert client.post(url, data=form).status_code == 302
    assert client.post(url, data=form).status_code == 302  # submitted twice: granted once
    assert _balance(app, info.id) == 17_500_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CreditNote.id))) == 1
    listing = client.get(f"/admin/tenants/{info.id}/invoices").get_data(as_text=True)
    assert "CN-2026-000001" in listing and "INV-2026-000001" in listing
    pdf = client.get(f"/admin/tenants/{info.id}/credit-notes/CN-2026-000001")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_admin_adjustment_needs_a_reason_and_confirmation(client, factory, app):
    info = factory.tenant(balance="10.00")
    factory.admin("root@platform.test")
    _login(client, "root@platform.test")
    url = f"/admin/tenants/{info.id}/adjustments"
    assert client.post(url, data={"amount": "-2.00", "reason": " "}).status_code == 302
    assert client.post(url, data={"amount": "abc", "reason": "x"}).status_code == 302
    page = client.post(url, data={"amount": "-12.00", "reason": "duplicate transfer"})
    assert "below zero" in page.get_data(as_text=True)
    assert _balance(app, info.id) == 10_000_000
    assert client.post(url, data={"amount": "-12.00", "reason": "duplicate transfer",
                                  "confirm": "1", "request_key": "k1"}).status_code == 302
    assert _balance(app, info.id) == -2_000_000
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == "adjustment")) == 1


def test_admin_records_fapiao_on_the_page(client, factory, app):
    info = factory.tenant(balance="10.00")
    factory.admin("root@platform.test")
    _login(client, "root@platform.test")
    resp = client.post(f"/admin/tenants/{info.id}/invoices/INV-2026-000001/fapiao",
                       data={"fapiao_number": "0443-1234"})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Invoice.fapiao_number)) == "0443-1234"
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "invoice.fapiao")) == 1
    assert "0443-1234" in client.get(f"/admin/tenants/{info.id}/invoices").get_data(
        as_text=True)


def test_owner_sees_own_invoices_and_not_anothers(client, factory, app):
    mine, other = factory.tenant(balance="10.00"), factory.tenant(balance="20.00")
    _login(client, mine.owner_email)
    page = client.get("/portal/invoices").get_data(as_text=True)
    assert "INV-2026-000001" in page and "INV-2026-000002" not in page
    pdf = client.get("/portal/invoices/INV-2026-000001")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/portal/invoices/INV-2026-000002").status_code == 404  # B's
    assert client.get(f"/admin/tenants/{other.id}/invoices").status_code == 404


def test_admin_settings_form_sets_the_invoicing_details(client, factory, app):
    info = factory.tenant()
    factory.admin("root@platform.test")
    _login(client, "root@platform.test")
    url = f"/admin/tenants/{info.id}/settings"
    form = client.get(url).get_data(as_text=True)
    for name in ("tax_rate", "legal_name", "tax_id", "address", "invoice_usage_monthly"):
        assert f'name="{name}"' in form
    bad = client.post(url, data={"tax_rate": "1.5"})
    assert bad.status_code == 400 and 'id="e-tax_rate"' in bad.get_data(as_text=True)
    resp = client.post(url, data={"tax_rate": "0.13", "legal_name": "北京示例有限公司",
                                  "tax_id": "9111", "address": "北京市"})
    assert resp.status_code == 302
    with app.app_context():
        t = db.session.get(Tenant, info.id)
        assert (t.tax_rate_ppm, t.legal_name, t.tax_id, t.address) == (
            130_000, "北京示例有限公司", "9111", "北京市")
        assert not t.invoice_usage_monthly  # not this page's form: the checkbox unchanged
