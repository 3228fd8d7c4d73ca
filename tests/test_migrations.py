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
