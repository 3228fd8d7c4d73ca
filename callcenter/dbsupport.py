"""Engine-level settings: SQLite made to behave like the production database, a pool
pre-ping only for idle connections, and an `INSERT ... ON CONFLICT DO NOTHING` that
SQLAlchemy compiles once."""

from __future__ import annotations

import sqlite3
import time

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal


@event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection, _record) -> None:
    """Foreign keys on, WAL, a busy timeout, and transactions under SQLAlchemy's control."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection) -> None:
    """Take SQLite's write lock up front so two writers never deadlock on an upgrade."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class _OnConflictDoNothing(ClauseElement):
    """`ON CONFLICT (columns) DO NOTHING`, rendered by the PostgreSQL and SQLite
    compilers, with a cache key (the dialects' own clause has none)."""

    __visit_name__ = "on_conflict_do_nothing"
    _traverse_internals = [("inferred_target_elements", InternalTraversal.dp_string_list)]
    constraint_target = None
    inferred_target_whereclause = None

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.inferred_target_elements = list(columns)


class _Insert(sa.sql.dml.Insert):
    inherit_cache = True  # the ON CONFLICT clause is part of its cache key, see above


def insert_or_skip(table: sa.Table, *conflict_columns: str) -> sa.Insert:
    """`INSERT ... ON CONFLICT (conflict_columns) DO NOTHING` on PostgreSQL and SQLite.

    Unlike `postgresql.insert(...).on_conflict_do_nothing()`, SQLAlchemy compiles it
    once and reuses the SQL, which matters on the webhooks' hot path.
    """
    stmt = _Insert(table)
    stmt._post_values_clause = _OnConflictDoNothing(conflict_columns)
    return stmt


# A connection back in the pool for less than this was working a moment ago: checking it
# out again skips the pre-ping (HikariCP's "alive bypass window" is 0.5 s).
PING_BYPASS_SECONDS = 1.0


def ping_only_idle_connections(engine: sa.Engine,
                               idle_seconds: float = PING_BYPASS_SECONDS) -> None:
    """Keep `pool_pre_ping` for connections idle longer than `idle_seconds` only.

    The ping is a round trip on every checkout: under load, where a connection goes
    straight from one request to the next, one of the four or five a webhook makes. A
    connection that broke within the window fails its first statement instead: that
    request answers 503 (providers retry) and the pool replaces the connection.
    """
    def do_ping(dbapi_connection) -> bool:
        returned = getattr(dbapi_connection, "_callcenter_returned_at", None)
        if returned is not None and time.monotonic() - returned < idle_seconds:
            return True
        return do_ping.ping(dbapi_connection)

    do_ping.ping = engine.dialect.do_ping  # the real ping (tests count it)
    engine.dialect.do_ping = do_ping  # type: ignore[method-assign]

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, _record) -> None:
        try:
            dbapi_connection._callcenter_returned_at = time.monotonic()
        except AttributeError:  # None (invalidated), or a driver without attributes
            pass
