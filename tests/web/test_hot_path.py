"""The webhook hot path stays one read and one write, whatever the tenant's size."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


@pytest.fixture(autouse=True)
def _hints_stay_fresh(monkeypatch):
    """The per-process hints (services/snapshot.py) reload every few seconds of real
    time; a slow machine must not see a reload inside a counted request."""
    from callcenter.services.snapshot import HINTS

    monkeypatch.setattr(HINTS, "monotonic", lambda: 0.0)
    HINTS.clear()


class StatementCounter:
    """`statements`: SQL that does work; `round_trips`: also savepoints (BEGIN excepted);
    `transactions`: BEGIN ... COMMIT pairs; `pings`: pool pre-pings. On PostgreSQL every
    one of these is a round trip: `total` counts them all."""

    def __init__(self, engine):
        self.engine, self.statements, self.round_trips = engine, [], []
        self.transactions, self.pings = 0, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        sa.event.listen(self.engine, "commit", self._commit)
        # The pool's real ping, behind dbsupport's skip for connections just returned.
        self._ping = self.engine.dialect.do_ping.ping
        self.engine.dialect.do_ping.ping = self._pinged
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)
        sa.event.remove(self.engine, "commit", self._commit)
        self.engine.dialect.do_ping.ping = self._ping

    @property
    def total(self) -> int:
        return len(self.round_trips) + 2 * self.transactions + self.pings

    def _commit(self, conn):
        self.transactions += 1

    def _pinged(self, dbapi_connection):
        self.pings += 1
        return self._ping(dbapi_connection)

    def _count(self, conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            self.round_trips.append(statement)
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN",
                                                      "PRAGMA")):
            self.statements.append(statement)


def _counter(app, fn) -> StatementCounter:
    with app.app_context():
        engine = db.engine
    with StatementCounter(engine) as counter:
        fn()
    return counter


def _warm_hints(app) -> None:
    """Load this process's hints (one query every few seconds, not one per call)."""
    from callcenter.services.snapshot import HINTS

    with app.app_context():
        HINTS.get(db.session)


def test_voice_and_status_webhooks_use_a_bounded_number_of_statements(client, factory,
                                                                      clock, app):
    tid, seat = seat_with_funds(factory, clock, compliance=True, balance="50.00")
    with app.app_context():
        from callcenter.models import Tenant
        from callcenter.services import consents, scripts
        from callcenter.services.number_lists import rows_from_numbers

        tenant = db.session.get(Tenant, tid)
        scripts.submit(db.session, factory.admin_actor(), tenant, "t", "Hello, a reminder.",
                       now=clock())
        consents.grant(db.session, factory.admin_actor(), tenant, rows_from_numbers([UK]),
                       source="web", now=clock())
        db.session.commit()
    # Earlier calls must not make later ones slower (no per-call history reads).
    for i in range(5):
        place_call(client, seat, UK, f"CAW{i}")
        end_call(client, f"CAW{i}", "completed", 30)
    answers = []
    voice = _counter(app, lambda: answers.append(place_call(client, seat, UK, "CA1")))
    ended = _counter(app, lambda: end_call(client, "CA1", "completed", 42))
    again = _counter(app, lambda: end_call(client, "CA1", "completed", 42))
    assert "<Dial" in answers[0].get_data(as_text=True)
    print(f"voice: {len(voice.statements)} statements, {voice.total} round trips; status: "
          f"{len(ended.statements)} statements, {ended.total} round trips; duplicate: "
          f"{again.total}")
    # One read and one write each, in one transaction.
    assert voice.transactions == ended.transactions == again.transactions == 1
    assert len(again.round_trips) <= 2, again.round_trips  # read the call, skip the event
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # BEGIN, the read, the write (data-modifying CTEs, no savepoint), COMMIT; the
        # connection the previous request gave back a moment ago is not pinged.
        assert voice.pings == ended.pings == again.pings == 0
        assert len(voice.round_trips) <= 2, voice.round_trips
        assert len(ended.round_trips) <= 2, ended.round_trips
        assert voice.total <= 4 and ended.total <= 4 and again.total <= 4
    else:  # SQLite runs the write's steps one by one, in-process
        assert len(voice.round_trips) <= 4, voice.round_trips
        assert len(ended.round_trips) <= 7, ended.round_trips


def test_cdr_webhook_uses_a_bounded_number_of_statements(client, factory, clock, app):
    from tests.factories import bearer
    from tests.telephony import cdr_post

    _, seat = seat_with_funds(factory, clock, balance="10.00")
    call_id = client.post("/api/v1/calls/authorize", json={"seat_identity": seat, "to": UK},
                          headers=bearer(factory.admin_token())).get_json()["call_id"]
    body = {"call_id": call_id, "to": UK, "duration_seconds": 42, "status": "completed"}
    _warm_hints(app)
    first = _counter(app, lambda: cdr_post(client, body, at=clock()))
    again = _counter(app, lambda: cdr_post(client, body, at=clock()))
    assert first.transactions == again.transactions == 1
    assert len(again.round_trips) <= 2, again.round_trips
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert len(first.round_trips) <= 2, first.round_trips
        assert first.total <= 4 and again.total <= 4
    else:
        assert len(first.round_trips) <= 7, first.round_trips


def test_hot_path_statements_are_compiled_once():
    """SQLAlchemy caches a statement's SQL only if it has a cache key (the dialects'
    own `INSERT ... ON CONFLICT` has none): without one, every webhook compiles again."""
    from itertools import product

    from callcenter.services import call_store, inbox

    chains = [call_store.AUTHORIZE_HELD, call_store.RECORD_CALL] + [
        call_store.settle_chain(event=e, held=h, charged=c)
        for e, h, c in product((True, False), repeat=3)]
    statements = [call_store._authorization_query(), call_store._call_query(True),
                  call_store._call_query(False), inbox._RECORD]
    statements += [chain._one_statement()[0] for chain in chains]
    assert all(stmt._generate_cache_key() is not None for stmt in statements)


def test_settlement_hooks_cost_nothing_for_tenants_without_rules_or_endpoints(
        client, factory, clock, app, monkeypatch):
    """Automatic top-up and `call.settled` consult per-process hints: no statement per
    call, and one query per refresh period for the whole process."""
    from callcenter.services.snapshot import HINTS, REFRESH_SECONDS

    ticks = [0.0]
    monkeypatch.setattr(HINTS, "monotonic", lambda: ticks[0])
    HINTS.clear()
    _, seat = seat_with_funds(factory, clock, balance="50.00")
    place_call(client, seat, UK, "CAH0")
    end_call(client, "CAH0", "completed", 30)  # loads the hints once
    place_call(client, seat, UK, "CAH1")
    warm = _counter(app, lambda: end_call(client, "CAH1", "completed", 30))
    ticks[0] += REFRESH_SECONDS
    place_call(client, seat, UK, "CAH2")
    refresh = _counter(app, lambda: end_call(client, "CAH2", "completed", 30))
    assert not [s for s in warm.statements if "auto_topups" in s or "webhook" in s]
    assert len([s for s in refresh.statements if "auto_topups" in s]) == 1
    assert len(refresh.statements) == len(warm.statements) + 1
