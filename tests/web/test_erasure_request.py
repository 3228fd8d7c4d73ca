"""Erasure on the owner's request: only after termination and settlement, only once the
export was downloaded or explicitly declined, confirmed, audited, done at once."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, Consent, Erasure, LedgerEntry, Tenant, Termination, User
from tests.factories import PASSWORD, bearer

UK = "+442079460123"
YES = {"confirm": True}


def _tenant_with_data(client, factory):
    t = factory.tenant(balance="50.00", timezone="UTC")
    owner = bearer(factory.token(t.owner_email))
    resp = client.post(f"/api/v1/tenants/{t.id}/consents", headers=owner,
                       json={"numbers": [UK], "source": "web"})
    assert resp.status_code in (200, 201), resp.get_json()
    return t, owner


def _settle(client, factory, tid):
    resp = client.post(f"/api/v1/tenants/{tid}/termination", json={"reason": "tenant_request"},
                       headers=bearer(factory.admin_token()))
    assert resp.status_code in (200, 201), resp.get_json()


def _consents(app, tid) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Consent.id))
                                 .where(Consent.tenant_id == tid))


def test_nothing_is_erased_before_settlement(client, factory, app):
    t, owner = _tenant_with_data(client, factory)
    for body in (YES | {"declined_export": True}, YES):
        resp = client.post(f"/api/v1/tenants/{t.id}/erasure", json=body, headers=owner)
        assert resp.status_code == 409, resp.get_json()
    assert client.post(f"/api/v1/tenants/{t.id}/termination-request", json={"note": "bye"},
                       headers=owner).status_code in (200, 201)
    resp = client.post(f"/api/v1/tenants/{t.id}/erasure", json=YES | {"declined_export": True},
                       headers=owner)
    assert resp.status_code == 409
    pages = app.test_client()
    pages.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    assert "after termination and settlement" in pages.post(
        "/portal/erasure", data={"confirm": "1", "declined_export": "1"},
        follow_redirects=True).get_data(as_text=True)
    assert _consents(app, t.id) == 1
    with app.app_context():
        assert db.session.get(Tenant, t.id).status != "purged"
        assert db.session.scalar(sa.select(sa.func.count(Erasure.id))) == 0


def test_owner_erases_at_once_after_downloading_the_export(client, factory, app):
    t, owner = _tenant_with_data(client, factory)
    other = factory.tenant()
    _settle(client, factory, t.id)
    url = f"/api/v1/tenants/{t.id}/erasure"
    assert client.post(f"/api/v1/tenants/{t.id}/users", headers=owner, json={
        "email": "late@agents.test", "password": "agent-secret-1"}).status_code == 409
    assert client.post(url, headers=owner).status_code == 400  # not confirmed
    resp = client.post(url, json=YES, headers=owner)
    assert resp.status_code == 409 and "export" in resp.get_json()["error"]["message"]
    stranger = bearer(factory.token(other.owner_email))
    assert client.post(url, json=YES | {"declined_export": True},
                       headers=stranger).status_code == 404
    assert _consents(app, t.id) == 1
    assert client.get(f"/api/v1/tenants/{t.id}/export", headers=owner).status_code == 200
    resp = client.post(url, json=YES, headers=owner)
    assert resp.status_code == 201, resp.get_json()
    assert _consents(app, t.id) == 0
    with app.app_context():
        assert db.session.get(Tenant, t.id).status == "purged"
        record = db.session.scalars(sa.select(Erasure)).one()
        assert (record.trigger, record.actor_user_id) == ("request", t.owner_id)
        term = db.session.scalars(sa.select(Termination)).one()
        assert term.export_downloaded_at is not None and term.erasure_requested_at is not None
        assert not term.export_declined
        [audit] = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "tenant.erasure_request")).all()
        assert audit.details["export_downloaded"] is True
        assert not db.session.get(User, t.owner_id).active
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.tenant_id == t.id)) > 0  # accounting stays
    assert client.post(url, json=YES, headers=owner).status_code == 401  # signed out


def test_owner_erasure_page_confirms_and_accepts_a_declined_export(client, factory, app):
    t, _ = _tenant_with_data(client, factory)
    _settle(client, factory, t.id)
    pages = app.test_client()
    pages.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    assert "Erase your data now" in pages.get("/portal/settlement").get_data(as_text=True)
    page = pages.get("/portal/erasure").get_data(as_text=True)
    assert "Download your data (zip)" in page
    missing = pages.post("/portal/erasure/review", data={})
    assert missing.status_code == 400 and 'id="declined_export-error"' in \
        missing.get_data(as_text=True)
    review = pages.post("/portal/erasure/review", data={"declined_export": "1"})
    assert review.status_code == 200 and "This cannot be undone" in review.get_data(as_text=True)
    assert _consents(app, t.id) == 1  # the review step changes nothing
    done = pages.post("/portal/erasure", data={"confirm": "1", "declined_export": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert _consents(app, t.id) == 0
    with app.app_context():
        assert db.session.scalars(sa.select(Termination)).one().export_declined
    assert pages.get("/portal/").status_code == 302
