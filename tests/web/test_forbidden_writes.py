"""A write refused for the caller's role or tenant changes nothing: no row, no balance."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import ApiToken, Base, Script, User
from tests.factories import bearer

UK, UK2 = "+442079460123", "+442079460124"
PROMO = "恭喜您获得网络赌场VIP资格，首充即送，稳赚不赔！"  # screened: waits for review
NEW_TENANT = {"name": "Intruder Ltd", "currency": "USD", "timezone": "UTC",
              "owner_email": "intruder@x.test", "owner_password": "long-enough-1",
              "rate_per_minute": "0.01", "seat_price_monthly": "1.00"}

# (method, path, JSON body, {caller: expected status}). `a` is an active tenant with a
# seat, a consent, a do-not-call entry and a script waiting for review; `t` a terminated
# one with an open bank refund line; `b` another tenant.
ADMIN_ONLY = {"owner": 403, "agent": 403, "other_owner": 404}
TENANT_LISTS = {"agent": 403, "other_owner": 404}
PLATFORM = {"owner": 403, "agent": 403}
OWNER_ONLY = {"agent": 403, "admin": 403, "other_owner": 404}
ON_T = {"t_owner": 403, "other_owner": 404}
WRITES = [
    ("POST", "/tenants", NEW_TENANT, PLATFORM),
    ("PATCH", "/tenants/{a}", {"grace_days": 1, "consent_required": False}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/suspension", {"reason": "abuse"}, ADMIN_ONLY),
    ("DELETE", "/tenants/{a}/suspension", {"reason": "resolved"}, ADMIN_ONLY),
    ("PUT", "/tenants/{a}/rates", {"default_per_minute": "9.99"}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/topups",
     {"amount": "500.00", "method": "bank_transfer", "reference": "FREE-MONEY"}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/payment-intents", {"amount": "10.00"}, OWNER_ONLY),
    ("POST", "/tenants/{a}/seats", {"count": 2}, TENANT_LISTS),
    ("DELETE", "/tenants/{a}/seats/{seat_id}", None, TENANT_LISTS),
    ("PATCH", "/tenants/{a}/seats/{seat_id}", {"agent_user_id": "{agent_id}"}, TENANT_LISTS),
    ("POST", "/tenants/{a}/users", {"email": "new-agent@x.test", "password": "long-enough-1"},
     OWNER_ONLY),
    ("PATCH", "/tenants/{a}/users/{agent_id}", {"active": False}, OWNER_ONLY),
    ("POST", "/auth/password", {"current_password": "not-the-password",
                                "new_password": "long-enough-2"},
     {"owner": 400, "agent": 400, "admin": 400}),
    ("POST", "/calls/authorize", {"seat_identity": "{seat}", "to": UK}, TENANT_LISTS),
    ("POST", "/tenants/{a}/consents", {"numbers": [UK2], "source": "web"}, TENANT_LISTS),
    ("DELETE", "/tenants/{a}/consents/{number}", None, TENANT_LISTS),
    ("POST", "/tenants/{a}/consents/revocations", {"number": "{number}"}, TENANT_LISTS),
    ("POST", "/tenants/{a}/dnc/removals", {"number": "{number}"}, TENANT_LISTS),
    ("POST", "/dnc/removals", {"number": "{number}"}, PLATFORM),
    ("POST", "/tenants/{a}/dnc", {"numbers": [UK2]}, TENANT_LISTS),
    ("DELETE", "/tenants/{a}/dnc/{number}", None, TENANT_LISTS),
    ("POST", "/dnc", {"numbers": [UK2]}, PLATFORM),
    ("DELETE", "/dnc/{number}", None, PLATFORM),
    ("POST", "/tenants/{a}/scripts", {"title": "Hi", "text": "Hello there."}, TENANT_LISTS),
    ("POST", "/scripts/{script_id}/review", {"decision": "approve"}, PLATFORM),
    ("POST", "/billing/run", {"as_of": "2027-01-01"}, PLATFORM),
    ("POST", "/tenants/{a}/termination", {"reason": "breach"}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/termination-request", {"note": "bye"}, OWNER_ONLY),
    ("POST", "/tenants/{t}/termination/lines/{line_id}/retry", None, ON_T),
    ("POST", "/tenants/{t}/termination/lines/{line_id}/close",
     {"status": "paid", "reference": "R-1"}, ON_T),
    ("POST", "/tenants/{t}/erasure", None, ON_T | {"t_owner": 400}),  # owner: not confirmed
    ("POST", "/notices", {"starts_at": "2026-03-10T00:00:00Z", "ends_at": "2026-03-10T02:00:00Z",
                          "message": "Maintenance", "override_short_notice": True}, PLATFORM),
    ("POST", "/tenants/{a}/messages", {"to": [UK2], "body": "Hello"}, OWNER_ONLY),
    ("POST", "/tenants/{a}/messages/{batch_id}/cancel", None, TENANT_LISTS),
    ("GET", "/tenants/{a}/export", None, TENANT_LISTS),  # a read that writes an audit row
    ("POST", "/tenants/{a}/webhook-endpoints",
     {"url": "http://127.0.0.1:9/y", "events": ["call.settled"]}, OWNER_ONLY),
    ("DELETE", "/tenants/{a}/webhook-endpoints/{endpoint_id}", None, OWNER_ONLY),
    ("POST", "/tenants/{a}/webhook-endpoints/{endpoint_id}/test", None, OWNER_ONLY),
    ("POST", "/tenants/{a}/credits", {"amount": "5.00", "reason": "outage"}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/adjustments", {"amount": "-5.00", "reason": "fix"}, ADMIN_ONLY),
    ("PATCH", "/tenants/{a}/invoices/{invoice}", {"fapiao_number": "1234"}, ADMIN_ONLY),
    ("POST", "/tenants/{a}/disputes", {"ledger_entry_id": 1, "reason": "wrong"}, OWNER_ONLY),
    ("POST", "/disputes/{dispute_id}/resolution",
     {"decision": "credit", "amount": "5.00", "note": "ok"}, PLATFORM),
    ("POST", "/tenants/{a}/complaints", {"number": UK2, "kind": "other", "note": "x"},
     ADMIN_ONLY),
    ("DELETE", "/auth/tokens/{owner_token_id}", None,
     {"agent": 404, "other_owner": 404, "admin": 404}),
]
NOT_WRITES = {"POST /api/v1/auth/tokens", "POST /api/v1/tenants/<int:tenant_id>/compliance/check"}


@dataclass
class World:
    ids: dict[str, object]
    tokens: dict[str, dict]


@pytest.fixture
def world(client, factory, app) -> World:
    admin = bearer(factory.admin_token())
    a, b = factory.tenant(balance="100.00"), factory.tenant()
    t = factory.tenant(balance="50.00", timezone="UTC")
    owner = bearer(factory.token(a.owner_email))

    def ok(resp):
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()

    seat = ok(client.post(f"/api/v1/tenants/{a.id}/seats", json={"count": 1},
                          headers=admin))["items"][0]
    ok(client.post(f"/api/v1/tenants/{a.id}/consents", headers=owner,
                   json={"numbers": [UK], "source": "web"}))
    ok(client.post(f"/api/v1/tenants/{a.id}/dnc", json={"numbers": [UK]}, headers=owner))
    ok(client.post("/api/v1/dnc", json={"numbers": [UK]}, headers=admin))
    script = ok(client.post(f"/api/v1/tenants/{a.id}/scripts", headers=owner,
                            json={"title": "Promo", "text": PROMO}))
    assert script["status"] == "pending_review"
    settled = ok(client.post(f"/api/v1/tenants/{t.id}/termination",
                             json={"reason": "tenant_request"}, headers=admin))
    [line] = [x for x in settled["lines"] if x["kind"] == "bank_refund"]
    app.config["OUTBOUND_WEBHOOKS_ALLOW_PRIVATE"] = True  # a receiver on loopback
    endpoint = ok(client.post(f"/api/v1/tenants/{a.id}/webhook-endpoints", headers=owner,
                              json={"url": "http://127.0.0.1:9/x", "events": ["call.settled"]}))
    [invoice] = ok(client.get(f"/api/v1/tenants/{a.id}/invoices", headers=admin))["items"]
    entry = ok(client.get(f"/api/v1/tenants/{a.id}/ledger", headers=admin))["items"][-1]
    dispute = ok(client.post(f"/api/v1/tenants/{a.id}/disputes", headers=owner,
                             json={"ledger_entry_id": entry["id"], "reason": "not mine"}))
    with app.app_context():
        owner_token_id = db.session.scalars(sa.select(ApiToken.id).order_by(ApiToken.id)
                                            .where(ApiToken.user_id == a.owner_id)).first()
    agent_email = factory.user(a.id, "agent")
    with app.app_context():
        agent_id = db.session.scalars(sa.select(User.id).where(User.email == agent_email)).one()
    tokens = {"admin": admin, "owner": owner,
              "agent": bearer(factory.token(agent_email)),
              "other_owner": bearer(factory.token(b.owner_email)),
              "t_owner": bearer(factory.token(t.owner_email))}
    return World({"a": a.id, "t": t.id, "seat_id": seat["id"], "seat": seat["identity"],
                  "script_id": script["id"], "line_id": line["id"],
                  "owner_token_id": owner_token_id, "number": UK,
                  "endpoint_id": endpoint["id"], "invoice": invoice["number"],
                  "dispute_id": dispute["id"], "agent_id": agent_id,
                  "batch_id": 999_999}, tokens)  # refused before any batch is looked up


def _snapshot(app) -> dict[str, list]:
    """Every row of every table (a token's last use aside: reading with it records that)."""
    with app.app_context():
        state = {}
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name != "last_used_at"]
            rows = db.session.execute(sa.select(*columns)).all()
            state[table.name] = sorted(map(repr, rows))
        db.session.rollback()
        return state


