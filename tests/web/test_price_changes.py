"""Dated price changes: notice of raises (or consent), lowering at once, rating by the plan
in force when a call was authorized, seat rent at renewal, the mail and the banner."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Call, Job, LedgerEntry, RatePlan, Tenant, User
from tests.factories import PASSWORD, bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _put(client, factory, tid, **body):
    body.setdefault("default_per_minute", "0.60")
    return client.put(f"/api/v1/tenants/{tid}/rates", headers=bearer(factory.admin_token()),
                      json=body)


def _versions(app, tid):
    with app.app_context():
        return db.session.scalars(sa.select(RatePlan.version).where(RatePlan.tenant_id == tid)
                                  .order_by(RatePlan.version)).all()


def _call_charge(client, app, seat, sid, seconds=60):
    place_call(client, seat, UK, sid)
    end_call(client, sid, "completed", seconds)
    with app.app_context():
        call = db.session.scalars(sa.select(Call).where(Call.provider_call_id == sid)).one()
        return call.rate_per_minute_micros, call.charge_micros


def test_a_raise_on_short_notice_is_refused_without_consent_and_taken_with_it(
        client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, rate="0.60")
    refused = _put(client, factory, tid, default_per_minute="0.90")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "short_notice"
    assert error["details"]["earliest_effective_at"] == (clock() + timedelta(days=30)).isoformat()
    assert error["details"]["raised"] == ["per_minute"]
    too_soon = _put(client, factory, tid, default_per_minute="0.90",
                    effective_at=(clock() + timedelta(days=29)).isoformat())
    assert too_soon.status_code == 409 and _versions(app, tid) == [1]
    no_note = _put(client, factory, tid, default_per_minute="0.90", tenant_consent=True)
    assert no_note.status_code == 400 and _versions(app, tid) == [1]
    agreed = _put(client, factory, tid, default_per_minute="0.90", tenant_consent=True,
                  consent_note="Addendum signed 2026-03-01")
    assert agreed.status_code == 200, agreed.get_json()
    plan = agreed.get_json()
    assert plan["tenant_consent"] is True and plan["effective_at"] == clock().isoformat()
    with app.app_context():
        audit = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "rates.set")
                                   ).one()
        assert audit.details["short_notice_consent"] == "Addendum signed 2026-03-01"
        assert audit.details["raised"] == ["per_minute"]


@pytest.mark.parametrize("change", [
    {"connect_fee": "0.01"}, {"billing_increment": "60/1", "default_per_minute": "0.60"},
    {"sms_per_segment": "0.05"}, {"seat_price_monthly": "31.00"},
    {"prefixes": [{"prefix": "44", "per_minute": "0.70"}]},
])
def test_every_kind_of_raise_needs_notice(client, factory, clock, app, change):
    tid, _ = seat_with_funds(factory, clock, balance="100.00", rate="0.60", increment="1/1",
                             seat_price="30.00")
    if "sms_per_segment" in change:  # raise an SMS price the tenant already pays
        assert _put(client, factory, tid, billing_increment="1/1", seat_price_monthly="30.00",
                    sms_per_segment="0.04").status_code == 200
    body = {"billing_increment": "1/1", **change}
    assert _put(client, factory, tid, **body).status_code == 409
    later = (clock() + timedelta(days=30)).isoformat()
    assert _put(client, factory, tid, effective_at=later, **body).status_code == 200


def test_a_lowering_applies_at_once(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, rate="0.60")
    resp = _put(client, factory, tid, default_per_minute="0.30")
    assert resp.status_code == 200 and resp.get_json()["effective_at"] == clock().isoformat()
    assert _call_charge(client, app, seat, "CA1") == (300_000, 300_000)
    tenant = client.get(f"/api/v1/tenants/{tid}", headers=bearer(factory.admin_token()))
    assert tenant.get_json()["rate_plan"]["default_per_minute"] == "0.30"


def _early(clock):
    """14:00 UTC the next day: a month later still inside London's calling hours (BST)."""
    clock.now = (clock.now + timedelta(days=1)).replace(hour=14)


def test_calls_are_rated_with_the_plan_in_force_when_authorized(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="50.00", rate="0.60")
    _early(clock)
    effective = clock() + timedelta(days=30)
    assert _put(client, factory, tid, default_per_minute="0.90",
                effective_at=effective.isoformat()).status_code == 200
    assert _call_charge(client, app, seat, "CA-before") == (600_000, 600_000)
    # Authorized a minute before the change, ended after it: the old price.
    clock.now = effective - timedelta(minutes=1)
    place_call(client, seat, UK, "CA-across")
    clock.now = effective + timedelta(minutes=1)
    end_call(client, "CA-across", "completed", 60)
    assert _call_charge(client, app, seat, "CA-after") == (900_000, 900_000)
    with app.app_context():
        across = db.session.scalars(sa.select(Call).where(Call.provider_call_id == "CA-across")
                                    ).one()
        assert across.charge_micros == 600_000
        assert db.session.get(Tenant, tid).balance_micros == 50_000_000 - 2_100_000


