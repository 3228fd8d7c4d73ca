"""Call pages for tenants and admins, and the admin rate editor."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _owner_email(app, tid):
    import sqlalchemy as sa

    from callcenter.extensions import db
    from callcenter.models import User

    with app.app_context():
        return db.session.scalars(sa.select(User.email).where(
            User.tenant_id == tid, User.role == "owner")).one()


def test_tenant_sees_charges_and_refusal_reasons(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    place_call(client, seat, UK, "CA1")
    end_call(client, "CA1", "completed", 61)
    place_call(client, seat, "000", "CA2")
    client.post("/login", data={"email": _owner_email(app, tid), "password": PASSWORD})
    page = client.get("/portal/calls").get_data(as_text=True)
    assert UK in page and "1.20 USD" in page and "120 s" in page and "invalid number" in page
    filtered = client.get("/portal/calls?status=refused").get_data(as_text=True)
    assert UK not in filtered and "invalid number" in filtered
    csv_text = client.get("/portal/calls?format=csv").get_data(as_text=True)
    assert csv_text.count("\n") == 3
    assert "not a date" not in client.get("/portal/calls?from=nope").get_data(as_text=True)


def test_admin_calls_and_rates_pages(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CA1")
    factory.admin("ops@x.test")
    client.post("/login", data={"email": "ops@x.test", "password": PASSWORD})
    assert UK in client.get(f"/admin/tenants/{tid}/calls").get_data(as_text=True)
    resp = client.post(f"/admin/tenants/{tid}/rates", follow_redirects=True, data={
        "default_per_minute": "0.50", "billing_increment": "30/6", "connect_fee": "",
        "prefixes": "44 0.20\n4420 0.10\n"})
    page = resp.get_data(as_text=True)
    assert "version 2" in page and "4420 0.10" in page
    bad = client.post(f"/admin/tenants/{tid}/rates", follow_redirects=True, data={
        "default_per_minute": "0.50", "billing_increment": "30/6", "prefixes": "+44 x"})
    assert "1-15 digits" in bad.get_data(as_text=True)
    assert client.get("/admin/calls/open").status_code == 200


def test_admin_open_calls_page_lists_reports_about_unknown_calls(client, factory, clock):
    _, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CA1")
    end_call(client, "CA1", "completed", 30)
    end_call(client, "CA-nobody", "completed", 30)
    factory.admin("ops@x.test")
    client.post("/login", data={"email": "ops@x.test", "password": PASSWORD})
    page = client.get("/admin/calls/open").get_data(as_text=True)
    assert "CA-child-CA-nobody:completed" in page and "CA-child-CA1:completed" not in page


def test_tenant_users_cannot_reach_admin_call_pages(client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock)
    client.post("/login", data={"email": _owner_email(app, tid), "password": PASSWORD})
    assert client.get(f"/admin/tenants/{tid}/calls").status_code == 404
    assert client.get("/admin/calls/open").status_code == 404
    assert client.post("/admin/calls/1/resolve", data={"duration": "0"}).status_code == 404
