"""The admin console: create a tenant and edit its settings from the pages (errors beside
the field, input kept), the tenant list (sorted, filtered, paged, with arrears and days
left), a readable audit trail, the manual credit limit (page and API), paged lists."""

from __future__ import annotations

import re

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Arrear, AuditLog, Tenant, User
from callcenter.services import tenant_list
from callcenter.services.access import Actor
from tests.factories import PASSWORD, bearer

NEW = {"name": "上海海纳通信", "currency": "CNY", "timezone": "Asia/Shanghai",
       "owner_email": "boss@haina.test", "owner_password": "long-enough-pw-1",
       "rate_per_minute": "0.12", "billing_increment": "6/6", "connect_fee": "0",
       "seat_price_monthly": "200.00", "billing_period_months": "1"}


def _admin(client, factory, email="root@platform.test"):
    factory.admin(email)
    client.post("/login", data={"email": email, "password": PASSWORD})


def test_admin_creates_a_tenant_from_the_page(client, factory, app):
    _admin(client, factory)
    assert 'id="f-owner_email"' in client.get("/admin/tenants/new").get_data(as_text=True)
    bad = client.post("/admin/tenants/new", data={**NEW, "rate_per_minute": "1e3"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert 'id="e-rate_per_minute"' in page and "Rate per minute must be" in page
    assert "rate_per_minute must" not in page  # people's words, not the JSON name
    assert 'value="上海海纳通信"' in page and 'value="boss@haina.test"' in page  # kept
    resp = client.post("/admin/tenants/new", data=NEW, follow_redirects=True)
    assert "created" in resp.get_data(as_text=True)
    with app.app_context():
        t = db.session.scalars(sa.select(Tenant).where(Tenant.name == NEW["name"])).one()
        assert (t.currency, t.timezone, t.status) == ("CNY", "Asia/Shanghai", "pending")
        assert t.seat_price_monthly_micros == 200_000_000
        assert db.session.scalar(sa.select(User.role).where(
            User.email == "boss@haina.test")) == "owner"
    again = client.post("/admin/tenants/new", data={**NEW, "name": "Other"})
    assert again.status_code == 400 and 'id="e-owner_email"' in again.get_data(as_text=True)


def test_admin_edits_every_setting_and_only_changes_are_applied(client, factory, app):
    tenant = factory.tenant(balance="50.00")
    _admin(client, factory)
    form = client.get(f"/admin/tenants/{tenant.id}/settings").get_data(as_text=True)
    for name in ("calling_window", "low_balance_threshold", "grace_days", "caller_id",
                 "timezone", "seat_price_monthly", "sms_sender", "consent_required",
                 "late_fee_percent_per_day", "auto_terminate_after_days", "sms_signature"):
        assert f'name="{name}"' in form
    data = {"form": "settings", "name": "Renamed Ltd", "timezone": "Europe/London",
            "caller_id": "+442079460999",
            "consent_required": "1",
            "calling_window": "mon 09:00-12:00, 13:00-17:00\ntue 10:00-16:00",
            "low_balance_threshold": "20.00", "seat_price_monthly": "30.00",
            "billing_period_months": "1", "grace_days": "5", "late_fee_percent_per_day": "0",
            "auto_terminate_after_days": "", "sms_sender": "", "sms_signature": "",
            "sms_opt_out_text": "", "sms_opt_out_text_cn": ""}
    bad = client.post(f"/admin/tenants/{tenant.id}/settings", data={**data, "grace_days": "400"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'id="e-grace_days"' in page and "Grace days must" in page
    assert 'value="400"' in page and 'value="Renamed Ltd"' in page
    resp = client.post(f"/admin/tenants/{tenant.id}/settings", data=data, follow_redirects=True)
    assert "Settings saved" in resp.get_data(as_text=True)
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        assert (t.name, t.timezone, t.caller_id, t.grace_days) == \
            ("Renamed Ltd", "Europe/London", "+442079460999", 5)
        assert t.calling_window == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]],
                                    "tue": [["10:00", "16:00"]]}
        assert t.low_balance_threshold_micros == 20_000_000 and not t.script_required
        fields = db.session.scalars(sa.select(AuditLog.details).where(
            AuditLog.action == "tenant.update")).one()["fields"]
        assert "seat_price_monthly_micros" not in fields and "timezone" in fields
    page = client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    assert "Settings changed" in page and "root@platform.test" in page


def test_the_audit_trail_reads_as_words_not_json(client, factory, app):
    tenant = factory.tenant(name="北京星辰")
    _admin(client, factory)
    client.post(f"/admin/tenants/{tenant.id}/topups", data={
        "amount": "12345.5", "reference": "电汇-7", "confirmed": "1"})
    page = client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    audit = page[page.index('id="audit"'):]
    assert "Bank transfer credited" in audit and "电汇-7" in audit
    assert "\\u" not in audit and "{&#34;" not in audit and "amount_micros" not in audit
    assert "root@platform.test" in audit and "Tenant created" in audit
    assert re.search(r"12,?345\.50 USD", audit)  # an amount with its currency


def test_manual_credits_above_the_limit_are_refused(client, factory, app):
    app.config["MAX_MANUAL_TOPUP"] = "5000.00"
    tenant = factory.tenant()
    _admin(client, factory)
    resp = client.post(f"/admin/tenants/{tenant.id}/topups", data={
        "amount": "1000000000.00", "reference": "TYPO", "confirmed": "1"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'id="topup-error"' in page and "5000.00" in page
    assert 'value="1000000000.00"' in page  # what was typed stays
    api = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                      headers=bearer(factory.admin_token()),
                      json={"amount": "5000.01", "method": "bank_transfer", "reference": "X"})
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "invalid_input"
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).balance_micros == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
            AuditLog.action == "topup.bank_transfer")) == 0


