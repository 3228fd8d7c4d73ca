"""Health, readiness and Prometheus metrics."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from tests.factories import bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds
from tests.web.tcp_proxy import TcpProxy

TOKEN = "metrics-test-token"  # noqa: S105


@pytest.fixture
def app_config():
    return {**CONFIG, "METRICS_TOKEN": TOKEN}


def _families(text: str) -> dict:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _value(families: dict, name: str, **labels) -> float:
    """A sample's value (a counter family `x` holds samples `x_total`)."""
    family = families[name.removesuffix("_count")]
    return sum(s.value for s in family.samples
               if s.name in (name, f"{name}_total")
               and all(s.labels.get(k) == v for k, v in labels.items()))


def test_healthz_answers_while_the_process_runs(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_metrics_need_the_token_and_are_off_without_one(client, app):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=bearer("wrong")).status_code == 401
    app.config["METRICS_TOKEN"] = None
    assert client.get("/metrics", headers=bearer(TOKEN)).status_code == 404


def test_metrics_parse_and_count_requests_calls_webhooks_postings_and_jobs(client, factory,
                                                                          clock, app):
    def scrape() -> dict:
        resp = client.get("/metrics", headers=bearer(TOKEN))
        assert resp.status_code == 200 and resp.mimetype == "text/plain"
        return _families(resp.get_data(as_text=True))

    before = scrape()
    _, seat = seat_with_funds(factory, clock, balance="10.00")
    place_call(client, seat, "+442079460000", "CAM1")
    end_call(client, "CAM1", "completed", 30)
    end_call(client, "CAM1", "completed", 30)  # a duplicate
    place_call(client, "no-such-seat", "+442079460000", "CAM2")
    after = scrape()

    def grew(name, **labels):
        earlier = _value(before, name, **labels) if name.removesuffix("_count") in before \
            else 0
        return _value(after, name, **labels) - earlier

    assert grew("callcenter_call_authorizations", provider="twilio", result="allowed") == 1
    assert grew("callcenter_call_authorizations", provider="twilio", result="refused") == 1
    assert grew("callcenter_call_refusals", reason="seat_inactive") == 1
    assert grew("callcenter_inbound_webhooks", provider="twilio", outcome="applied") == 1
    assert grew("callcenter_inbound_webhooks", provider="twilio", outcome="duplicate") == 1
    assert grew("callcenter_ledger_postings", kind="call") == 1
    assert grew("callcenter_ledger_postings", kind="topup") == 1  # the seed bank transfer
    assert grew("callcenter_http_request_duration_seconds_count", method="POST",
                route="/webhooks/twilio/status", status="204") == 2
    assert _value(after, "callcenter_jobs_due") == 0
    assert _value(after, "callcenter_database_up") == 1


def test_counters_of_several_gunicorn_workers_add_up(tmp_path, monkeypatch):
    """Each worker process writes its own files in PROMETHEUS_MULTIPROC_DIR; a scrape
    answered by any of them sums every worker."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    code = ("from callcenter import metrics; "
            "metrics.authorization('twilio', False, ['no_consent'])")
    for _ in range(3):
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    from callcenter import metrics

    families = _families(metrics.exposition({}, {}, {}).decode())
    assert _value(families, "callcenter_call_authorizations", result="refused") == 3
    assert _value(families, "callcenter_call_refusals", reason="no_consent") == 3


def test_readyz_wants_migrations_at_head(client):
    """The test schema is built without Alembic: not at head, so not ready."""
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["checks"]["migrations"]["ok"] is False


@pytest.fixture
def migrated_pg(pg_url):
    """A database of its own, migrated by Alembic, reached through a proxy we control."""
    url = make_url(pg_url)
    name = f"{url.database}_ready_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    try:
        yield proxy, url.set(database=name, host="127.0.0.1", port=proxy.port
                             ).render_as_string(hide_password=False)
    finally:
        proxy.stop()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_readyz_is_503_while_the_database_is_unreachable_and_200_again_after(migrated_pg,
                                                                              clock):
    from flask_migrate import downgrade, upgrade

    from callcenter import create_app
    from callcenter.extensions import db

    proxy, url = migrated_pg
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True,
                                                    "connect_args": {"connect_timeout": 3}}})
    with app.app_context():
        upgrade()
    client = app.test_client()
    try:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.get_json()
        migrations = ready.get_json()["checks"]["migrations"]
        assert migrations["ok"] and [migrations["current"]] == migrations["head"]
        proxy.stop()  # the database goes away
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.get_json()["checks"]["database"]["ok"] is False
        assert client.get("/healthz").status_code == 200  # the process still runs
        proxy.start()  # and comes back on the same address
        assert client.get("/readyz").status_code == 200
        with app.app_context():  # a due job nobody runs (no worker anywhere)
            from callcenter.services import background
            from callcenter.services.uow import UnitOfWork

            uow = UnitOfWork(db.session)
            background.enqueue(uow, "webhook.deliver", {"delivery_id": 0}, now=clock())
            uow.commit()
        clock.advance(minutes=16)
        stuck = client.get("/readyz")
        assert stuck.status_code == 200  # reported, not a reason to leave the balancer
        assert (stuck.get_json()["status"], stuck.get_json()["checks"]["jobs"]["ok"]) == (
            "degraded", False)
        with app.app_context():
            downgrade(revision="0010_screening_rules")
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.get_json()["checks"]["migrations"]["current"] == "0010_screening_rules"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
