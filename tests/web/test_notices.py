"""Maintenance notices: scheduled by admins with enough notice (or an audited override),
shown to the tenants they concern until they end, mailed to those tenants' owners only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog
from tests.factories import bearer
from tests.web.test_pages import _login


@pytest.fixture
def app_config(smtp):
    return smtp.settings


def _at(clock, hours: float) -> str:
    return (clock() + timedelta(hours=hours)).isoformat()


def _notice(client, token: str, clock, *, start: float = 48, length: float = 2, **extra):
    body = {"starts_at": _at(clock, start), "ends_at": _at(clock, start + length),
            "message": "Carrier switch upgrade; calls may drop for a few minutes.", **extra}
    return client.post("/api/v1/notices", json=body, headers=bearer(token))


def test_notice_mail_goes_to_each_affected_owner_and_no_one_else(client, factory, clock,
                                                                 smtp, run_jobs):
    a, b, c = (factory.tenant(timezone=tz) for tz in
               ("Asia/Shanghai", "Europe/London", "America/New_York"))
    agent = factory.user(a.id, "agent")
    resp = _notice(client, factory.admin_token(), clock, tenant_ids=[a.id, b.id],
                   services=["calls"])
    assert resp.status_code == 201
    notice = resp.get_json()
    assert notice["tenant_ids"] == [a.id, b.id] and notice["short_notice"] is False
    assert run_jobs()["done"] == 3  # the fan-out, then one mail per owner
    assert sorted(m["X-Envelope-To"] for m in smtp.messages) == sorted(
        [a.owner_email, b.owner_email])
    assert smtp.to(c.owner_email) == [] and smtp.to(agent) == []
    # Times in each tenant's own zone: 2026-03-04 14:00 UTC is 22:00 in Shanghai.
    shanghai = smtp.body(smtp.to(a.owner_email)[0])
    assert "2026-03-04 22:00 to 2026-03-05 00:00 (Asia/Shanghai)" in shanghai
    assert "Affected services: calls" in shanghai and "Carrier switch upgrade" in shanghai
    assert run_jobs()["done"] == 0 and len(smtp.messages) == 2


def test_notice_to_all_tenants_mails_every_open_account(client, factory, clock, smtp,
                                                        run_jobs):
    owners = [factory.tenant().owner_email for _ in range(3)]
    assert _notice(client, factory.admin_token(), clock).status_code == 201
    run_jobs()
    assert sorted(m["X-Envelope-To"] for m in smtp.messages) == sorted(owners)
    assert "Affected services: all" in smtp.body(smtp.messages[0])


def test_short_notice_needs_the_override_which_is_audited(client, factory, clock, app):
    admin = factory.admin_token()
    resp = _notice(client, admin, clock, start=3)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "short_notice"
    assert resp.get_json()["error"]["details"] == {"min_notice_hours": 24, "hours_ahead": 3.0}
    assert client.get("/api/v1/notices", headers=bearer(admin)).get_json()["items"] == []
    resp = _notice(client, admin, clock, start=3, override_short_notice=True)
    assert resp.status_code == 201 and resp.get_json()["short_notice"] is True
    assert _notice(client, admin, clock, start=30, override_short_notice=True
                   ).get_json()["short_notice"] is False
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
        actions = [r.action for r in rows]
        assert actions.count("notice.schedule") == 2
        [override] = [r for r in rows if r.action == "notice.short_notice_override"]
        assert override.details["hours_ahead"] == 3.0 and override.actor_user_id is not None


def test_min_notice_hours_comes_from_the_settings(client, factory, clock, app):
    app.config["MIN_NOTICE_HOURS"] = 2
    assert _notice(client, factory.admin_token(), clock, start=3).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"length": -1}, "ends_at"),
    ({"start": -10, "override_short_notice": True}, "ends_at"),
    ({"tenant_ids": [999999]}, "tenant_ids"),
    ({"tenant_ids": []}, "tenant_ids"),
    ({"services": ["coffee"]}, "services[0]"),
    ({"message": "  "}, "message"),
])
def test_bad_notices_are_400(client, factory, clock, change, field):
    resp = _notice(client, factory.admin_token(), clock, **change)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["details"]["field"] == field


def test_only_admins_schedule_notices(client, factory, clock):
    tenant = factory.tenant()
    assert _notice(client, factory.token(tenant.owner_email), clock).status_code == 403


def test_tenants_see_their_notices_from_publication_until_the_end(client, factory, clock):
    a, b = factory.tenant(), factory.tenant()
    admin = factory.admin_token()
    _notice(client, admin, clock, tenant_ids=[a.id])
    _notice(client, admin, clock, start=100, message="Everyone: database upgrade.")
    agent = factory.token(factory.user(a.id, "agent"))

    def listed(token):
        return [n["message"][:8] for n in
                client.get("/api/v1/notices", headers=bearer(token)).get_json()["items"]]

    assert listed(agent) == ["Carrier ", "Everyone"]
    assert listed(factory.token(b.owner_email)) == ["Everyone"]
    item = client.get("/api/v1/notices", headers=bearer(agent)).get_json()["items"][0]
    assert "tenant_ids" not in item  # tenants do not see whom else it concerns
    assert len(client.get("/api/v1/notices", headers=bearer(admin)).get_json()["items"]) == 2
    _login(client, a.owner_email)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Planned maintenance" in page and "Carrier switch upgrade" in page
    clock.advance(hours=51)  # the first one has ended
    assert listed(agent) == ["Everyone"]
    assert "Carrier switch upgrade" not in client.get("/portal/").get_data(as_text=True)
