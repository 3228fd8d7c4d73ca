"""Request logs: one JSON line per request with its id; nothing secret or personal in any log.

The broad test captures everything every logger writes at DEBUG (SQLAlchemy's statements
and rows, Werkzeug's request lines from a real server, Flask's traceback of an unhandled
database error, the app's own lines) through the handler production uses, runs a day's
worth of traffic through it and searches the text for each secret and number it used.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import secrets
import string
import threading
import urllib.parse

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from callcenter import logs
from callcenter.extensions import db
from callcenter.models import Consent
from callcenter.web.common.providers import EXTENSION
from tests.factories import PASSWORD, bearer
from tests.payments.helpers import CONFIG as STRIPE
from tests.payments.helpers import WEBHOOK_SECRET, FakeGateway, card_topup
from tests.telephony import CDR_SECRET, CONFIG, TWILIO_TOKEN, end_call, place_call, twilio_post

UK = "+442079460123"
UK_NATIONAL = "020 7946 0124"
US = "+14155550188"
CN = "+8613800138000"
SECRET_KEY = "matrix-secret-key-0123456789"


@pytest.fixture
def app_config() -> dict:
    return {**CONFIG, **STRIPE, "SECRET_KEY": SECRET_KEY}


@pytest.fixture
def captured(app):
    """Everything logged anywhere, at DEBUG, as production writes it; the text."""
    from callcenter import SECRET_SETTINGS

    logs.add_secrets(app.config.get(name) for name in SECRET_SETTINGS)
    stream = io.StringIO()
    root = logging.getLogger()
    # SQLAlchemy quiets its own loggers to WARNING unless told otherwise: tell it.
    quiet = {name: logging.getLogger(name).level for name in ("sqlalchemy", "werkzeug")}
    level = root.level
    handler = logs.configure(logging.DEBUG, stream)
    for name in quiet:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _variants(number: str) -> set[str]:
    digits = "".join(c for c in number if c.isdigit())
    return {number, digits, urllib.parse.quote(number, safe=""), digits[2:]}


def _werkzeug_delete(app, path: str, headers: dict) -> int:
    """DELETE through a real Werkzeug server, which logs its request line."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    conn.request("DELETE", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    thread.join(10)
    server.server_close()
    return status