def test_a_newer_plan_replaces_a_scheduled_one(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, rate="0.60")
    _early(clock)
    effective = clock() + timedelta(days=30)
    assert _put(client, factory, tid, default_per_minute="0.90",
                effective_at=effective.isoformat()).status_code == 200
    # Publishing today's prices again cancels the raise (no notice needed for that).
    assert _put(client, factory, tid, default_per_minute="0.60").status_code == 200
    clock.now = effective + timedelta(days=1)
    assert _call_charge(client, app, seat, "CA1") == (600_000, 600_000)


def test_a_lowering_that_skips_a_scheduled_cut_is_a_raise(client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, rate="0.60")
    soon = clock() + timedelta(days=5)
    assert _put(client, factory, tid, default_per_minute="0.20",
                effective_at=soon.isoformat()).status_code == 200
    # 0.40 now would replace the announced 0.20 from day 5: dearer than announced.
    resp = _put(client, factory, tid, default_per_minute="0.40")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "short_notice"


def test_seat_rent_at_renewal_uses_the_price_in_force_on_the_renewal_date(
        client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, balance="500.00", seat_price="30.00")
    admin = bearer(factory.admin_token())
    with app.app_context():
        first, = db.session.scalars(sa.select(Tenant.period_end).where(Tenant.id == tid))
    # 40.00 from 31 days on: after the first renewal, before the second.
    later = clock() + timedelta(days=31)
    assert _put(client, factory, tid, seat_price_monthly="40.00",
                effective_at=later.isoformat()).status_code == 200
    assert client.get(f"/api/v1/tenants/{tid}", headers=admin
                      ).get_json()["seat_price_monthly"] == "30.00"
    for _ in range(2):
        with app.app_context():
            due = db.session.get(Tenant, tid).period_end
        clock.now = clock.now.replace(year=due.year, month=due.month, day=due.day)
        assert client.post("/api/v1/billing/run", headers=admin, json={}).status_code == 200
    with app.app_context():
        rents = db.session.scalars(sa.select(LedgerEntry.amount_micros).where(
            LedgerEntry.tenant_id == tid, LedgerEntry.kind == "seat_rental")
            .order_by(LedgerEntry.id)).all()
    assert first is not None and rents[1:] == [-30_000_000, -40_000_000]  # after provision


def test_seat_price_changes_after_activation_go_through_a_plan(client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, balance="100.00", seat_price="30.00")
    resp = client.patch(f"/api/v1/tenants/{tid}", headers=bearer(factory.admin_token()),
                        json={"seat_price_monthly": "10.00"})
    assert resp.status_code == 409


def _login(client, app, tid):
    with app.app_context():
        email = db.session.scalar(sa.select(User.email).where(User.tenant_id == tid,
                                                              User.role == "owner"))
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_the_tenant_is_told_by_mail_and_on_the_dashboard(client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, rate="0.60")
    effective = clock() + timedelta(days=30)
    assert _put(client, factory, tid, default_per_minute="0.90",
                prefixes=[{"prefix": "44", "per_minute": "0.50"}],
                effective_at=effective.isoformat()).status_code == 200
    with app.app_context():
        mail = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).all()
        [body] = [m.payload["body"] for m in mail if m.payload["topic"] == "price_change"]
    assert "0.60 -> 0.90" in body and "+44" in body and "2026-04-01 17:00" in body
    _login(client, app, tid)
    page = client.get("/portal/").get_data(as_text=True)
    assert "Your prices change on 2026-04-01 17:00" in page
    assert "0.60" in page and "0.90" in page
    clock.now = effective + timedelta(seconds=1)
    assert "Your prices change" not in client.get("/portal/").get_data(as_text=True)


def test_the_admin_rate_page_shows_scheduled_plans_and_errors_by_the_field(
        client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock, rate="0.60")
    factory.admin("ops@x.test")
    assert client.post("/login", data={"email": "ops@x.test", "password": PASSWORD}
                       ).status_code == 302
    form = {"default_per_minute": "0.90", "billing_increment": "60/60", "prefixes": "",
            "seat_price_monthly": "30.00"}
    page = client.post(f"/admin/tenants/{tid}/rates", data=form).get_data(as_text=True)
    assert 'id="error-effective_at"' in page and "at the earliest" in page
    assert _versions(app, tid) == [1]
    form["effective_at"] = "2026-04-05T09:00"
    page = client.post(f"/admin/tenants/{tid}/rates", data=form, follow_redirects=True
                       ).get_data(as_text=True)
    assert "Scheduled price changes" in page and "2026-04-05 09:00" in page
    assert _versions(app, tid) == [1, 2]


def test_a_pending_tenants_seat_price_may_still_be_patched(client, factory, app):
    info = factory.tenant(seat_price="30.00")  # no payment yet: pending
    admin = bearer(factory.admin_token())
    resp = client.patch(f"/api/v1/tenants/{info.id}", headers=admin,
                        json={"seat_price_monthly": "25.00"})
    assert resp.status_code == 200 and resp.get_json()["seat_price_monthly"] == "25.00"
    with app.app_context():
        assert db.session.scalars(sa.select(RatePlan.seat_price_monthly_micros)
                                  .where(RatePlan.tenant_id == info.id)).all() == [25_000_000]
