"""Tenant self-service: owners provision (rent first, amount confirmed), release and
assign seats, manage agents; agents see only their own seat's calls; another tenant's
owner can touch none of it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, LedgerEntry, Seat, Tenant, User
from tests.factories import PASSWORD, bearer
from tests.telephony import CONFIG, place_call, seat_with_funds

UK, FR = "+442079460000", "+33142685300"


@pytest.fixture
def app_config():
    return CONFIG


def _active(factory, clock, balance="100.00"):
    clock.now = datetime(2026, 3, 1, 15, tzinfo=UTC)
    return factory.tenant(timezone="UTC", balance=balance, seat_price="31.00")


def _money(app, tid):
    with app.app_context():
        t = db.session.get(Tenant, tid)
        entries = db.session.scalars(sa.select(LedgerEntry.amount_micros)
                                     .where(LedgerEntry.tenant_id == tid)
                                     .order_by(LedgerEntry.id)).all()
        seats = db.session.scalar(sa.select(sa.func.count(Seat.id))
                                  .where(Seat.tenant_id == tid, Seat.status == "active"))
        return t.balance_micros, list(entries), seats


def _login(app, email, password=PASSWORD):
    c = app.test_client()
    resp = c.post("/login", data={"email": email, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return c


def test_owner_provisions_a_seat_only_when_the_rent_is_covered(client, factory, clock, app):
    t = _active(factory, clock)
    owner = bearer(factory.token(t.owner_email))
    resp = client.post(f"/api/v1/tenants/{t.id}/seats", json={"label": "Alice"}, headers=owner)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["tenant"]["balance"] == "69.00"
    balance, entries, seats = _money(app, t.id)
    assert (balance, entries[-1], seats) == (69_000_000, -31_000_000, 1)
    assert sum(entries) == balance  # the ledger explains the balance
    # Three more would cost 93.00 with 69.00 available: 402, nothing moves.
    resp = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 3}, headers=owner)
    assert resp.status_code == 402 and resp.get_json()["error"]["code"] == "insufficient_funds"
    assert _money(app, t.id) == (balance, entries, seats)


def test_owner_releases_a_seat_without_refund(client, factory, clock, app):
    t = _active(factory, clock)
    owner = bearer(factory.token(t.owner_email))
    seat = client.post(f"/api/v1/tenants/{t.id}/seats", json={"count": 1},
                       headers=owner).get_json()["items"][0]
    before = _money(app, t.id)
    resp = client.delete(f"/api/v1/tenants/{t.id}/seats/{seat['id']}", headers=owner)
    assert resp.status_code == 200 and resp.get_json()["status"] == "released"
    assert _money(app, t.id) == (before[0], before[1], 0)


def _form_value(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_portal_shows_the_rent_before_charging_it(factory, clock, app):
    t = _active(factory, clock)
    owner = _login(app, t.owner_email)
    assert "See the price" in owner.get("/portal/seats").get_data(as_text=True)
    quote = owner.post("/portal/seats/quote", data={"mode": "count", "count": "2"})
    page = quote.get_data(as_text=True)
    assert quote.status_code == 200 and "62.00 USD" in page and "Pay 62.00 USD" in page
    assert _money(app, t.id)[0] == 100_000_000  # nothing charged by the quote
    form = {"mode": "count", "count": "2", "expected_total": _form_value(page, "expected_total"),
            "request_key": _form_value(page, "request_key")}
    assert form["expected_total"] == "62000000"
    stale = owner.post("/portal/seats", data={**form, "expected_total": "1"})
    assert stale.status_code == 409 and "62.00 USD" in stale.get_data(as_text=True)
    assert _money(app, t.id)[0] == 100_000_000
    done = owner.post("/portal/seats", data=form)
    assert done.status_code == 302
    again = owner.post("/portal/seats", data=form)  # a double submit: the same seats
    assert again.status_code == 302
    balance, entries, seats = _money(app, t.id)
    assert (balance, seats, entries[-1]) == (38_000_000, 2, -62_000_000)
    named = owner.post("/portal/seats/quote", data={"count": "1", "label": "Night shift"})
    assert named.status_code == 200 and "Night shift" in named.get_data(as_text=True)
    assert 'name="label" value="Night shift"' in named.get_data(as_text=True)
    # Not affordable: the confirmation says so next to the amount and offers no button.
    quote = owner.post("/portal/seats/quote", data={"mode": "count", "count": "2"})
    page = quote.get_data(as_text=True)
    assert quote.status_code == 402 and "does not cover" in page and "Pay " not in page
    forced = owner.post("/portal/seats", data={**form, "request_key": "other"})
    assert forced.status_code == 402 and "does not cover" in forced.get_data(as_text=True)
    assert _money(app, t.id)[:2] == (balance, entries)
    bad = owner.post("/portal/seats/quote", data={"mode": "count", "count": "x"})
    assert bad.status_code == 400 and 'id="count-error"' in bad.get_data(as_text=True)


def test_agent_created_by_owner_sees_only_their_seats_calls(client, factory, clock, app):
    tid, seat1 = seat_with_funds(factory, clock)
    with app.app_context():
        owner_email = db.session.scalars(sa.select(User.email).where(
            User.tenant_id == tid, User.role == "owner")).one()
    owner = bearer(factory.token(owner_email))
    seat2 = client.post(f"/api/v1/tenants/{tid}/seats", json={"label": "Bob"},
                        headers=owner).get_json()["items"][0]
    resp = client.post(f"/api/v1/tenants/{tid}/users", headers=owner,
                       json={"email": "Alice@Agents.test", "password": "short"})
    assert resp.status_code == 400 and resp.get_json()["error"]["details"]["field"] == "password"
    resp = client.post(f"/api/v1/tenants/{tid}/users", headers=owner,
                       json={"email": "Alice@Agents.test", "password": "alice-secret-1"})
    assert resp.status_code == 201, resp.get_json()
    agent = resp.get_json()
    assert agent["role"] == "agent" and agent["email"] == "alice@agents.test"
    with app.app_context():
        seat1_id = db.session.scalars(sa.select(Seat.id).where(Seat.identity == seat1)).one()
    resp = client.patch(f"/api/v1/tenants/{tid}/seats/{seat1_id}", headers=owner,
                        json={"agent_user_id": agent["id"]})
    assert resp.status_code == 200 and resp.get_json()["agent_user_id"] == agent["id"]
    listing = client.get(f"/api/v1/tenants/{tid}/users", headers=owner).get_json()["items"]
    assert listing[0]["seat_ids"] == [seat1_id]
    place_call(client, seat1, UK, "CA-mine")
    place_call(client, seat2["identity"], FR, "CA-theirs")

    token = client.post("/api/v1/auth/tokens", json={"email": "alice@agents.test",
                                                     "password": "alice-secret-1"})
    assert token.status_code == 201
    calls = client.get(f"/api/v1/tenants/{tid}/calls",
                       headers=bearer(token.get_json()["token"])).get_json()["items"]
    assert [c["to"] for c in calls] == [UK]
    page_client = _login(app, "alice@agents.test", "alice-secret-1")
    page = page_client.get("/portal/calls").get_data(as_text=True)
    assert UK in page and FR not in page and seat2["identity"] not in page
    seats_page = page_client.get("/portal/seats").get_data(as_text=True)
    assert seat1 in seats_page and seat2["identity"] not in seats_page
    assert page_client.get("/portal/agents").status_code == 404
    assert page_client.post("/portal/seats/quote", data={"count": "1"}).status_code == 404
    # The owner's page lists the agent and the assignment.
    owner_page = _login(app, owner_email).get("/portal/agents").get_data(as_text=True)
    assert "alice@agents.test" in owner_page


def test_disabling_or_resetting_an_agent_ends_its_sessions_and_tokens(client, factory, clock,
                                                                      app):
    t = _active(factory, clock)
    owner = _login(app, t.owner_email)
    resp = owner.post("/portal/agents", data={"email": "bo@agents.test", "password": "x"})
    assert resp.status_code == 400 and 'id="password-error"' in resp.get_data(as_text=True)
    assert owner.post("/portal/agents", data={"email": "bo@agents.test",
                                              "password": "bo-secret-12"}).status_code == 302
    with app.app_context():
        agent_id = db.session.scalars(sa.select(User.id).where(
            User.email == "bo@agents.test")).one()
    agent_page = _login(app, "bo@agents.test", "bo-secret-12")
    agent_token = bearer(factory.token("bo@agents.test"))
    assert agent_page.get("/portal/calls").status_code == 200
    # Reset by the owner: the old session and token end, the new password works.
    assert owner.post(f"/portal/agents/{agent_id}/password",
                      data={"password": "bo-new-secret"}).status_code == 302
    assert agent_page.get("/portal/calls").status_code == 302
    assert client.get(f"/api/v1/tenants/{t.id}/calls", headers=agent_token).status_code == 401
    agent_page = _login(app, "bo@agents.test", "bo-new-secret")
    # Disabled: signed out at once, cannot sign in; enabled again: can.
    assert owner.post(f"/portal/agents/{agent_id}/active", data={"active": "0"}).status_code \
        == 302
    assert agent_page.get("/portal/calls").status_code == 302
    assert app.test_client().post("/login", data={"email": "bo@agents.test",
                                                  "password": "bo-new-secret"}).status_code == 401
    owner.post(f"/portal/agents/{agent_id}/active", data={"active": "1"})
    _login(app, "bo@agents.test", "bo-new-secret")
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditLog.action).where(
            AuditLog.tenant_id == t.id, AuditLog.action.like("users.%"))).all()
    assert actions == ["users.create_agent", "users.reset_password", "users.disable",
                       "users.enable"]


def test_another_tenants_owner_cannot_manage_agents_or_seats(client, factory, clock, app):
    a, b = _active(factory, clock), _active(factory, clock)
    owner_a, owner_b = bearer(factory.token(a.owner_email)), bearer(factory.token(b.owner_email))
    seat = client.post(f"/api/v1/tenants/{a.id}/seats", json={"count": 1},
                       headers=owner_a).get_json()["items"][0]
    agent_a = client.post(f"/api/v1/tenants/{a.id}/users", headers=owner_a, json={
        "email": "a1@agents.test", "password": "agent-secret-1"}).get_json()
    agent_b = client.post(f"/api/v1/tenants/{b.id}/users", headers=owner_b, json={
        "email": "b1@agents.test", "password": "agent-secret-1"}).get_json()
    before = (_money(app, a.id), _money(app, b.id))
    refused = [
        client.post(f"/api/v1/tenants/{a.id}/seats", json={"count": 1}, headers=owner_b),
        client.delete(f"/api/v1/tenants/{a.id}/seats/{seat['id']}", headers=owner_b),
        client.delete(f"/api/v1/tenants/{b.id}/seats/{seat['id']}", headers=owner_b),
        client.patch(f"/api/v1/tenants/{b.id}/seats/{seat['id']}", headers=owner_b,
                     json={"agent_user_id": agent_b["id"]}),
        client.patch(f"/api/v1/tenants/{a.id}/seats/{seat['id']}", headers=owner_a,
                     json={"agent_user_id": agent_b["id"]}),  # B's agent on A's seat
        client.post(f"/api/v1/tenants/{a.id}/users", headers=owner_b,
                    json={"email": "x@agents.test", "password": "agent-secret-1"}),
        client.get(f"/api/v1/tenants/{a.id}/users", headers=owner_b),
        client.patch(f"/api/v1/tenants/{a.id}/users/{agent_a['id']}", headers=owner_b,
                     json={"active": False}),
        client.patch(f"/api/v1/tenants/{b.id}/users/{agent_a['id']}", headers=owner_b,
                     json={"password": "taken-over-1"}),
        client.patch(f"/api/v1/tenants/{b.id}/users/{b.owner_id}", headers=owner_b,
                     json={"active": False}),  # the owner is not an agent
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    pages = _login(app, b.owner_email)
    pages.post(f"/portal/seats/{seat['id']}/release")
    pages.post(f"/portal/seats/{seat['id']}/agent", data={"agent_user_id": agent_b["id"]})
    pages.post(f"/portal/agents/{agent_a['id']}/active", data={"active": "0"})
    pages.post(f"/portal/agents/{agent_a['id']}/password", data={"password": "taken-over-1"})
    assert (_money(app, a.id), _money(app, b.id)) == before
    with app.app_context():
        row = db.session.get(Seat, seat["id"])
        assert (row.status, row.agent_user_id) == ("active", None)
        assert db.session.get(User, agent_a["id"]).active
        assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
            User.email == "x@agents.test")) == 0
    _login(app, "a1@agents.test", "agent-secret-1")  # its password is unchanged


def test_a_pending_account_cannot_add_seats_from_the_page(factory, app):
    t = factory.tenant()  # no payment yet: pending
    owner = _login(app, t.owner_email)
    assert "while the account is active" in owner.get("/portal/seats").get_data(as_text=True)
    resp = owner.post("/portal/seats/quote", data={"mode": "count", "count": "1"})
    assert resp.status_code == 400
    assert "first payment" in resp.get_data(as_text=True)
    assert _money(app, t.id) == (0, [], 0)
