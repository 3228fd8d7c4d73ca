"""Reconcile stale holds with Twilio's REST API, faked at the twilio client's HTTP seam."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa
from twilio.http import HttpClient
from twilio.http.response import Response

from callcenter.extensions import db
from callcenter.integrations.twilio_voice import TwilioCalls
from callcenter.models import Call, Tenant
from tests.factories import PASSWORD
from tests.telephony import CONFIG, place_call, seat_with_funds

UK = "+442079460000"
SID = CONFIG["TWILIO_ACCOUNT_SID"]


class FakeTwilioHttp(HttpClient):
    """Answers Twilio's Calls endpoints from a dict; records every request."""

    def __init__(self, calls: dict[str, dict], children: dict[str, list[dict]]) -> None:
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.calls, self.children, self.requests = calls, children, []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        self.requests.append((method, uri, dict(params or {})))
        path = urlparse(uri).path
        assert path.startswith(f"/2010-04-01/Accounts/{SID}/Calls")
        if path.endswith("/Calls.json"):
            parent = (params or {}).get("ParentCallSid")
            body = {"calls": self.children.get(parent, []), "next_page_uri": None,
                    "page": 0, "page_size": 5, "start": 0, "end": 0, "uri": path,
                    "first_page_uri": path, "previous_page_uri": None}
            return Response(200, json.dumps(body))
        sid = path.rsplit("/", 1)[-1].removesuffix(".json")
        if sid not in self.calls:
            return Response(404, json.dumps({"code": 20404, "message": "not found",
                                             "status": 404}))
        return Response(200, json.dumps(self.calls[sid]))


def _call(sid: str, status: str, duration: int, parent: str | None = None) -> dict:
    return {"sid": sid, "account_sid": SID, "status": status, "duration": str(duration),
            "parent_call_sid": parent}


@pytest.fixture
def fake_http():
    return FakeTwilioHttp(
        calls={"CAP1": _call("CAP1", "completed", 130),
               "CAP2": _call("CAP2", "in-progress", 0)},
        children={"CAP1": [_call("CAC1", "completed", 125, "CAP1")]})


@pytest.fixture
def app_config(fake_http):
    return {**CONFIG, "TWILIO_LOOKUP_FACTORY":
            lambda: TwilioCalls(SID, CONFIG["TWILIO_AUTH_TOKEN"], http_client=fake_http)}


def test_reconcile_settles_with_twilios_duration_and_lists_the_rest(client, factory,
                                                                    clock, app, fake_http):
    tid, seat = seat_with_funds(factory, clock, balance="100.00", rate="0.60")
    for sid in ("CAP1", "CAP2", "CAP3"):  # holds 36.00, 36.00 and 27.60
        place_call(client, seat, UK, sid)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["calls", "reconcile"])
    assert json.loads(result.output.splitlines()[0]) == {"settled": [], "left_open": []}
    clock.advance(hours=2)
    result = runner.invoke(args=["calls", "reconcile"])
    report = json.loads(result.output.splitlines()[0])
    with app.app_context():
        calls = {c.provider_call_id: c for c in db.session.scalars(sa.select(Call))}
        assert report == {"settled": [calls["CAP1"].id],
                          "left_open": [calls["CAP2"].id, calls["CAP3"].id]}
        done = calls["CAP1"]
        assert (done.status, done.duration_seconds, done.charge_micros) == \
            ("completed", 125, 1_800_000)
        t = db.session.get(Tenant, tid)
        # Two holds stay open: CAP2 still running at Twilio, CAP3 unknown to it.
        assert (t.balance_micros, t.held_micros) == (98_200_000, 63_600_000)
    assert any("ParentCallSid" in params for _, _, params in fake_http.requests)


def test_without_credentials_holds_stay_open_and_are_listed(factory, clock, database_url):
    from tests.conftest import _make_app, _teardown

    config = {k: v for k, v in CONFIG.items() if k != "TWILIO_ACCOUNT_SID"}
    app = _make_app(database_url, clock, **config)
    try:
        factory.app = app
        client = app.test_client()
        tid, seat = seat_with_funds(factory, clock)
        place_call(client, seat, UK, "CAX")
        clock.advance(hours=2)
        result = app.test_cli_runner().invoke(args=["calls", "reconcile"])
        with app.app_context():
            call = db.session.scalars(sa.select(Call)).one()
            assert json.loads(result.output.splitlines()[0])["left_open"] == [call.id]
            assert call.status == "authorized"
            assert db.session.get(Tenant, tid).held_micros > 0
        factory.admin("ops@x.test")
        client.post("/login", data={"email": "ops@x.test", "password": PASSWORD})
        page = client.get("/admin/calls/open").get_data(as_text=True)
        assert "CAX" in page and UK in page
        client.post(f"/admin/calls/{call.id}/resolve", data={"duration": "45"})
        with app.app_context():
            call = db.session.get(Call, call.id)
            assert call.status == "completed" and call.charge_micros == 600_000
            assert db.session.get(Tenant, tid).held_micros == 0
    finally:
        _teardown(app)


def test_reconcile_waits_for_the_margin(client, factory, clock, app):
    seat_with_funds(factory, clock)
    _, seat = seat_with_funds(factory, clock)
    place_call(client, seat, UK, "CAP1")
    clock.advance(seconds=960 + 60)
    from callcenter.services.reconcile import stale_calls

    with app.app_context():
        assert stale_calls(db.session, clock()) == []
        clock.advance(minutes=15)
        assert len(stale_calls(db.session, clock())) == 1
        assert stale_calls(db.session, clock() - timedelta(days=1)) == []
