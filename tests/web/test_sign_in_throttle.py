"""Sign-in throttling: a growing delay per account and per client, never a lock-out of the
account's owner, atomic under parallel attempts, and no account discovery by timing."""

from __future__ import annotations

import pytest

from callcenter.services import auth
from tests.factories import PASSWORD

ATTACKER, OWNER_HOME, CAFE = "203.0.113.7", "198.51.100.2", "192.0.2.44"


@pytest.fixture
def app_config() -> dict:
    return {"TRUSTED_PROXIES": 1}


def _token(client, email: str, password: str, ip: str):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                       headers={"X-Forwarded-For": ip}, environ_base={"REMOTE_ADDR": "10.0.0.1"})


def test_the_delay_grows_per_account_and_429_says_how_long(client, factory, clock):
    tenant = factory.tenant()
    waits, failures = [], 0
    while len(waits) < 8:
        resp = _token(client, tenant.owner_email, "wrong-pass", ATTACKER)
        if resp.status_code == 429:
            assert resp.get_json()["error"]["code"] == "rate_limited"
            waits.append(int(resp.headers["Retry-After"]))
            clock.advance(seconds=waits[-1])
        else:
            assert resp.status_code == 401
            failures += 1
    assert failures == 12  # 5 free, then one after each delay
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]  # capped at a minute


def test_an_attack_never_locks_the_owner_out(client, factory, clock):
    tenant = factory.tenant()
    assert _token(client, tenant.owner_email, PASSWORD, OWNER_HOME).status_code == 201
    for _ in range(200):  # the attacker retries the moment each delay ends
        resp = _token(client, tenant.owner_email, "guess", ATTACKER)
        if resp.status_code == 429:
            clock.advance(seconds=int(resp.headers["Retry-After"]))
        # Where the owner signed in before, the account's delay does not apply.
        assert _token(client, tenant.owner_email, PASSWORD, OWNER_HOME).status_code == 201
    # From a new place the owner waits at most a minute, however long the attack went on.
    resp = _token(client, tenant.owner_email, PASSWORD, CAFE)
    if resp.status_code == 429:
        assert int(resp.headers["Retry-After"]) <= 60
        clock.advance(seconds=int(resp.headers["Retry-After"]))
        resp = _token(client, tenant.owner_email, PASSWORD, CAFE)
    assert resp.status_code == 201


def test_one_client_guessing_many_accounts_slows_down_to_15_minutes(client, factory, clock):
    waits = []
    for i in range(50):
        resp = _token(client, f"nobody{i}@example.com", "guess", ATTACKER)
        if resp.status_code == 429:
            waits.append(int(resp.headers["Retry-After"]))
            clock.advance(seconds=waits[-1])
    assert waits[:3] == [1, 2, 4] and waits[-1] == 900  # after 20 free failures
    assert _token(client, "someone@example.com", "guess", OWNER_HOME).status_code == 401


def test_the_sign_in_page_says_when_to_retry(client, factory):
    tenant = factory.tenant()
    for _ in range(5):
        client.post("/login", data={"email": tenant.owner_email, "password": "wrong-one"})
    resp = client.post("/login", data={"email": tenant.owner_email, "password": PASSWORD})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"
    assert b"try again in 1 seconds" in resp.data


def test_unknown_emails_cost_a_password_check_too(client, factory, monkeypatch):
    factory.tenant()
    checks = []
    real = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash",
                        lambda digest, pw: checks.append(digest) or real(digest, pw))
    assert _token(client, "nobody@example.com", "whatever-1", CAFE).status_code == 401
    assert len(checks) == 1 and checks[0].startswith(auth.PASSWORD_METHOD.split(":")[0])
