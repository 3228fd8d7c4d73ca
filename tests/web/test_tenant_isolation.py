"""A tenant user never sees or changes another tenant's data."""

from __future__ import annotations

from callcenter.extensions import db
from callcenter.models import Tenant
from tests.factories import bearer


def test_owner_of_a_gets_404_for_b(client, factory):
    a, b = factory.tenant(balance="5.00"), factory.tenant(balance="7.00")
    owner_a = bearer(factory.token(a.owner_email))
    for path in (f"/api/v1/tenants/{b.id}", f"/api/v1/tenants/{b.id}/ledger"):
        resp = client.get(path, headers=owner_a)
        assert resp.status_code == 404, path
        assert resp.get_json()["error"]["code"] == "not_found"
    # Changing B is refused the same way, before any role check can reveal it exists.
    resp = client.patch(f"/api/v1/tenants/{b.id}", json={"grace_days": 1}, headers=owner_a)
    assert resp.status_code == 404
    resp = client.post(f"/api/v1/tenants/{b.id}/topups", headers=owner_a,
                       json={"amount": "1.00", "method": "bank_transfer", "reference": "x"})
    assert resp.status_code == 404
    # A's own resources work.
    assert client.get(f"/api/v1/tenants/{a.id}/ledger", headers=owner_a).status_code == 200


def test_listing_shows_only_ones_own_tenant(client, factory):
    a, b = factory.tenant(name="Alpha"), factory.tenant(name="Beta")
    items = client.get("/api/v1/tenants?q=beta",
                       headers=bearer(factory.token(a.owner_email))).get_json()["items"]
    assert items == []
    items = client.get("/api/v1/tenants",
                       headers=bearer(factory.token(a.owner_email))).get_json()["items"]
    assert [t["id"] for t in items] == [a.id]
    admin_items = client.get("/api/v1/tenants?q=beta",
                             headers=bearer(factory.admin_token())).get_json()["items"]
    assert [t["id"] for t in admin_items] == [b.id]


def test_dashboard_shows_only_ones_own_tenant(client, factory, app):
    from tests.factories import PASSWORD

    a, b = factory.tenant(name="Alpha", balance="5.00"), factory.tenant(name="Beta")
    client.post("/login", data={"email": a.owner_email, "password": PASSWORD})
    page = client.get("/portal/").get_data(as_text=True)
    assert "Alpha" in page and "Beta" not in page
    assert client.get(f"/admin/tenants/{b.id}").status_code == 404
    with app.app_context():
        assert db.session.get(Tenant, b.id).balance_micros == 0
