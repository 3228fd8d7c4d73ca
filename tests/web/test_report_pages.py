"""Admin pages for notices, the mail outbox and a tenant's statements and alerts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Job, Notice, NoticeTenant, Tenant
from callcenter.services import ledger, mail
from callcenter.services.uow import UnitOfWork
from tests.web.test_pages import _login


@pytest.fixture
def admin_client(client, factory):
    factory.admin("ops@platform.test")
    assert _login(client, "ops@platform.test").status_code == 302
    return client


def _form_time(clock, hours: float) -> str:
    return (clock() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def test_admin_schedules_a_notice_from_the_page(admin_client, factory, clock, app):
    a, b = factory.tenant(name="Alpha"), factory.tenant(name="Beta")
    page = admin_client.get("/admin/notices").get_data(as_text=True)
    assert "Schedule a notice" in page and "Alpha" in page and "No notices yet." in page
    form = {"starts_at": _form_time(clock, 2), "ends_at": _form_time(clock, 4),
            "message": "Switch upgrade tonight.", "services": ["calls", "sms"],
            "tenant_ids": [str(a.id)]}
    refused = admin_client.post("/admin/notices", data=form)
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "at least 24 hours ahead" in text and "Switch upgrade tonight." in text
    done = admin_client.post("/admin/notices", data={**form, "override_short_notice": "1"})
    assert done.status_code == 302
    listed = admin_client.get("/admin/notices").get_data(as_text=True)
    assert "Switch upgrade tonight." in listed and "short notice (override)" in listed
    with app.app_context():
        notice = db.session.scalars(sa.select(Notice)).one()
        assert notice.services == ["calls", "sms"] and notice.short_notice
        assert db.session.scalars(sa.select(NoticeTenant.tenant_id)).all() == [a.id]
    _login(admin_client, b.owner_email)
    assert "Switch upgrade" not in admin_client.get("/portal/").get_data(as_text=True)


def test_outbox_lists_mail_and_an_admin_retries_a_dead_one(admin_client, app, clock,
                                                            run_jobs):
    with app.app_context():
        uow = UnitOfWork(db.session)
        job = mail.queue(uow, to=["x@t.test"], subject="Your statement", body="...",
                         topic="statement", now=clock())
        uow.commit()
        job_id = job.id
    for _ in range(8):  # no SMTP settings: it cannot be sent, and ends up dead
        run_jobs()
        clock.advance(hours=6)
    page = admin_client.get("/admin/outbox").get_data(as_text=True)
    assert "Mail is not configured" in page and "Your statement" in page
    assert "failed" in page and mail.NOT_CONFIGURED in page
    assert admin_client.get("/admin/outbox?state=sent").get_data(as_text=True).count(
        "Your statement") == 0
    resp = admin_client.post(f"/admin/jobs/{job_id}/retry")
    assert resp.status_code == 302
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == "pending" and job.attempts == 0
        assert db.session.scalars(sa.select(AuditLog.action)).all() == ["job.retry"]
    assert "Nothing is stuck." in admin_client.get("/admin/outbox").get_data(as_text=True)


def test_outbox_and_notices_pages_are_for_admins_only(client, factory):
    tenant = factory.tenant()
    _login(client, tenant.owner_email)
    for path in ("/admin/outbox", "/admin/notices",
                 f"/admin/tenants/{tenant.id}/statements"):
        assert client.get(path).status_code == 404, path
    assert client.post("/admin/jobs/1/retry").status_code == 404


def test_admin_sees_a_tenants_statements_and_alerts(admin_client, factory, app, clock):
    t = factory.tenant(balance="50.00", name="Gamma")
    with app.app_context():
        db.session.get(Tenant, t.id).low_balance_threshold_micros = 40_000_000
        ledger.post(db.session, t.id, kind="adjustment", amount=-15_000_000, key="adj",
                    now=clock(), memo="Correction")
        db.session.commit()
    page = admin_client.get(f"/admin/tenants/{t.id}").get_data(as_text=True)
    assert "fell below the threshold of" in page and "35.00 USD" in page
    months = admin_client.get(f"/admin/tenants/{t.id}/statements").get_data(as_text=True)
    assert f"/admin/tenants/{t.id}/statements/2026-03" in months
    month = admin_client.get(f"/admin/tenants/{t.id}/statements/2026-03").get_data(
        as_text=True)
    assert "Correction" in month and "35.00 USD" in month
    csv_file = admin_client.get(f"/admin/tenants/{t.id}/statements/2026-03?format=csv")
    assert csv_file.mimetype == "text/csv" and "Correction" in csv_file.get_data(as_text=True)


def test_owner_dashboard_lists_alerts_and_links_statements(client, factory, app, clock):
    t = factory.tenant(balance="50.00")
    with app.app_context():
        db.session.get(Tenant, t.id).low_balance_threshold_micros = 40_000_000
        ledger.post(db.session, t.id, kind="adjustment", amount=-15_000_000, key="adj",
                    now=clock())
        db.session.commit()
    _login(client, t.owner_email)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Low-balance alerts" in page and "below your alert threshold" in page
    assert "/portal/statements" in page