def test_a_full_run_logs_no_secret_and_no_number(app, client, factory, clock, captured):
    gateway = app.extensions[EXTENSION] = FakeGateway()
    admin = bearer(factory.admin_token())
    tenant = factory.tenant(balance="100.00", timezone="UTC")

    @app.post("/_test/duplicate/<path:number>")
    def duplicate(number):  # an insert the database refuses, left unhandled (a 500)
        for _ in range(2):
            db.session.add(Consent(tenant_id=tenant.id, number=number, source="web",
                                   granted_at=clock()))
        db.session.flush()

    app.config["PROPAGATE_EXCEPTIONS"] = False  # let Flask log it as in production
    # sign-in with a password (page and API), a token, API calls with it
    assert client.post("/login", data={"email": tenant.owner_email,
                                       "password": PASSWORD + "x"}).status_code == 401
    assert client.post("/login", data={"email": tenant.owner_email,
                                       "password": PASSWORD}).status_code == 302
    resp = client.post("/api/v1/auth/tokens", json={"email": tenant.owner_email,
                                                    "password": PASSWORD})
    assert resp.status_code == 201, resp.get_json()
    token = resp.get_json()["token"]
    owner = bearer(token)
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers=owner).status_code == 200
    seat = client.post(f"/api/v1/tenants/{tenant.id}/seats", json={"count": 1},
                       headers=admin).get_json()["items"][0]
    assert client.post(f"/api/v1/tenants/{tenant.id}/consents", headers=owner,
                       json={"numbers": [UK, US, CN], "source": "web"}).status_code == 200
    assert client.post(f"/api/v1/tenants/{tenant.id}/dnc", headers=owner,
                       json={"numbers": [US]}).status_code == 200
    # a card top-up through the fake Stripe
    intent_id = card_topup(client, token, tenant.id, "25.00")
    client_secret = gateway.intents[intent_id].client_secret
    # Twilio webhooks carrying numbers
    assert place_call(client, seat["identity"], UK, "CA" + "1" * 32).status_code == 200
    assert end_call(client, "CA" + "1" * 32, duration=42).status_code in (200, 204)
    resp = twilio_post(client, "/webhooks/twilio/sms-inbound",
                       {"MessageSid": "SM" + "2" * 32, "From": CN, "To": "+14155550100",
                        "Body": "STOP", "AccountSid": CONFIG["TWILIO_ACCOUNT_SID"]})
    assert resp.status_code < 500
    # CSV import (the page sends parsed rows), national numbers among them
    resp = client.post("/portal/consents/import?source=fair",
                       json={"rows": [{"number": UK_NATIONAL}, {"number": "+442079460125"}],
                             "first_row": 2})
    assert resp.status_code == 200
    # a unique constraint refusing a phone number, unhandled
    assert client.post(f"/_test/duplicate/{UK}").status_code == 500
    # the deprecated paths with a number in them, one through a real server
    assert client.delete(f"/api/v1/tenants/{tenant.id}/consents/{UK}",
                         headers=owner).status_code in (200, 204)
    status = _werkzeug_delete(app, f"/api/v1/tenants/{tenant.id}/dnc/{US}", owner)
    assert status in (200, 204)

    text = captured.getvalue()
    assert "SELECT" in text and "werkzeug" in text  # the capture is broad
    assert "Exception on" in text and "IntegrityError" in text
    assert "[number]" in text and "[email]" in text  # they were there: taken out, not absent
    numbers = set().union(*map(_variants, [UK, US, CN, "+442079460125"]))
    numbers |= {UK_NATIONAL, UK_NATIONAL.replace(" ", "")}
    secrets = {PASSWORD, token, token.split("_", 1)[-1], tenant.owner_email, client_secret,
               TWILIO_TOKEN, CDR_SECRET, WEBHOOK_SECRET, STRIPE["STRIPE_SECRET_KEY"],
               SECRET_KEY, "4242424242424242"}
    leaked = sorted(s for s in numbers | secrets if s and s in text)
    assert leaked == [], [line for line in text.splitlines()
                          if any(s in line for s in leaked)][:5]

    requests = [x for x in _lines(captured) if x.get("event") == "request"]
    assert len(requests) >= 15
    assert all(x["request_id"] and x["method"] and x["status"] and x["duration_ms"] >= 0
               for x in requests)
    deletes = [x for x in requests if x["method"] == "DELETE"]
    assert {x["route"] for x in deletes} == {
        "/api/v1/tenants/<int:tenant_id>/consents/<path:number>",
        "/api/v1/tenants/<int:tenant_id>/dnc/<path:number>"}
    assert all(x["tenant_id"] == tenant.id and x["user_id"] for x in deletes)
    assert any(x["status"] == 500 and x["route"] == "/_test/duplicate/<path:number>"
               for x in requests)


def test_the_request_id_is_kept_when_sane_and_made_otherwise(client, captured):
    resp = client.get("/healthz", headers={"X-Request-Id": "lb-1234.abc_DEF:9"})
    assert resp.headers["X-Request-Id"] == "lb-1234.abc_DEF:9"
    for insane in ("has spaces in it", "x" * 129, "+442079460123", "a\tb", "<script>"):
        resp = client.get("/healthz", headers={"X-Request-Id": insane})
        made = resp.headers["X-Request-Id"]
        assert made != insane and len(made) == 32
    resp = client.get("/healthz")
    assert len(resp.headers["X-Request-Id"]) == 32
    lines = [x for x in _lines(captured) if x.get("event") == "request"]
    assert [x["request_id"] for x in lines][0] == "lb-1234.abc_DEF:9"
    assert lines[0]["route"] == "/healthz" and lines[0]["status"] == 200
    assert "user_id" not in lines[0]


