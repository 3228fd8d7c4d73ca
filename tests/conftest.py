"""Fixtures: every database test runs on SQLite and, when configured, on PostgreSQL.

`TEST_DATABASE_URL` names a PostgreSQL server; each test run creates its own database
there and drops it at the end, so concurrent runs never collide. `REQUIRE_POSTGRES=1`
turns a PostgreSQL skip into a failure (CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Cheap hashes in tests; the algorithm, not its cost, is what tests exercise."""
    from callcenter.services import auth

    auth.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def _pg_unavailable(reason: str) -> None:
    if REQUIRE_PG:
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    if not PG_URL:
        _pg_unavailable("TEST_DATABASE_URL is not set "
                        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    url = make_url(PG_URL)
    name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        _pg_unavailable(f"cannot reach {url.render_as_string()}: {exc.orig}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A file SQLite database for this run (a file, so several connections share it)."""
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


_SCHEMAS: set[str] = set()


def _ensure_schema(url: str) -> None:
    from callcenter.models import Base

    if url not in _SCHEMAS:
        from callcenter import dbsupport  # noqa: F401 - SQLite pragmas

        engine = sa.create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        _SCHEMAS.add(url)


def _wipe(engine: sa.Engine) -> None:
    from callcenter.models import Base

    tables = Base.metadata.sorted_tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def clock():
    """The app's clock; tests move it by hand."""
    from callcenter.domain.clock import FrozenClock

    return FrozenClock(START)


def _make_app(url: str, clock, **extra):
    from callcenter import create_app

    _ensure_schema(url)
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options.update(pool_size=40, max_overflow=10)
    config = {"SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock,
              "SQLALCHEMY_ENGINE_OPTIONS": options}
    config.update(extra)
    return create_app(config)


def _teardown(app) -> None:
    from callcenter.extensions import db

    with app.app_context():
        db.session.remove()
        _wipe(db.engine)
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each database test runs once per backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def app_config() -> dict:
    """Extra configuration for the `app` fixture; a test module may override it."""
    return {}


@pytest.fixture
def app(database_url: str, clock, app_config):
    """The app on one backend; tables are emptied after each test."""
    app = _make_app(database_url, clock, **app_config)
    yield app
    _teardown(app)


@pytest.fixture
def pg_app(pg_url: str, clock, app_config):
    """The app on PostgreSQL only: for concurrency and locking tests."""
    app = _make_app(pg_url, clock, **app_config)
    yield app
    _teardown(app)


@pytest.fixture
def session(app):
    """The app's session inside an app context."""
    from callcenter.extensions import db

    with app.app_context():
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app, clock):
    """Builders for users and tenants, committed, returned as plain ids."""
    from tests.factories import Factory

    return Factory(app, clock)


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def smtp():
    """A local SMTP server; pair it with `app_config` returning `smtp.settings`."""
    from tests.mailserver import smtp_server

    with smtp_server() as (inbox, settings):
        inbox.settings = settings
        yield inbox


@pytest.fixture
def run_jobs(app, clock):
    """Run every due background job once, as the app's worker would (with its config)."""
    def run(**kw) -> dict[str, int]:
        from callcenter.extensions import db
        from callcenter.services import background
        from callcenter.services.uow import UnitOfWork
        from callcenter.worker import context

        with app.app_context():
            try:
                return background.run_due(UnitOfWork(db.session), context(app), clock=clock,
                                          **kw)
            finally:
                db.session.remove()

    return run
