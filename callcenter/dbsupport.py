"""Engine-level settings that make SQLite behave like the production database."""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from sqlalchemy import event


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
