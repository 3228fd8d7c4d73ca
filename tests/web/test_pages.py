"""Pages: sign-in, the tenant dashboard, the admin tenant list and top-up form."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Tenant
from tests.factories import PASSWORD


def _login(client, email: str):
    return client.post("/login", data={"email": email, "password": PASSWORD})


@pytest.fixture
def admin_client(client, factory, app):
    factory.admin("root@platform.test")
    assert _login(client, "root@platform.test").status_code == 302
    return client


def test_login_page_and_wrong_password(client, factory):
    page = client.get("/login")
    assert page.status_code == 200 and b"Sign in" in page.data
    tenant = factory.tenant()
    resp = client.post("/login", data={"email": tenant.owner_email, "password": "wrong-one"})
    assert resp.status_code == 401 and b"Wrong email or password" in resp.data
    assert client.get("/portal/").status_code == 302  # still signed out


def test_login_is_rate_limited(client, factory):
    tenant = factory.tenant()
    for _ in range(5):
        client.post("/login", data={"email": tenant.owner_email, "password": "wrong-one"})
    resp = _login(client, tenant.owner_email)
    assert resp.status_code == 429
    assert client.get("/portal/").status_code == 302


def test_open_redirects_are_ignored(client, factory):
    tenant = factory.tenant()
    resp = client.post("/login?next=//evil.example/x",
                       data={"email": tenant.owner_email, "password": PASSWORD})
    assert resp.headers["Location"] == "/portal/"


def test_owner_dashboard_shows_balance_and_ledger(client, factory):
    tenant = factory.tenant(balance="42.50", name="Blue Harbor")
    resp = _login(client, tenant.owner_email)
    assert resp.headers["Location"] == "/portal/"
    page = client.get("/portal/").get_data(as_text=True)
    assert "Blue Harbor" in page and "42.50 USD" in page and "seed-" in page
    assert "active" in page
    client.post("/logout")
    assert client.get("/portal/").status_code == 302


def test_pending_tenant_is_told_it_opens_on_payment(client, factory):
    tenant = factory.tenant()
    _login(client, tenant.owner_email)
    assert "first payment" in client.get("/portal/").get_data(as_text=True)


def test_admin_list_searches_by_name_code_and_owner(admin_client, factory):
    a = factory.tenant(name="Northwind Sales")
    factory.tenant(name="Contoso Calls")
    page = admin_client.get("/admin/tenants?q=northwind").get_data(as_text=True)
    assert "Northwind Sales" in page and "Contoso Calls" not in page
    page = admin_client.get(f"/admin/tenants?q=T{a.id:06d}").get_data(as_text=True)
    assert "Northwind Sales" in page and "Contoso Calls" not in page
    page = admin_client.get(f"/admin/tenants?q={a.owner_email}").get_data(as_text=True)
    assert "Northwind Sales" in page and "Contoso Calls" not in page
    page = admin_client.get("/admin/tenants?status=active").get_data(as_text=True)
    assert "No tenants match" in page


def test_admin_topup_form_credits_once_and_reports_errors(admin_client, factory, app):
    tenant = factory.tenant()
    url = f"/admin/tenants/{tenant.id}/topups"
    step = admin_client.post(url, data={"amount": "12.345", "reference": "WIRE-1"})
    assert 'id="confirm-amount"' in step.get_data(as_text=True)
    with app.app_context():  # nothing moves before the confirmation
        assert db.session.get(Tenant, tenant.id).balance_micros == 0
    resp = admin_client.post(url, data={"amount": "12.345", "reference": "WIRE-1",
                                        "confirmed": "1"}, follow_redirects=True)
    assert "Top-up recorded" in resp.get_data(as_text=True)
    resp = admin_client.post(url, data={"amount": "12.345", "reference": "WIRE-1",
                                        "confirmed": "1"}, follow_redirects=True)
    assert "already recorded" in resp.get_data(as_text=True)
    resp = admin_client.post(url, data={"amount": "1e3", "reference": "WIRE-2"},
                             follow_redirects=True)
    assert "decimal" in resp.get_data(as_text=True)
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        assert t.balance_micros == 12_345_000 and t.status == "active"
    page = admin_client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    assert "12.345 USD" in page and "WIRE-1" in page and "Bank transfer credited" in page


def test_admin_suspends_and_resumes_from_the_tenant_page(admin_client, factory, app):
    tenant = factory.tenant(balance="1.00")
    url = f"/admin/tenants/{tenant.id}/status"
    admin_client.post(url, data={"action": "suspend", "reason": "unpaid invoice"})
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).status == "suspended"
    resp = admin_client.post(url, data={"action": "resume", "reason": ""},
                             follow_redirects=True)
    assert "reason is required" in resp.get_data(as_text=True)
    admin_client.post(url, data={"action": "resume", "reason": "paid"})
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).status == "active"
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action.in_(["tenant.suspend", "tenant.resume"]))) == 2


def test_tenant_users_cannot_open_admin_pages(client, factory):
    tenant = factory.tenant()
    _login(client, tenant.owner_email)
    assert client.get("/admin/tenants").status_code == 404
    assert client.post(f"/admin/tenants/{tenant.id}/topups",
                       data={"amount": "5.00", "reference": "x"}).status_code == 404


def test_forms_need_a_csrf_token(factory, database_url, clock):
    from tests.conftest import _make_app, _teardown

    app = _make_app(database_url, clock, WTF_CSRF_ENABLED=True)
    try:
        client = app.test_client()
        factory.app = app
        tenant = factory.tenant()
        resp = client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
        assert resp.status_code == 400
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        resp = client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD,
                                           "csrf_token": token})
        assert resp.status_code == 302
    finally:
        _teardown(app)


def test_session_cookie_is_httponly_and_secure_outside_tests():
    from config import Config, ProductionConfig

    assert Config.SESSION_COOKIE_HTTPONLY and ProductionConfig.SESSION_COOKIE_SECURE
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


def test_sign_out_ends_the_session_even_for_a_saved_cookie(app, factory):
    tenant = factory.tenant()
    browser, thief = app.test_client(), app.test_client()
    _login(browser, tenant.owner_email)
    saved = browser.get_cookie("session")
    thief.set_cookie("session", saved.value)
    assert thief.get("/portal/").status_code == 200  # a copy works while signed in
    browser.post("/logout")
    assert thief.get("/portal/").status_code == 302  # and not after sign-out
    _login(browser, tenant.owner_email)
    assert browser.get("/portal/").status_code == 200  # signing in again works
