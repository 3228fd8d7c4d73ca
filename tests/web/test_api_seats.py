"""Seats and the billing run through the API, the CLI and the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import LedgerEntry, Seat, SeatCharge, Tenant
from tests.factories import PASSWORD, bearer


def _active(factory, clock, balance="100.00"):
    clock.now = datetime(2026, 3, 1, 15, tzinfo=UTC)
    return factory.tenant(timezone="UTC", balance=balance, seat_price="31.00")


def test_provision_by_count_and_label(client, factory, clock):
    t = _active(factory, clock)
    admin = bearer(factory.admin_token())
    resp = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 2}, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    items = resp.get_json()["items"]
    assert [s["label"] for s in items] == ["Seat 1", "Seat 2"]
    assert all(s["identity"].startswith(f"t{t.id:06d}-") for s in items)
    assert resp.get_json()["tenant"]["balance"] == "38.00"
    assert resp.get_json()["tenant"]["seats"] == 2
    resp = client.post(f"/api/v1/tenants/{t.id}/seats", json={"label": "Alice"}, headers=admin)
    assert resp.get_json()["items"][0]["label"] == "Alice"


def test_provision_retry_with_idempotency_key_creates_once(client, factory, clock, app):
    t = _active(factory, clock)
    headers = {**bearer(factory.admin_token()), "Idempotency-Key": "req-1"}
    first = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1}, headers=headers)
    again = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1}, headers=headers)
    assert first.get_json()["items"] == again.get_json()["items"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Seat.id))) == 1


def test_unaffordable_seats_are_402_and_nothing_is_created(client, factory, clock, app):
    t = _active(factory, clock, balance="40.00")
    resp = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 2},
                       headers=bearer(factory.admin_token()))
    assert resp.status_code == 402
    assert resp.get_json()["error"]["code"] == "insufficient_funds"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Seat.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(SeatCharge.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1
        assert db.session.get(Tenant, t.id).balance_micros == 40_000_000


def test_bad_seat_requests_are_400_or_409(client, factory, clock):
    admin = bearer(factory.admin_token())
    pending = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{pending.id}/seats", json={"count": 1}, headers=admin)
    assert resp.status_code == 409
    t = _active(factory, clock)
    for body in ({}, {"count": 0}, {"count": "2"}, {"count": 101}, {"count": 1, "label": "x"},
                 {"label": ""}, {"count": True}):
        resp = client.post(f"/api/v1/tenants/{t.id}/seats", json=body, headers=admin)
        assert resp.status_code == 400, body


def test_release_stops_the_seat_and_other_tenants_seats_are_404(client, factory, clock, app):
    a, b = _active(factory, clock), _active(factory, clock)
    admin = bearer(factory.admin_token())
    seat_b = client.post(f"/api/v1/tenants/{b.id}/seats", json={"count": 1},
                         headers=admin).get_json()["items"][0]
    assert client.delete(f"/api/v1/tenants/{a.id}/seats/{seat_b['id']}",
                         headers=admin).status_code == 404
    owner_a = bearer(factory.token(a.owner_email))
    assert client.get(f"/api/v1/tenants/{b.id}/seats", headers=owner_a).status_code == 404
    resp = client.delete(f"/api/v1/tenants/{b.id}/seats/{seat_b['id']}", headers=admin)
    assert resp.status_code == 200 and resp.get_json()["status"] == "released"
    with app.app_context():
        assert db.session.get(Tenant, b.id).balance_micros == 69_000_000  # no refund


def test_billing_run_api_and_seat_listing(client, factory, clock):
    t = _active(factory, clock, balance="40.00")
    admin = bearer(factory.admin_token())
    client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1}, headers=admin)
    owner = bearer(factory.token(t.owner_email))
    listing = client.get(f"/api/v1/tenants/{t.id}/seats", headers=owner).get_json()
    assert listing["billing"]["next_renewal_on"] == "2026-04-01"
    assert listing["billing"]["next_renewal_amount"] == "31.00"
    assert client.post("/api/v1/billing/run", json={}, headers=owner).status_code == 403
    assert client.post("/api/v1/billing/run", json={"as_of": "soon"},
                       headers=admin).status_code == 400
    report = client.post("/api/v1/billing/run", json={"as_of": "2026-04-01T00:00:00Z"},
                         headers=admin).get_json()
    assert report["past_due"] == [t.id] and report["arrears_recorded"] == {"USD": "31.00"}
    billing = client.get(f"/api/v1/tenants/{t.id}/seats", headers=owner).get_json()["billing"]
    assert billing["arrears"] == "31.00" and billing["suspends_on"] == "2026-04-04"


def test_billing_run_cli(app, factory, clock):
    t = _active(factory, clock)
    client = app.test_client()
    client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1},
                headers=bearer(factory.admin_token()))
    result = app.test_cli_runner().invoke(args=["billing", "run", "--as-of", "2026-04-02"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["charged"] == {"USD": "31.00"}
    result = app.test_cli_runner().invoke(args=["billing", "run", "--as-of", "2026-04-02"])
    assert json.loads(result.output)["seats_charged"] == 0
    bad = app.test_cli_runner().invoke(args=["billing", "run", "--as-of", "tomorrow"])
    assert bad.exit_code != 0


def test_admin_pages_provision_and_release(client, factory, clock, app):
    t = _active(factory, clock)
    factory.admin("ops@platform.test")
    client.post("/login", data={"email": "ops@platform.test", "password": PASSWORD})
    step = client.post(f"/admin/tenants/{t.id}/seats",
                       data={"count": "2", "label": "", "request_key": "k1"})
    assert 'id="confirm-amount"' in step.get_data(as_text=True)
    resp = client.post(f"/admin/tenants/{t.id}/seats",
                       data={"count": "2", "label": "", "request_key": "k1", "confirmed": "1"},
                       follow_redirects=True)
    assert "2 seats provisioned" in resp.get_data(as_text=True)
    resp = client.post(f"/admin/tenants/{t.id}/seats",
                       data={"count": "5", "label": "", "request_key": "k2", "confirmed": "1"},
                       follow_redirects=True)
    assert "do not cover" in resp.get_data(as_text=True)
    with app.app_context():
        seat_id = db.session.scalar(sa.select(Seat.id).where(Seat.tenant_id == t.id).limit(1))
    page = client.post(f"/admin/tenants/{t.id}/seats/{seat_id}/release",
                       follow_redirects=True).get_data(as_text=True)
    assert "released" in page and "Next renewal" in page
    assert "Past due" in client.get("/admin/tenants?status=past_due").get_data(as_text=True)


def test_portal_explains_arrears_and_what_happens_next(client, factory, clock, app):
    t = _active(factory, clock, balance="31.00")
    client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1},
                headers=bearer(factory.admin_token()))
    clock.now = datetime(2026, 4, 1, 8, tzinfo=UTC)
    app.test_cli_runner().invoke(args=["billing", "run"])
    client.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    page = client.get("/portal/seats").get_data(as_text=True)
    assert "Unpaid" in page and "31.00 USD" in page and "2026-04-04" in page
    assert "Seat 1" in page
    assert "Seat rent is unpaid" in client.get("/portal/").get_data(as_text=True)


def test_billing_far_ahead_is_refused_and_charges_nothing(client, factory):
    admin = bearer(factory.admin_token())
    resp = client.post("/api/v1/billing/run", json={"as_of": "9999-12-31T00:00:00Z"},
                       headers=admin)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["details"]["field"] == "as_of"
