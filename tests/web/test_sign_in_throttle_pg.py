"""Parallel sign-in attempts on PostgreSQL get no more tries than allowed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import Factory
from tests.web.test_sign_in_throttle import ATTACKER, _token


@pytest.fixture
def app_config() -> dict:
    return {"TRUSTED_PROXIES": 1}


def test_parallel_attempts_get_no_more_tries_than_allowed(pg_app, clock):
    tenant = Factory(pg_app, clock).tenant()
    barrier = threading.Barrier(16)

    def attempt(i: int) -> int:
        if i < 16:
            barrier.wait()
        with pg_app.test_client() as client:
            return _token(client, tenant.owner_email, "wrong-pass", ATTACKER).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(attempt, range(24)))
    # Counting then inserting let every parallel attempt through; now they take turns.
    assert sorted(codes) == [401] * 5 + [429] * 19
