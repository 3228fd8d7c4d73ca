"""Phone numbers travel in bodies (paths end up in access logs); old paths still work."""

from __future__ import annotations

from tests.factories import bearer

UK, UK2 = "+442079460123", "+442079460124"


def test_revoke_consent_and_remove_dnc_with_the_number_in_the_body(client, factory):
    tenant = factory.tenant()
    owner = bearer(factory.token(tenant.owner_email))
    admin = bearer(factory.admin_token())
    base = f"/api/v1/tenants/{tenant.id}"
    client.post(f"{base}/consents", json={"numbers": [UK, UK2], "source": "web"}, headers=owner)
    resp = client.post(f"{base}/consents/revocations", json={"number": UK}, headers=owner)
    assert resp.status_code == 200 and resp.get_json()["revoked_at"] is not None
    # The old path keeps working for existing clients.
    assert client.delete(f"{base}/consents/{UK2}", headers=owner).status_code == 200
    assert client.post(f"{base}/consents/revocations", json={"number": "+442079460199"},
                       headers=owner).status_code == 404

    client.post(f"{base}/dnc", json={"numbers": [UK]}, headers=owner)
    assert client.post(f"{base}/dnc/removals", json={"number": UK},
                       headers=owner).status_code == 204
    assert client.get(f"{base}/dnc", headers=owner).get_json()["items"] == []

    client.post("/api/v1/dnc", json={"numbers": [UK]}, headers=admin)
    assert client.post("/api/v1/dnc/removals", json={"number": UK},
                       headers=owner).status_code == 403
    assert client.post("/api/v1/dnc/removals", json={"number": UK},
                       headers=admin).status_code == 204
    assert client.get("/api/v1/dnc", headers=admin).get_json()["items"] == []
