"""Behind a reverse proxy the sign-in throttle counts the real client, not the proxy."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

PROXY = "10.0.0.1"


@pytest.fixture
def app_config() -> dict:
    return {"TRUSTED_PROXIES": 1, "LOGIN_MAX_FAILURES_PER_IP": 5}


def _sign_in(client, email: str, forwarded_for: str):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong-pass"},
                       headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": PROXY})


def test_failures_from_one_client_never_lock_out_another(client, factory):
    tenant = factory.tenant()
    for i in range(8):
        _sign_in(client, f"nobody{i}@example.com", "203.0.113.7")
    assert _sign_in(client, "nobody9@example.com", "203.0.113.7").status_code == 429
    # Another client behind the same proxy still gets its own answer, and so does
    # the right password.
    assert _sign_in(client, "nobody@example.com", "198.51.100.2").status_code == 401
    resp = client.post("/api/v1/auth/tokens",
                       json={"email": tenant.owner_email, "password": PASSWORD},
                       headers={"X-Forwarded-For": "198.51.100.2"},
                       environ_base={"REMOTE_ADDR": PROXY})
    assert resp.status_code == 201


def test_only_the_trusted_hop_counts(client):
    # A client that forges X-Forwarded-For gets the address our proxy appended.
    for i in range(5):
        _sign_in(client, f"x{i}@example.com", f"192.0.2.{i}, 203.0.113.7")
    assert _sign_in(client, "y@example.com", "192.0.2.200, 203.0.113.7").status_code == 429


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 0,
                                         "LOGIN_MAX_FAILURES_PER_IP": 5}])
def test_without_trusted_proxies_forwarded_headers_are_ignored(client):
    for i in range(5):
        _sign_in(client, f"x{i}@example.com", f"192.0.2.{i}")
    # Every attempt came from the proxy's own address: a made-up header changes nothing.
    assert _sign_in(client, "y@example.com", "192.0.2.99").status_code == 429
