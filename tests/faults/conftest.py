"""Fault tests: the app under gunicorn on a private PostgreSQL server that the tests crash
and restart (never the server other test runs share), with a summary of what each fault
did for `make faults`."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.faults.private_pg import PrivatePostgres, bin_dir

SUMMARY: list[tuple[str, dict]] = []


def pytest_terminal_summary(terminalreporter) -> None:
    """What each fault did: answers during the outage, how fast, retries, money checks."""
    if not SUMMARY:
        return
    terminalreporter.section("faults")
    for name, facts in SUMMARY:
        terminalreporter.write_line(f"{name}: " + ", ".join(f"{k} {v}" for k, v in
                                                            facts.items()))


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivatePostgres]:
    """Our own PostgreSQL server, removed at the end of the session."""
    if bin_dir() is None:
        message = "fault tests need PostgreSQL's server binaries (initdb, pg_ctl)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but {message}", pytrace=False)
        pytest.skip(message)
    server = PrivatePostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@dataclass
class Stand:
    """A migrated, seeded database on the private server and the app serving it."""

    pg: PrivatePostgres
    db: object  # benchmarks.pgdb.BenchDatabase
    fleet: object  # benchmarks.seed.Fleet
    rng: random.Random = field(default_factory=lambda: random.Random(17))


@pytest.fixture
def stand(private_pg: PrivatePostgres) -> Iterator[Stand]:
    from benchmarks import pgdb, seed
    from benchmarks.server import app_env

    db = pgdb.create(private_pg.url)
    try:
        pgdb.migrate(db, app_env(db.url, port=0))
        fleet = seed.seed(db.dsn, tenants=8, hot_seats=0, now=datetime.now(UTC))
        yield Stand(private_pg, db, fleet)
    finally:
        private_pg.start() if not _up(private_pg) else None
        pgdb.drop(db)


def _up(pg: PrivatePostgres) -> bool:
    try:
        pg.wait_ready(timeout=1)
        return True
    except Exception:
        return False


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


def monotonic_ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000, 1)
