"""Tenants, tokens, top-ups and the ledger through the JSON API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import ApiToken, AuditLog, LedgerEntry, Tenant
from tests.factories import PASSWORD, bearer

NEW_TENANT = {
    "name": "Acme Outreach", "currency": "usd", "timezone": "Asia/Shanghai",
    "owner_email": "Boss@Acme.test", "owner_password": "s3cret-pass",
    "rate_per_minute": "0.013", "billing_increment": "6/6", "connect_fee": "0.01",
    "seat_price_monthly": "30.00",
}


@pytest.fixture
def admin(factory):
    return bearer(factory.admin_token())


def test_token_from_email_and_password(client, factory, app):
    tenant = factory.tenant()
    resp = client.post("/api/v1/auth/tokens",
                       json={"email": tenant.owner_email.upper(), "password": PASSWORD})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    me = client.get(f"/api/v1/tenants/{tenant.id}", headers=bearer(token))
    assert me.status_code == 200
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken.token_hash))
        assert token not in stored and len(stored) == 64  # only the SHA-256 is kept


def test_wrong_password_is_401_and_repeated_failures_are_throttled(client, factory):
    tenant = factory.tenant()
    for _ in range(5):
        resp = client.post("/api/v1/auth/tokens",
                           json={"email": tenant.owner_email, "password": "nope-nope"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/auth/tokens",
                       json={"email": tenant.owner_email, "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "rate_limited"


def test_throttle_expires_with_the_window(client, factory, clock):
    tenant = factory.tenant()
    for _ in range(5):
        client.post("/api/v1/auth/tokens", json={"email": tenant.owner_email, "password": "x"})
    clock.advance(minutes=16)
    resp = client.post("/api/v1/auth/tokens",
                       json={"email": tenant.owner_email, "password": PASSWORD})
    assert resp.status_code == 201


def test_missing_or_revoked_token_is_401(client, factory):
    assert client.get("/api/v1/tenants").status_code == 401
    assert client.get("/api/v1/tenants", headers=bearer("cc_bogus")).status_code == 401
    token = factory.admin_token()
    tokens = client.post("/api/v1/auth/tokens", json={"email": "x@y.test", "password": "z"})
    assert tokens.status_code == 401
    with factory.app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.delete(f"/api/v1/auth/tokens/{token_id}",
                         headers=bearer(token)).status_code == 204
    resp = client.get("/api/v1/tenants", headers=bearer(token))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"


def test_admin_creates_a_pending_tenant_with_owner_and_rates(client, admin, app):
    resp = client.post("/api/v1/tenants", json=NEW_TENANT, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending" and body["currency"] == "USD"
    assert body["balance"] == "0.00" and body["available"] == "0.00"
    assert body["account_code"] == f"T{body['id']:06d}"
    assert body["rate_plan"]["default_per_minute"] == "0.013"
    assert body["rate_plan"]["billing_increment"] == "6/6"
    assert body["seat_price_monthly"] == "30.00"
    owner = client.post("/api/v1/auth/tokens",
                        json={"email": "boss@acme.test", "password": "s3cret-pass"})
    assert owner.status_code == 201 and owner.get_json()["role"] == "owner"
    with app.app_context():
        assert db.session.scalar(sa.select(AuditLog.action)) == "tenant.create"


def test_duplicate_owner_email_is_409_and_creates_nothing(client, admin, app):
    assert client.post("/api/v1/tenants", json=NEW_TENANT, headers=admin).status_code == 201
    resp = client.post("/api/v1/tenants", json={**NEW_TENANT, "name": "Other"}, headers=admin)
    assert resp.status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tenant.id))) == 1


@pytest.mark.parametrize("field,value", [
    ("currency", "ZZZ"), ("timezone", "Mars/Base"), ("billing_increment", "60"),
    ("billing_increment", "0/60"), ("owner_email", "not-an-email"), ("owner_password", "short"),
    ("name", ""), ("rate_per_minute", 0.013), ("seat_price_monthly", "-1"),
])
def test_invalid_tenant_fields_are_400(client, admin, app, field, value):
    resp = client.post("/api/v1/tenants", json={**NEW_TENANT, field: value}, headers=admin)
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_input"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tenant.id))) == 0


def test_tenant_users_cannot_create_tenants(client, factory):
    tenant = factory.tenant()
    resp = client.post("/api/v1/tenants", json=NEW_TENANT,
                       headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 403


def test_first_bank_topup_activates_and_is_idempotent(client, admin, factory, app):
    tenant = factory.tenant()
    body = {"amount": "150.25", "method": "bank_transfer", "reference": "BANK-77"}
    first = client.post(f"/api/v1/tenants/{tenant.id}/topups", json=body, headers=admin)
    assert first.status_code == 201
    data = first.get_json()
    assert data["tenant"]["status"] == "active" and data["tenant"]["balance"] == "150.25"
    assert data["tenant"]["activated_on"] == "2026-03-02"
    again = client.post(f"/api/v1/tenants/{tenant.id}/topups", json=body, headers=admin)
    assert again.status_code == 200
    assert again.get_json()["entry"]["id"] == data["entry"]["id"]
    clash = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                        json={**body, "amount": "1.00"}, headers=admin)
    assert clash.status_code == 409
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).balance_micros == 150_250_000
        actions = db.session.scalars(sa.select(AuditLog.action)).all()
        assert actions.count("topup.bank_transfer") == 1


def test_owner_cannot_record_topups(client, factory):
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                       json={"amount": "1.00", "method": "bank_transfer", "reference": "r"},
                       headers=bearer(factory.token(tenant.owner_email)))
    assert resp.status_code == 403


def test_ledger_is_newest_first_with_cursor_pages(client, admin, factory):
    tenant = factory.tenant()
    for i in range(5):
        client.post(f"/api/v1/tenants/{tenant.id}/topups", headers=admin,
                    json={"amount": f"{i + 1}.00", "method": "bank_transfer",
                          "reference": f"R{i}"})
    owner = bearer(factory.token(tenant.owner_email))
    page1 = client.get(f"/api/v1/tenants/{tenant.id}/ledger?limit=2", headers=owner).get_json()
    assert [e["amount"] for e in page1["items"]] == ["5.00", "4.00"]
    page2 = client.get(f"/api/v1/tenants/{tenant.id}/ledger?limit=2&cursor="
                       f"{page1['next_cursor']}", headers=owner).get_json()
    assert [e["amount"] for e in page2["items"]] == ["3.00", "2.00"]
    page3 = client.get(f"/api/v1/tenants/{tenant.id}/ledger?limit=2&cursor="
                       f"{page2['next_cursor']}", headers=owner).get_json()
    assert [e["amount"] for e in page3["items"]] == ["1.00"] and page3["next_cursor"] is None
    assert page1["items"][0]["balance_after"] == "15.00"
    bad = client.get(f"/api/v1/tenants/{tenant.id}/ledger?cursor=%%%", headers=owner)
    assert bad.status_code == 400


def test_agent_sees_tenant_but_not_the_ledger(client, factory):
    tenant = factory.tenant()
    agent = bearer(factory.token(factory.user(tenant.id, "agent")))
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers=agent).status_code == 200
    assert client.get(f"/api/v1/tenants/{tenant.id}/ledger", headers=agent).status_code == 403


def test_patch_settings_validates_everything_first(client, admin, factory, app):
    tenant = factory.tenant()
    ok = client.patch(f"/api/v1/tenants/{tenant.id}", headers=admin, json={
        "consent_required": False, "grace_days": 5, "low_balance_threshold": "20.00",
        "calling_window": {"mon": [["10:00", "17:00"]]}})
    assert ok.status_code == 200
    settings = ok.get_json()["settings"]
    assert settings["consent_required"] is False and settings["grace_days"] == 5
    assert settings["low_balance_threshold"] == "20.00"
    bad = client.patch(f"/api/v1/tenants/{tenant.id}", headers=admin,
                       json={"script_required": False, "grace_days": "7"})
    assert bad.status_code == 400
    unknown = client.patch(f"/api/v1/tenants/{tenant.id}", headers=admin,
                           json={"balance_micros": 10**12})
    assert unknown.status_code == 400
    with app.app_context():
        t = db.session.get(Tenant, tenant.id)
        assert t.script_required is True and t.grace_days == 5 and t.balance_micros == 0


def test_suspend_and_resume_with_reasons_are_audited(client, admin, factory, app):
    tenant = factory.tenant(balance="10.00")
    url = f"/api/v1/tenants/{tenant.id}/suspension"
    assert client.post(url, json={}, headers=admin).status_code == 400
    resp = client.post(url, json={"reason": "abuse report"}, headers=admin)
    assert resp.get_json()["status"] == "suspended"
    assert client.post(url, json={"reason": "again"}, headers=admin).status_code == 409
    resp = client.delete(url, json={"reason": "resolved"}, headers=admin)
    assert resp.get_json()["status"] == "active"
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).all()
        assert [(r.action, r.details.get("reason")) for r in rows[-2:]] == [
            ("tenant.suspend", "abuse report"), ("tenant.resume", "resolved")]


def test_errors_have_one_shape(client, admin):
    resp = client.get("/api/v1/tenants/999999", headers=admin)
    assert resp.status_code == 404
    assert set(resp.get_json()["error"]) >= {"code", "message"}
    resp = client.post("/api/v1/tenants", data="not json", headers=admin,
                       content_type="application/json")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "invalid_input"
    resp = client.get("/api/v1/nope", headers=admin)
    assert resp.status_code == 404 and "error" in resp.get_json()


def test_ledger_rows_have_no_orphans(app, client, admin, factory):
    tenant = factory.tenant()
    client.post(f"/api/v1/tenants/{tenant.id}/topups", headers=admin,
                json={"amount": "2.00", "method": "bank_transfer", "reference": "X"})
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.sum(LedgerEntry.amount_micros)))
        assert total == db.session.get(Tenant, tenant.id).balance_micros


def test_token_use_is_recorded_even_on_reads(client, factory, app, clock):
    token = factory.admin_token()
    assert client.get("/api/v1/tenants", headers=bearer(token)).status_code == 200
    with app.app_context():
        used = db.session.scalar(sa.select(ApiToken.last_used_at))
        assert used == clock()


def test_billing_job_forgets_old_failed_sign_ins(client, factory, app, clock):
    from callcenter.models import LoginThrottle
    from callcenter.services import billing_job
    from callcenter.services.access import SYSTEM
    from callcenter.services.uow import UnitOfWork

    tenant = factory.tenant()
    client.post("/api/v1/auth/tokens", json={"email": "gone@x.test", "password": "x"})
    clock.advance(days=2)
    client.post("/api/v1/auth/tokens", json={"email": tenant.owner_email, "password": "y"})
    with app.app_context():
        billing_job.run(UnitOfWork(db.session), SYSTEM, as_of=clock(), now=clock(),
                        retention_days=30, secret="s", gateway=None)
        # The owner's account and the client's address: the unknown email is forgotten.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 2


def test_tenant_list_queries_do_not_grow_with_the_tenants(client, factory, app):
    from tests.web.test_hot_path import StatementCounter

    admin = bearer(factory.admin_token())

    def listing_statements() -> int:
        with app.app_context():
            engine = db.engine
        with StatementCounter(engine) as counter:
            resp = client.get("/api/v1/tenants", headers=admin)
        assert resp.status_code == 200
        return len(counter.statements), len(resp.get_json()["items"])

    factory.tenant()
    listing_statements()  # the token's first use records it: not part of the listing
    few, one = listing_statements()
    for _ in range(4):
        factory.tenant()
    many, five = listing_statements()
    assert (one, five) == (1, 5) and many == few
