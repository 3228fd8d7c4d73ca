"""The bench's own PostgreSQL database: created fresh, migrated as in production, dropped.

Also reads the server's counters (pg_stat_database, pg_stat_statements when the server
preloads it) so a phase can report commits and rows written per request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    """The PostgreSQL server to create the bench database on (any database on it)."""
    return (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
            or DEFAULT_SERVER)


def conninfo(url: str) -> str:
    """A libpq URL for psycopg from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass(frozen=True)
class BenchDatabase:
    """A database created for one bench run."""

    name: str
    url: str  # SQLAlchemy URL, for the app
    admin_url: str  # the server's URL we created it from

    @property
    def dsn(self) -> str:
        return conninfo(self.url)


def create(admin_url: str | None = None) -> BenchDatabase:
    """Create an empty database `cc_bench_<pid>_<random>` on the server."""
    admin_url = admin_url or server_url()
    name = f"cc_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return BenchDatabase(name, url, admin_url)


def drop(db: BenchDatabase) -> None:
    """Drop the bench database, closing any connection left to it."""
    with psycopg.connect(conninfo(db.admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def migrate(db: BenchDatabase, env: Mapping[str, str]) -> None:
    """`flask --app wsgi db upgrade` against the bench database, as a deployment does."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "wsgi", "db", "upgrade"],  # noqa: S603
                            cwd=ROOT, env=dict(env), capture_output=True, text=True,
                            timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"migrations failed:\n{result.stdout}\n{result.stderr}")


def server_facts(dsn: str) -> dict:
    """Version and durability settings: figures mean little without them."""
    with psycopg.connect(dsn) as conn:
        facts = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in (
            "server_version", "fsync", "synchronous_commit", "shared_buffers",
            "max_connections", "shared_preload_libraries")}
    return facts


def stats_snapshot(dsn: str) -> dict[str, int]:
    """Cumulative counters of this database (transactions, rows written)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched "
            "FROM pg_stat_database WHERE datname = current_database()").fetchone()
        wal = conn.execute("SELECT wal_records, wal_bytes FROM pg_stat_wal").fetchone()
    keys = ("commits", "rollbacks", "rows_inserted", "rows_updated", "rows_fetched")
    snap = dict(zip(keys, row, strict=True))
    snap["wal_records"], snap["wal_bytes"] = int(wal[0]), int(wal[1])
    return snap


def per_request(before: dict[str, int], after: dict[str, int], requests: int) -> dict:
    """Counter deltas divided by the requests that caused them."""
    if requests <= 0:
        return {}
    return {key: round((after[key] - before[key]) / requests, 2) for key in before}


def scan_snapshot(dsn: str) -> dict[str, tuple[int, int]]:
    """Scans and rows read, per index and per table (sequential), of this database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT indexrelname, idx_scan, idx_tup_fetch FROM pg_stat_user_indexes UNION ALL "
            "SELECT 'seq ' || relname, seq_scan, seq_tup_read FROM pg_stat_user_tables"
        ).fetchall()
    return {name: (scans, fetched) for name, scans, fetched in rows}


def scans_per_request(before: dict, after: dict, requests: int, top: int = 10) -> dict:
    """The busiest indexes and table scans of a phase, per request: (scans, rows)."""
    if requests <= 0:
        return {}
    delta = {name: ((after[name][0] - before.get(name, (0, 0))[0]) / requests,
                    (after[name][1] - before.get(name, (0, 0))[1]) / requests)
             for name in after}
    busiest = sorted(delta.items(), key=lambda kv: kv[1][1] + kv[1][0], reverse=True)
    return {name: (round(s, 2), round(r, 1)) for name, (s, r) in busiest[:top] if s or r}


def statements_available(dsn: str) -> tuple[bool, str]:
    """Whether pg_stat_statements can be used here, and why not if it cannot."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        preload = conn.execute("SHOW shared_preload_libraries").fetchone()[0]
        if "pg_stat_statements" not in preload:
            return False, (f"pg_stat_statements is not in shared_preload_libraries "
                           f"({preload!r}); it needs a server restart, so it was skipped")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return True, "pg_stat_statements loaded"


def statements_reset(dsn: str) -> None:
    """Forget earlier statements of this database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset(0, "
                     "(SELECT oid FROM pg_database WHERE datname = current_database()), 0)")


def statements_top(dsn: str, limit: int = 15) -> list[dict]:
    """The statements of this database that took the most time since the reset."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT calls, total_exec_time, mean_exec_time, left(query, 160) "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT %s",
            (limit,)).fetchall()
    return [{"calls": c, "total_ms": round(t, 1), "mean_ms": round(m, 3), "query": q}
            for c, t, m, q in rows]


def ledger_verify(db: BenchDatabase, env: Mapping[str, str]) -> str | None:
    """`flask --app wsgi ledger verify` on the bench database: None when clean, else its
    report."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "wsgi", "ledger", "verify"],  # noqa: S603
                            cwd=ROOT, env=dict(env), capture_output=True, text=True,
                            timeout=600, check=False)
    if result.returncode == 0:
        return None
    return (result.stdout + result.stderr).strip()[-2000:]
