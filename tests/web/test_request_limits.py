"""Oversized bodies are refused before they are read; protective headers on every page."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, bearer
from tests.telephony import CONFIG

BIG = b"x" * (64 * 1024 + 1)


@pytest.fixture
def app_config() -> dict:
    return {**CONFIG, "MAX_CONTENT_LENGTH": 64 * 1024}


@pytest.mark.parametrize("path", ["/api/v1/auth/tokens", "/api/v1/tenants",
                                  "/webhooks/twilio/status", "/webhooks/cdr",
                                  "/webhooks/stripe", "/login"])
def test_oversized_body_is_refused_with_413(client, path):
    resp = client.post(path, data=BIG, content_type="application/json")
    assert resp.status_code == 413


def test_oversized_body_changes_nothing(client, factory):
    tenant = factory.tenant()
    admin = bearer(factory.admin_token())
    body = b'{"amount": "5.00", "method": "bank_transfer", "reference": "' + BIG + b'"}'
    resp = client.post(f"/api/v1/tenants/{tenant.id}/topups", data=body,
                       content_type="application/json", headers=admin)
    assert resp.status_code == 413
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers=admin).get_json()["balance"] \
        == "0.00"


def test_signed_in_pages_are_not_stored_and_carry_protective_headers(client, factory):
    factory.admin("ops@example.com")
    client.post("/login", data={"email": "ops@example.com", "password": PASSWORD})
    resp = client.get("/admin/tenants")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in resp.headers  # production only


@pytest.mark.parametrize("app_config", [{"HSTS_SECONDS": 600}])
def test_hsts_when_configured(client):
    resp = client.get("/login")
    assert resp.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    assert "no-store" not in resp.headers.get("Cache-Control", "")
