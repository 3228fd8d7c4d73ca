"""`flask db upgrade` builds the schema from nothing, and it matches the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from callcenter import create_app
from callcenter.extensions import db
from callcenter.models import Base


def _upgrade_and_diff(url: str) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": False})
            diff = compare_metadata(ctx, Base.metadata)
            tables = set(sa.inspect(conn).get_table_names())
        db.engine.dispose()
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    return diff


def test_upgrade_on_empty_sqlite_matches_models(tmp_path):
    assert _upgrade_and_diff(f"sqlite:///{tmp_path / 'fresh.db'}") == []


@pytest.fixture
def empty_pg_database(pg_url):
    url = make_url(pg_url)
    name = f"{url.database}_mig_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_on_empty_postgresql_matches_models(empty_pg_database):
    assert _upgrade_and_diff(empty_pg_database) == []


def _row(table: sa.Table, **values) -> dict:
    """An insertable row: `values`, plus every other NOT NULL column's default."""
    row = {}
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        default = column.default.arg if column.default is not None else None
        row[column.name] = default(None) if callable(default) else default
    return {**row, **values}


def _inbox_round_trip(url: str) -> None:
    """0005 -> 0006 copies both old inboxes into inbound_events; 0006 -> 0005 copies back."""
    from flask_migrate import downgrade

    from callcenter.models import utcnow

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    tables = Base.metadata.tables
    now = utcnow()
    with app.app_context():
        upgrade(revision="0005_payments")
        with db.engine.begin() as conn:
            old = sa.MetaData()
            provider_events = sa.Table("provider_events", old, autoload_with=conn)
            stripe_events = sa.Table("stripe_events", old, autoload_with=conn)
            conn.execute(tables["tenants"].insert(), [_row(
                tables["tenants"], id=7, name="T", currency="USD", timezone="UTC",
                created_at=now, updated_at=now)])
            for call in ({"id": 1, "provider": "twilio", "provider_call_id": "CA1"},
                         {"id": 2, "provider": "cdr", "provider_call_id": None}):
                conn.execute(tables["calls"].insert(), [_row(
                    tables["calls"], tenant_id=7, callee="+442079460000", status="completed",
                    created_at=now, **call)])
            # The payments table as it was at 0005 (later revisions add columns).
            payments = sa.Table("payments", old, autoload_with=conn)
            conn.execute(payments.insert(), [{k: v for k, v in _row(
                tables["payments"], tenant_id=7, intent_id="pi_1", currency="USD",
                amount_micros=1_000_000, created_at=now, updated_at=now).items()
                if k in payments.c}])
            conn.execute(provider_events.insert(), [
                {"provider": "twilio", "event_key": "CA-child:completed", "call_id": 1,
                 "outcome": "applied", "payload": {"CallStatus": "completed"},
                 "received_at": now.replace(tzinfo=None)},
                {"provider": "cdr", "event_key": "2:completed", "call_id": 2,
                 "outcome": "applied", "payload": {"call_id": 2},
                 "received_at": now.replace(tzinfo=None)},
                {"provider": "twilio", "event_key": "CA-x:completed", "call_id": None,
                 "outcome": "unknown_call", "payload": {"ParentCallSid": "CA-x"},
                 "received_at": now.replace(tzinfo=None)}])
            conn.execute(stripe_events.insert(), [
                {"event_id": "evt_1", "type": "payment_intent.succeeded", "object_id": "pi_1",
                 "provider_created": 1700000000, "outcome": "credited",
                 "received_at": now.replace(tzinfo=None)},
                {"event_id": "evt_2", "type": "charge.refunded", "object_id": "ch_1",
                 "provider_created": None, "outcome": "no_line",
                 "received_at": now.replace(tzinfo=None)}])
        upgrade(revision="0006_inbound_events")
        with db.engine.connect() as conn:
            assert not {"provider_events", "stripe_events"} & set(
                sa.inspect(conn).get_table_names())
            ie = tables["inbound_events"]
            rows = {(r.provider, r.event_id): r for r in conn.execute(sa.select(ie))}
        assert set(rows) == {("twilio", "CA-child:completed"), ("cdr", "2:completed"),
                             ("twilio", "CA-x:completed"), ("stripe", "evt_1"),
                             ("stripe", "evt_2")}
        twilio = rows["twilio", "CA-child:completed"]
        assert (twilio.call_id, twilio.tenant_id, twilio.object_id, twilio.outcome,
                twilio.type, twilio.payload) == (1, 7, "CA1", "applied", "call.status",
                                                 {"CallStatus": "completed"})
        cdr = rows["cdr", "2:completed"]
        assert (cdr.call_id, cdr.tenant_id, cdr.object_id) == (2, 7, "2")
        unknown = rows["twilio", "CA-x:completed"]
        assert (unknown.call_id, unknown.tenant_id, unknown.outcome) == (
            None, None, "unknown_call")
        credited = rows["stripe", "evt_1"]
        assert (credited.tenant_id, credited.object_id, credited.type, credited.outcome,
                credited.provider_created, credited.payload) == (
            7, "pi_1", "payment_intent.succeeded", "credited", 1700000000, {})
        assert rows["stripe", "evt_2"].tenant_id is None
        downgrade(revision="0005_payments")
        with db.engine.connect() as conn:
            old = sa.MetaData()
            provider_events = sa.Table("provider_events", old, autoload_with=conn)
            stripe_events = sa.Table("stripe_events", old, autoload_with=conn)
            back = conn.execute(sa.select(provider_events.c.provider, provider_events.c.event_key,
                                          provider_events.c.call_id, provider_events.c.outcome)
                                .order_by(provider_events.c.event_key)).all()
            stripe = conn.execute(sa.select(stripe_events.c.event_id, stripe_events.c.object_id,
                                            stripe_events.c.outcome)
                                  .order_by(stripe_events.c.event_id)).all()
            assert "inbound_events" not in sa.inspect(conn).get_table_names()
        assert [tuple(r) for r in back] == [
            ("cdr", "2:completed", 2, "applied"), ("twilio", "CA-child:completed", 1, "applied"),
            ("twilio", "CA-x:completed", None, "unknown_call")]
        assert [tuple(r) for r in stripe] == [("evt_1", "pi_1", "credited"),
                                              ("evt_2", "ch_1", "no_line")]
        db.engine.dispose()


def test_inbox_migration_copies_events_both_ways_on_sqlite(tmp_path):
    _inbox_round_trip(f"sqlite:///{tmp_path / 'inbox.db'}")


def test_inbox_migration_copies_events_both_ways_on_postgresql(empty_pg_database):
    _inbox_round_trip(empty_pg_database)
