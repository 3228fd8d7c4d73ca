"""Engine-level settings that make SQLite behave like the production database, and an
`INSERT ... ON CONFLICT DO NOTHING` that SQLAlchemy compiles once."""

from __future__ import annotations

import sqlite3

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
