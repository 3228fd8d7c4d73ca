"""Twilio voice and status webhooks: signatures, TwiML, holds and exactly-once charges."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Hold, InboundEvent, LedgerEntry, Seat, Tenant
from callcenter.services import ledger
from tests.factories import bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds, twilio_post

UK = "+442079460000"
US = "+14155550123"


@pytest.fixture
def app_config():
    return CONFIG


def _tenant_state(app, tid):
    with app.app_context():
        t = db.session.get(Tenant, tid)
        assert ledger.ledger_sum(db.session, tid) == t.balance_micros
        return t.balance_micros, t.held_micros


def _counts(app):
    with app.app_context():
        return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                     for m in (Call, Hold, InboundEvent))


def test_allowed_call_dials_with_time_limit_and_status_callback(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    with app.app_context():
        db.session.get(Tenant, tid).caller_id = "+14155550100"
        db.session.commit()
    resp = place_call(client, seat, UK, "CA100")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    xml = resp.get_data(as_text=True)
    # 10.00 at 0.60/min in whole minutes: 16 minutes = 960 s, hold 9.60
    assert 'timeLimit="960"' in xml and 'callerId="+14155550100"' in xml
    assert 'statusCallback="https://cc.example.com/webhooks/twilio/status"' in xml
    assert 'statusCallbackEvent="completed"' in xml and f">{UK}</Number>" in xml
    assert _tenant_state(app, tid) == (10_000_000, 9_600_000)


@pytest.mark.parametrize("how", ["missing", "wrong_token", "other_host"])
def test_bad_signatures_are_403_and_change_nothing(client, factory, clock, app, how):
    tid, seat = seat_with_funds(factory, clock)
    before = _counts(app)
    params = {"CallSid": "CA1", "From": f"client:{seat}", "To": UK}
    if how == "missing":
        resp = twilio_post(client, "/webhooks/twilio/voice", params, sign=False)
    elif how == "wrong_token":
        resp = twilio_post(client, "/webhooks/twilio/voice", params, token="not-the-token")
    else:
        resp = twilio_post(client, "/webhooks/twilio/voice", params,
                           signed_url="http://localhost/webhooks/twilio/voice")
    assert resp.status_code == 403
    status = twilio_post(client, "/webhooks/twilio/status",
                         {"CallSid": "C2", "ParentCallSid": "CA1", "CallStatus": "completed",
                          "CallDuration": "30"}, sign=False)
    assert status.status_code == 403
    assert _counts(app) == before and _tenant_state(app, tid) == (10_000_000, 0)


def test_twilio_unconfigured_answers_503(factory, clock, database_url):
    from tests.conftest import _make_app, _teardown

    app = _make_app(database_url, clock)
    try:
        resp = app.test_client().post("/webhooks/twilio/voice", data={"CallSid": "x"})
        assert resp.status_code == 503
    finally:
        _teardown(app)


def test_insufficient_funds_rejects_without_a_hold(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="0.50", rate="0.60")
    resp = place_call(client, seat, UK, "CA200")
    assert "<Reject" in resp.get_data(as_text=True) and "<Dial" not in resp.get_data(as_text=True)
    with app.app_context():
        call = db.session.scalars(sa.select(Call)).one()
        assert call.status == "refused" and call.reasons == ["insufficient_funds"]
        assert call.hold_id is None
        assert db.session.scalar(sa.select(sa.func.count(Hold.id))) == 0
    assert _tenant_state(app, tid) == (500_000, 0)


def test_refusals_are_recorded_with_reasons(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    assert "<Reject" in place_call(client, seat, "12345", "CA300").get_data(as_text=True)
    with app.app_context():
        db.session.scalars(sa.select(Seat)).one().status = "released"
        db.session.commit()
    assert "<Reject" in place_call(client, seat, UK, "CA301").get_data(as_text=True)
    assert "<Reject" in place_call(client, "nobody", UK, "CA302").get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(sa.select(Call).order_by(Call.id)).all()
        assert [(c.status, c.reasons) for c in rows] == [
            ("refused", ["invalid_number"]), ("refused", ["seat_inactive"])]
    assert _tenant_state(app, tid) == (10_000_000, 0)


def test_suspended_tenant_cannot_call(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    client.post(f"/api/v1/tenants/{tid}/suspension", json={"reason": "abuse"},
                headers=bearer(factory.admin_token()))
    assert "<Reject" in place_call(client, seat, UK, "CA400").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Call)).one().reasons == ["tenant_not_active"]


def test_retried_voice_webhook_places_one_hold(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    first = place_call(client, seat, UK, "CA500").get_data(as_text=True)
    again = place_call(client, seat, UK, "CA500").get_data(as_text=True)
    assert first == again
    assert _counts(app)[:2] == (1, 1)


def test_completed_callback_twice_and_ringing_after_it_charge_once(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    place_call(client, seat, UK, "CA600")
    assert end_call(client, "CA600", "completed", 61).status_code == 204
    assert end_call(client, "CA600", "completed", 61).status_code == 204
    assert end_call(client, "CA600", "ringing", 0).status_code == 204
    assert end_call(client, "CA600", "canceled", 0, child_sid="CA-other").status_code == 204
    # 61 s at 60/60 is 2 minutes: 1.20
    assert _tenant_state(app, tid) == (8_800_000, 0)
    with app.app_context():
        call = db.session.scalars(sa.select(Call)).one()
        assert (call.status, call.duration_seconds, call.billed_seconds, call.charge_micros) \
            == ("completed", 61, 120, 1_200_000)
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == "call")) == 1
        outcomes = db.session.scalars(sa.select(InboundEvent.outcome)
                                      .order_by(InboundEvent.id)).all()
        assert outcomes == ["applied", "ignored", "duplicate"]


def test_unanswered_call_costs_nothing_and_releases_the_hold(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CA700")
    end_call(client, "CA700", "no-answer", 0)
    assert _tenant_state(app, tid) == (10_000_000, 0)


def test_duration_beyond_the_limit_is_capped_and_flagged(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="1.00", rate="0.60")
    place_call(client, seat, UK, "CA800")  # limit 60 s, hold 0.60
    end_call(client, "CA800", "completed", 600)
    assert _tenant_state(app, tid) == (400_000, 0)
    with app.app_context():
        call = db.session.scalars(sa.select(Call)).one()
        assert call.over_limit and call.charge_micros == 600_000


def test_events_for_unknown_calls_are_kept_for_review(client, factory, clock, app):
    seat_with_funds(factory, clock)
    assert end_call(client, "CA-nobody", "completed", 30).status_code == 204
    with app.app_context():
        event = db.session.scalars(sa.select(InboundEvent)).one()
        assert event.outcome == "unknown_call" and event.call_id is None


def test_call_keeps_the_rates_it_was_authorized_with(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    place_call(client, seat, UK, "CA900")
    resp = client.put(f"/api/v1/tenants/{tid}/rates", headers=bearer(factory.admin_token()),
                      json={"default_per_minute": "5.00", "billing_increment": "1/1",
                            "tenant_consent": True, "consent_note": "signed addendum"})
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    end_call(client, "CA900", "completed", 30)
    assert _tenant_state(app, tid) == (9_400_000, 0)  # one minute at 0.60, not 5.00


def test_longest_prefix_rate_and_connect_fee(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock, balance="10.00")
    resp = client.put(f"/api/v1/tenants/{tid}/rates", headers=bearer(factory.admin_token()),
                      json={"default_per_minute": "1.00", "billing_increment": "6/6",
                            "connect_fee": "0.05",
                            "prefixes": [{"prefix": "44", "per_minute": "0.30"},
                                         {"prefix": "4420", "per_minute": "0.12"}],
                            "tenant_consent": True, "consent_note": "signed addendum"})
    assert resp.status_code == 200, resp.get_json()
    place_call(client, seat, UK, "CA1000")
    end_call(client, "CA1000", "completed", 61)  # 66 s billed at 0.12/min = 0.132 + 0.05
    with app.app_context():
        call = db.session.scalars(sa.select(Call)).one()
        assert call.rate_prefix == "4420" and call.billed_seconds == 66
        assert call.charge_micros == 182_000


def test_bad_status_payload_is_400_and_changes_nothing(client, factory, clock, app):
    tid, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CA1100")
    resp = end_call(client, "CA1100", "completed", -5)
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.scalars(sa.select(Call)).one().status == "authorized"
        assert db.session.scalar(sa.select(sa.func.count(InboundEvent.id))) == 0


def test_without_public_base_url_the_request_host_is_used(factory, clock, database_url):
    from tests.conftest import _make_app, _teardown

    config = {k: v for k, v in CONFIG.items() if k != "PUBLIC_BASE_URL"}
    app = _make_app(database_url, clock, **config)
    try:
        factory.app = app
        client = app.test_client()
        _, seat = seat_with_funds(factory, clock)
        resp = twilio_post(client, "/webhooks/twilio/voice",
                           {"CallSid": "CAH", "From": f"client:{seat}", "To": UK},
                           signed_url="http://localhost/webhooks/twilio/voice")
        xml = resp.get_data(as_text=True)
        assert resp.status_code == 200 and "<Dial" in xml
        assert 'statusCallback="http://localhost/webhooks/twilio/status"' in xml
    finally:
        _teardown(app)


def test_webhook_answers_carry_every_protective_header(client, factory, clock, app):
    _, identity = seat_with_funds(factory, clock)
    placed = place_call(client, identity, UK, "CA-headers")
    ended = end_call(client, "CA-headers", duration=5)
    for resp in (placed, ended):
        names = [name for name, _ in resp.headers if name not in ("Content-Type",
                                                                   "Content-Length")]
        assert names == ["X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                         "Content-Security-Policy", "Cache-Control", "X-Request-Id", "Vary"]
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Vary"] == "Cookie"  # the session was looked at, not written
        assert "Set-Cookie" not in resp.headers
    assert placed.status_code == 200 and ended.status_code == 204