def _fill(template, ids: dict):
    if isinstance(template, str):
        return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)
    if isinstance(template, dict):
        return {k: _fill(v, ids) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, ids) for v in template]
    return template


@pytest.mark.parametrize("method,path,body,callers", WRITES,
                         ids=[f"{m} {p}" for m, p, _, _ in WRITES])
def test_a_refused_write_changes_nothing(client, app, world, method, path, body, callers):
    before = _snapshot(app)
    for caller, status in callers.items():
        resp = client.open("/api/v1" + _fill(path, world.ids), method=method,
                           json=_fill(body, world.ids), headers=world.tokens[caller])
        assert resp.status_code == status, (caller, resp.get_json())
        assert _snapshot(app) == before, caller


@pytest.mark.parametrize("method,path,body,callers", [w for w in WRITES if w[2] is not None],
                         ids=[f"{m} {p}" for m, p, b, _ in WRITES if b is not None])
def test_the_role_is_checked_before_the_body_is_read(client, world, method, path, body,
                                                     callers):
    # An invalid body: a caller who may not write here learns nothing about the fields.
    for caller, status in callers.items():
        if path == "/calls/authorize" and status == 404:
            status = 400  # owners may authorize; the 404 was about the seat in the body
        resp = client.open("/api/v1" + _fill(path, world.ids), method=method,
                           json={"not_a_field": [1]}, headers=world.tokens[caller])
        assert resp.status_code == status, (caller, resp.get_json())


def test_every_writing_route_is_covered(app):
    covered = {(m, re.sub(r"\{\w+\}", "*", p)) for m, p, _, _ in WRITES}
    missing = []
    for rule in app.url_map.iter_rules():
        path = rule.rule.removeprefix("/api/v1")
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            generic = re.sub(r"<[^>]+>", "*", path)
            if (method, generic) not in covered and f"{method} {rule.rule}" not in NOT_WRITES:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_the_snapshot_sees_an_allowed_write(client, app, world):
    with app.app_context():
        assert db.session.get(Script, world.ids["script_id"]).status == "pending_review"
    before = _snapshot(app)
    resp = client.patch(f"/api/v1/tenants/{world.ids['a']}", json={"grace_days": 1},
                        headers=world.tokens["admin"])
    assert resp.status_code == 200 and _snapshot(app) != before
