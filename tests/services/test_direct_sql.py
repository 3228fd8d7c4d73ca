"""Statements on the driver (PostgreSQL): the same rows and types as `session.execute`, the
engine's listeners see them, a missing parameter is an error, a driver error is wrapped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Tenant
from callcenter.services import direct_sql

tenants = Tenant.__table__
STMT = (sa.update(tenants).where(tenants.c.id == sa.bindparam("id", type_=sa.Integer))
        .values(updated_at=sa.bindparam("at", type_=tenants.c.updated_at.type))
        .returning(tenants.c.id, tenants.c.updated_at, tenants.c.status))


@pytest.fixture
def tenant_id(pg_app, clock):
    from tests.factories import Factory

    return Factory(pg_app, clock).tenant(balance="1.00").id


def test_a_row_reads_as_session_execute_gives_it_and_listeners_see_it(pg_app, tenant_id):
    at = datetime(2026, 5, 1, 12, 30, tzinfo=UTC)
    seen = []
    with pg_app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda *args: seen.append(args[2]))
        row = direct_sql.first(db.session, STMT, {"id": tenant_id, "at": at}, named=True)
        db.session.commit()
        expected = db.session.execute(sa.select(tenants.c.id, tenants.c.updated_at,
                                                tenants.c.status)
                                      .where(tenants.c.id == tenant_id)).one()
    assert tuple(row) == tuple(expected) and row.updated_at == at  # aware UTC back
    assert any(sql.startswith("UPDATE tenants") for sql in seen)


def test_a_missing_parameter_is_an_error_and_runs_nothing(pg_app, tenant_id):
    with pg_app.app_context():
        with pytest.raises(sa.exc.ArgumentError, match="'at'"):
            direct_sql.first(db.session, STMT, {"id": tenant_id})
        db.session.rollback()


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(pg_app, tenant_id):
    naive = datetime(2026, 5, 1, 12, 30)  # noqa: DTZ001 - refused by the column's type
    with pg_app.app_context():
        with pytest.raises(ValueError, match="naive datetime"):
            direct_sql.first(db.session, STMT, {"id": tenant_id, "at": naive})
        db.session.rollback()
        bad = sa.text("SELECT 1/0 AS x").columns(x=sa.Integer)
        with pytest.raises(sa.exc.DataError):
            direct_sql.first(db.session, bad, {})
        db.session.rollback()