def test_lines_logged_during_a_request_carry_its_id(app, client, captured):
    @app.get("/_test/logs")
    def logs_something():
        logging.getLogger("callcenter.test").warning("inside")
        return "ok"

    resp = client.get("/_test/logs", headers={"X-Request-Id": "req-42"})
    assert resp.status_code == 200
    [inside] = [x for x in _lines(captured) if x["message"] == "inside"]
    assert inside["request_id"] == "req-42" and inside["level"] == "warning"


def test_database_errors_are_logged_without_their_values(app, captured, factory, clock):
    tenant = factory.tenant()
    with app.app_context():
        for _ in range(2):
            db.session.add(Consent(tenant_id=tenant.id, number=UK, source="web",
                                   granted_at=clock()))
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            logging.getLogger("callcenter").exception("database error")
        else:
            pytest.fail("the duplicate was accepted")
        db.session.rollback()
    text = captured.getvalue()
    assert "IntegrityError" in text and UK not in text and "442079460123" not in text
    if "DETAIL" in text:  # PostgreSQL quotes the row it refused
        assert "DETAIL: [redacted]" in text


@pytest.mark.parametrize("text,kept", [
    ("Key (tenant_id, number)=(1, +442079460123) already exists.", "Key (tenant_id, number)"),
    ("call +44 20 7946 0123 or (020) 7946-0123 today", "call "),
    ("national 07700900123, 415.555.0143, 13800138000", "national "),
    ("/api/v1/tenants/3/dnc/%2B442079460123", "/api/v1/tenants/3/dnc/"),
    ("card 4242 4242 4242 4242", "card "),
    ("DETAIL:  Key (email)=(someone@example.com) already exists.", "DETAIL: [redacted]"),
    ("Authorization: Bearer abcdefghijkl", "Bearer [redacted]"),
    ("sk_live_abc123def and whsec_abc123 and pi_1_secret_2", "and"),
])
def test_redaction_takes_out_numbers_and_secrets(text, kept):
    out = logs.redact(text)
    assert kept in out
    for secret in ("2079460123", "7946 0123", "7946-0123", "07700900123", "555.0143",
                   "13800138000", "4242 4242", "someone@", "abcdefghijkl", "sk_live",
                   "whsec_abc", "_secret_"):
        assert secret not in out, out


def test_redaction_keeps_what_logs_need():
    text = ("2026-03-02 14:00:00 GET /api/v1/tenants/12/seats/345 200 in 12.5 ms from "
            "192.168.100.200, call 77 of tenant 1234567")
    assert logs.redact(text) == text


def test_a_secret_added_later_is_taken_out_of_routes_seen_before(app, client, captured):
    # secrets stay registered for the process: a word of its own for each run, in letters
    # (hex digits alone, 2% of the time, read as a number and are redacted as one)
    word = "sekrit-value-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))
    path = f"/_test/route-{word}"
    app.add_url_rule(path, "route_with_a_word", lambda: "ok")

    assert client.get(path).status_code == 200
    logs.add_secrets([word])
    assert client.get(path).status_code == 200
    first, second = [x for x in _lines(captured) if x.get("event") == "request"]
    assert first["route"] == path
    assert second["route"] == "/_test/route-[secret]"
    assert second["message"] == "GET /_test/route-[secret] 200"
    assert word not in captured.getvalue().splitlines()[-1]


def test_a_method_that_looks_like_a_number_is_redacted(client, captured):
    client.open("/healthz", method="442079460123")
    [line] = [x for x in _lines(captured) if x.get("event") == "request"]
    assert line["method"] == "[number]" and "442079460123" not in captured.getvalue()
