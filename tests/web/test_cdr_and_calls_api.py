"""Provider-neutral calls: API authorization, the signed CDR webhook, the call log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, InboundEvent, Seat, Tenant
from tests.factories import bearer
from tests.telephony import CONFIG, cdr_post, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _authorize(client, token, seat, to=UK):
    return client.post("/api/v1/calls/authorize", json={"seat_identity": seat, "to": to},
                       headers=bearer(token))


def _balance(app, tid):
    with app.app_context():
        t = db.session.get(Tenant, tid)
        return t.balance_micros, t.held_micros


def test_authorize_then_cdr_charges_once(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    info = _authorize(client, factory.admin_token(), seat).get_json()
    assert info["allowed"] and info["max_duration_seconds"] == 960 and info["reasons"] == []
    body = {"call_id": info["call_id"], "to": UK, "duration_seconds": 125, "status": "completed"}
    assert cdr_post(client, body, at=clock()).status_code == 204
    assert _balance(app, tid) == (8_200_000, 0)  # 3 minutes at 0.60
    replay = cdr_post(client, body, at=clock())
    assert replay.status_code == 204 and _balance(app, tid) == (8_200_000, 0)


def test_cdr_bad_signature_stale_timestamp_and_mismatch_change_nothing(client, factory,
                                                                       clock, app):
    tid, seat = seat_with_funds(factory, clock)
    call_id = _authorize(client, factory.admin_token(), seat).get_json()["call_id"]
    body = {"call_id": call_id, "to": UK, "duration_seconds": 30, "status": "completed"}
    assert cdr_post(client, body, at=clock(), secret="wrong").status_code == 403
    assert cdr_post(client, body, at=clock() - timedelta(minutes=6)).status_code == 403
    assert cdr_post(client, body, at=clock() + timedelta(minutes=6)).status_code == 403
    no_sig = client.post("/webhooks/cdr", json=body)
    assert no_sig.status_code == 403
    wrong_to = cdr_post(client, {**body, "to": "+14155550123"}, at=clock())
    assert wrong_to.status_code == 409
    assert cdr_post(client, {**body, "status": "ringing"}, at=clock()).status_code == 400
    assert cdr_post(client, {**body, "duration_seconds": "x"}, at=clock()).status_code == 400
    with app.app_context():
        assert db.session.get(Call, call_id).status == "authorized"
        assert db.session.scalar(sa.select(sa.func.count(InboundEvent.id))) == 0
    assert _balance(app, tid)[0] == 10_000_000
    # A stale replay of a genuine delivery is refused even though its MAC is right.
    assert cdr_post(client, body, at=clock()).status_code == 204


def test_cdr_cannot_settle_a_twilio_call(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CA77")
    with app.app_context():
        call_id = db.session.scalar(sa.select(Call.id))
    body = {"call_id": call_id, "to": UK, "duration_seconds": 30, "status": "completed"}
    assert cdr_post(client, body, at=clock()).status_code == 204
    with app.app_context():
        assert db.session.get(Call, call_id).status == "authorized"
        assert db.session.scalars(sa.select(InboundEvent.outcome)).one() == "unknown_call"


def test_cdr_for_an_unknown_call_id_is_kept_for_review(client, factory, clock, app):
    seat_with_funds(factory, clock)
    # Ids are not durations: one above a week's seconds is still a call id.
    body = {"call_id": 700_000, "to": UK, "duration_seconds": 30, "status": "completed"}
    assert cdr_post(client, body, at=clock()).status_code == 204
    negative = {**body, "call_id": 1, "duration_seconds": -5}
    assert cdr_post(client, negative, at=clock()).status_code == 400
    with app.app_context():
        event = db.session.scalars(sa.select(InboundEvent)).one()
        assert (event.provider, event.event_id, event.outcome, event.object_id,
                event.call_id) == ("cdr", "700000:completed", "unknown_call", "700000", None)


def test_authorize_is_scoped_to_the_callers_tenant(client, factory, clock):
    tid_a, seat_a = seat_with_funds(factory, clock)
    tid_b, seat_b = seat_with_funds(factory, clock)
    with factory.app.app_context():
        from callcenter.models import User

        owner_a = db.session.scalars(sa.select(User.email).where(
            User.tenant_id == tid_a, User.role == "owner")).one()
    token = factory.token(owner_a)
    assert _authorize(client, token, seat_b).status_code == 404
    assert _authorize(client, token, seat_a).get_json()["allowed"] is True
    agent = factory.token(factory.user(tid_a, "agent"))
    assert _authorize(client, agent, seat_a).status_code == 403
    assert _authorize(client, token, 42).status_code == 400


def test_call_log_filters_csv_and_agent_scope(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    admin = factory.admin_token()
    place_call(client, seat, UK, "CA1")
    end_call(client, "CA1", "completed", 90)
    place_call(client, seat, "+14155550123", "CA2")
    end_call(client, "CA2", "busy", 0)
    place_call(client, seat, "bogus", "CA3")
    url = f"/api/v1/tenants/{tid}/calls"
    items = client.get(url, headers=bearer(admin)).get_json()["items"]
    assert [c["status"] for c in items] == ["refused", "busy", "completed"]
    done = items[2]
    assert (done["duration_seconds"], done["billed_seconds"], done["rate_per_minute"],
            done["charge"]) == (90, 120, "0.60", "1.20")
    assert items[0]["reasons"] == ["invalid_number"]
    only = client.get(url + "?status=completed&number=2079", headers=bearer(admin)).get_json()
    assert [c["id"] for c in only["items"]] == [done["id"]]
    page = client.get(url + "?limit=2", headers=bearer(admin)).get_json()
    rest = client.get(url + f"?limit=2&cursor={page['next_cursor']}",
                      headers=bearer(admin)).get_json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1
    assert client.get(url + "?from=yesterday", headers=bearer(admin)).status_code == 400
    assert client.get(url + "?from=2026-03-03", headers=bearer(admin)).get_json()["items"] == []
    csv_text = client.get(url + "?format=csv", headers=bearer(admin)).get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,created_at") and len(lines) == 4 and ",1.20," in lines[3]
    # An agent sees only the calls of seats assigned to them.
    agent_email = factory.user(tid, "agent")
    agent = bearer(factory.token(agent_email))
    assert client.get(url, headers=agent).get_json()["items"] == []
    with app.app_context():
        from callcenter.models import User

        db.session.scalars(sa.select(Seat)).one().agent_user_id = db.session.scalar(
            sa.select(User.id).where(User.email == agent_email))
        db.session.commit()
    assert len(client.get(url, headers=agent).get_json()["items"]) == 3


def test_other_tenants_calls_are_404(client, factory, clock):
    tid_a, _ = seat_with_funds(factory, clock)
    b = factory.tenant()
    owner_b = bearer(factory.token(b.owner_email))
    assert client.get(f"/api/v1/tenants/{tid_a}/calls", headers=owner_b).status_code == 404


def test_rates_validation(client, factory, clock, app):
    tid, _ = seat_with_funds(factory, clock)
    admin = bearer(factory.admin_token())
    url = f"/api/v1/tenants/{tid}/rates"
    for body in ({"default_per_minute": 1}, {"default_per_minute": "1", "prefixes": "44"},
                 {"default_per_minute": "1", "prefixes": [{"prefix": "+44", "per_minute": "1"}]},
                 {"default_per_minute": "1", "prefixes": [{"prefix": "44", "per_minute": "1"},
                                                          {"prefix": "44", "per_minute": "2"}]},
                 {"default_per_minute": "1", "billing_increment": "60/0"}):
        assert client.put(url, json=body, headers=admin).status_code == 400, body
    with app.app_context():
        from callcenter.models import RatePlan

        assert db.session.scalar(sa.select(sa.func.count(RatePlan.id))) == 1
