"""The webhook hot path stays a handful of SQL statements, whatever the tenant's size."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


class StatementCounter:
    """`statements`: SQL that does work; `round_trips`: also savepoints (BEGIN excepted)."""

    def __init__(self, engine):
        self.engine, self.statements, self.round_trips = engine, [], []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

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


def _counted(app, fn):
    return _counter(app, fn).statements


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
    voice = _counted(app, lambda: answers.append(place_call(client, seat, UK, "CA1")))
    ended = _counter(app, lambda: end_call(client, "CA1", "completed", 42))
    status = ended.statements
    again = _counter(app, lambda: end_call(client, "CA1", "completed", 42))
    assert "<Dial" in answers[0].get_data(as_text=True)
    print(f"voice: {len(voice)} statements, status: {len(status)} statements, "
          f"{len(ended.round_trips)} round trips; duplicate: {len(again.round_trips)}")
    assert len(voice) <= 10, voice
    assert len(status) <= 10, status
    # The inbox takes the event's key with one INSERT ... ON CONFLICT, no savepoint: a
    # status callback is 12 round trips (14 with the savepoint), a redelivery 2.
    assert len(ended.round_trips) <= 12, ended.round_trips
    assert len(again.round_trips) <= 2, again.round_trips


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
    assert len(first.statements) <= 10, first.statements
    assert len(first.round_trips) <= 12, first.round_trips
    assert len(again.round_trips) <= 2, again.round_trips


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
