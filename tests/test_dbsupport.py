"""The engine helpers: a cached INSERT ... ON CONFLICT DO NOTHING, and pre-ping only for
connections that sat idle."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.dbsupport import insert_or_skip, ping_only_idle_connections


def _events_table() -> sa.Table:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("key", sa.String(20), unique=True))
    return table


def test_insert_or_skip_skips_a_taken_key_and_is_compiled_once(database_url):
    table = _events_table()
    stmt = insert_or_skip(table, "key").values(key=sa.bindparam("key")).returning(table.c.id)
    assert stmt._generate_cache_key() is not None  # SQLAlchemy reuses its compiled SQL
    assert stmt._generate_cache_key() != sa.insert(table).values(
        key=sa.bindparam("key")).returning(table.c.id)._generate_cache_key()
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            table.create(conn)
            first = conn.execute(stmt, {"key": "a"}).scalar()
            again = conn.execute(stmt, {"key": "a"}).scalar()
            other = conn.execute(stmt, {"key": "b"}).scalar()
            assert first is not None and again is None and other not in (None, first)
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 2
    finally:
        with engine.begin() as conn:
            table.drop(conn, checkfirst=True)
        engine.dispose()


def _pings_on_three_checkouts(url: str, idle_seconds: float) -> int:
    engine = sa.create_engine(url, pool_pre_ping=True, pool_size=1, max_overflow=0)
    pings = []
    ping_only_idle_connections(engine, idle_seconds=idle_seconds)
    original = engine.dialect.do_ping.ping
    engine.dialect.do_ping.ping = lambda conn: pings.append(conn) or original(conn)
    try:
        for _ in range(3):
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
    finally:
        engine.dispose()
    return len(pings)


def test_a_connection_back_from_a_request_moments_ago_is_not_pinged(pg_url):
    # The first checkout opens a fresh connection (never pinged); the next two reuse it.
    assert _pings_on_three_checkouts(pg_url, idle_seconds=60) == 0
    assert _pings_on_three_checkouts(pg_url, idle_seconds=0) == 2  # idle: pinged as before