def test_tenant_list_sorts_filters_and_pages_in_the_database(client, factory, app, clock):
    a = factory.tenant(name="Alpha", balance="30.00")
    b = factory.tenant(name="Bravo", balance="10.00")
    c = factory.tenant(name="Charlie", balance="20.00")
    with app.app_context():
        db.session.add(Arrear(tenant_id=b.id, kind="seat_rental", key="t-1",
                              due_on=clock().date(), amount_micros=7_000_000, memo="rent"))
        db.session.commit()
    _admin(client, factory)
    page = client.get("/admin/tenants?sort=-balance").get_data(as_text=True)
    assert page.index("Alpha") < page.index("Charlie") < page.index("Bravo")
    assert 'aria-sort="descending"' in page
    owing = client.get("/admin/tenants?show=arrears").get_data(as_text=True)
    assert "Bravo" in owing and "Alpha" not in owing and "7.00 USD" in owing
    assert "unknown sort" in client.get("/admin/tenants?sort=password").get_data(as_text=True)
    with app.app_context():
        who = Actor(None, "admin", None)
        first, more = tenant_list.page(db.session, who, tenant_list.Query(sort="name"),
                                       now=clock(), offset=0, limit=2)
        rest, more2 = tenant_list.page(db.session, who, tenant_list.Query(sort="name"),
                                       now=clock(), offset=2, limit=2)
        assert [r.tenant.name for r in first] == ["Alpha", "Bravo"] and more
        assert [r.tenant.name for r in rest] == ["Charlie"] and not more2
        assert {r.tenant.id for r in first + rest} == {a.id, b.id, c.id}


def test_tenant_page_reaches_every_admin_action(client, factory):
    tenant = factory.tenant(balance="50.00")
    _admin(client, factory)
    page = client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    start = page.index('id="tenant-actions"')
    nav = page[start:page.index("</nav>", start)]
    for target in ("/settings", "#topup", "#seats", "#status", "/admin/notices", "/calls",
                   "/rates", "/statements", "/messages", "/termination"):
        assert target in nav
    assert f"/admin/tenants/{tenant.id}/ledger" in page
    ledger = client.get(f"/admin/tenants/{tenant.id}/ledger").get_data(as_text=True)
    assert "50.00 USD" in ledger and "seed-" in ledger


def test_consent_and_dnc_lists_page_instead_of_stopping_at_a_limit(client, factory):
    tenant = factory.tenant()
    owner = bearer(factory.token(tenant.owner_email))
    numbers = [f"+4420794{i:05d}" for i in range(130)]
    client.post(f"/api/v1/tenants/{tenant.id}/consents", headers=owner,
                json={"numbers": numbers, "source": "web"})
    client.post(f"/api/v1/tenants/{tenant.id}/dnc", headers=owner, json={"numbers": numbers})
    client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
    for path in ("/portal/consents", "/portal/dnc"):
        first = client.get(path).get_data(as_text=True)
        second = client.get(f"{path}?page=2").get_data(as_text=True)
        shown = [n for n in numbers if n in first] + [n for n in numbers if n in second]
        assert sorted(shown) == numbers  # every row, once, on two pages
        assert 'rel="next"' in first and 'rel="next"' not in second


def test_rates_form_names_the_line_and_keeps_what_was_typed(client, factory):
    tenant = factory.tenant()
    _admin(client, factory)
    typed = "44 0.20\n4420 abc\n"
    resp = client.post(f"/admin/tenants/{tenant.id}/rates", data={
        "default_per_minute": "0.33", "billing_increment": "30/6", "connect_fee": "",
        "prefixes": typed})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "Line 2 of the prefixes: the per-minute rate must be" in page
    assert "prefixes[1]" not in page and 'id="error-prefixes"' in page
    assert "4420 abc" in page and 'value="0.33"' in page and 'value="30/6"' in page


def test_messages_speak_to_people_not_developers(client, factory):
    tenant = factory.tenant(balance="10.00")
    _admin(client, factory, "ops@platform.test")
    url = f"/admin/tenants/{tenant.id}/topups"
    client.post(url, data={"amount": "5.00", "reference": "W-1", "confirmed": "1"})
    again = client.post(url, data={"amount": "6.00", "reference": "W-1", "confirmed": "1"},
                        follow_redirects=True).get_data(as_text=True)
    assert "bank reference W-1 was already recorded" in again
    assert "idempotency" not in again.lower()
    client.post("/logout")
    client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
    page = client.post("/portal/dnc", data={"number": "12345abc"},
                       follow_redirects=True).get_data(as_text=True)
    assert "country code" in page and "Missing or invalid" not in page


def test_low_balance_mail_carries_the_platform_bank_details_when_configured():
    from callcenter.services import mail

    payload = {"body": "Hello,\n", "path": "/portal/payments", "transfer_reference": "T000042"}
    config = {"PLATFORM_BANK_NAME": "ICBC Shanghai", "PLATFORM_BANK_ACCOUNT": "6222 0001",
              "PLATFORM_BANK_HOLDER": "Callcenter Ltd", "PLATFORM_BANK_SWIFT": "ICBKCNBJ"}
    body = mail._body(payload, config)
    for value in (*config.values(), "Reference: T000042"):
        assert value in body
    assert "6222" not in mail._body(payload, {})  # not configured: nothing invented


def test_a_settings_post_without_the_form_leaves_the_checkboxes_alone(client, factory, app):
    tenant = factory.tenant()
    _admin(client, factory)
    client.post(f"/admin/tenants/{tenant.id}/settings", data={"grace_days": "7"})
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        assert t.grace_days == 7 and t.consent_required and t.script_required
