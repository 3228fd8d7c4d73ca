"""The benchmark harness works end to end, in a few seconds (figures are not checked).

A tiny run: gunicorn with one worker on its own PostgreSQL database, three tenants,
half-second phases. It must send webhooks that the app accepts, run the raw ceiling and
the Flask floor, find the money right, and write every key the contract names.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from datetime import UTC, datetime

import psycopg
import pytest

from benchmarks import check, report, seed
from benchmarks.run import Options, bench, prepared
from benchmarks.server import ServerSettings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads

CONTRACT_KEYS = ("app_many_per_s", "raw_many_per_s", "app_hot_per_s", "raw_hot_per_s",
                 "auth_p50_ms", "auth_p99_ms", "cores")


@pytest.fixture
def tiny(pg_url, tmp_path) -> Options:
    return Options(tenants=3, hot_seats=2, clients=2, seconds=0.5, warmup=0.3,
                   status_budget=300, voice_budget=200, replay=4, mode="smoke",
                   settings=ServerSettings(workers=1, pool_size=1, max_overflow=0),
                   server_url=pg_url, out=tmp_path / "results.json")


def test_a_tiny_bench_run_measures_everything_and_finds_the_money_right(tiny):
    results = bench(tiny)

    written = json.loads(tiny.out.read_text())
    for key in CONTRACT_KEYS:
        assert written[key] > 0, key
    assert written["errors_total"] == 0, written["phases"]
    assert written["anomalies"] == []
    money = written["money"]
    assert money["settled_calls"] == money["call_entries"] == money["status_events"] > 0
    assert money["raw_entries"] == money["raw_events"] > 0
    # The Flask floor ran beside them, its events counted and charged on their own
    assert written["floor_many_per_s"] > 0 and written["floor_hot_per_s"] > 0
    floor_ok = written["phases"]["floor_many"]["ok"] + written["phases"]["floor_hot"]["ok"]
    assert money["floor_entries"] == money["floor_events"] == floor_ok > 0
    assert money["floor_charged_micros"] > 0
    table = report.table(written)
    assert re.search(r"Flask floor \(bare Flask endpoint, the raw ceiling's SQL\) +[\d,]+/s", table)
    # How late the open loop's own clients were: a stalled machine, told from a slow app
    assert re.search(r"load clients behind their schedule, p99 +[\d.]+ ms", table)
    # ... and with --compare, for both apps
    compared = {**written, "before": {
        "checkout": "/elsewhere", "commit": "abc1234", "auth_rate_per_s": 50.0,
        "auth_p50_ms": 1.0, "auth_p99_ms": 2.0, "auth_max_per_s": 100.0,
        **{f"app_{k}_per_s": 10.0 for k in ("many", "hot")}},
        "phases": {**written["phases"], "before_auth_open": {"send_lag_p99_ms": 12.5}}}
    assert re.search(r"load clients behind their schedule, p99 +12\.5 ms +[\d.]+ ms",
                     report.table(compared))
    assert money["voice_authorized"] > 0
    assert money["ledger_verify"] == "clean"
    assert results["gunicorn"]["workers"] == 1
    # sync workers settle in the request: no group commit to report. Under threaded
    # workers (the restart fault test serves them through the committer) the table
    # shows the phase's settlements per commit:
    assert written["phases"]["app_many"].get("group_commit") is None
    written["phases"]["app_many"]["group_commit"] = {"batches": 10, "fell_back": 0,
                                                     "pieces": 25, "mean_batch": 2.5}
    assert re.search(r"settlements per commit \(group commit\) +2\.50 +1 each",
                     report.table(written))


def test_the_money_check_flags_a_charge_that_no_settled_call_explains(tiny):
    with prepared(replace(tiny, tenants=1, hot_seats=1)) as prep:
        [sid] = seed.preauthorize(prep.db.dsn, prep.fleet.many, 1, datetime.now(UTC),
                                  random.Random(1))
        with psycopg.connect(prep.db.dsn) as conn:
            tenant_id, hold_id = conn.execute(
                "SELECT tenant_id, hold_id FROM calls WHERE provider_call_id = %s",
                (sid,)).fetchone()
            conn.execute("INSERT INTO ledger_entries (tenant_id, kind, amount_micros, "
                         "balance_after_micros, idempotency_key, created_at) "
                         "VALUES (%s, 'call', -100, 0, %s, now())",
                         (tenant_id, f"hold:{hold_id}"))
        _, anomalies = check.money_check(prep.db.dsn, status=check.Sent(), voice=check.Sent(),
                                         raw=check.Sent(), raw_charged=0)

    assert "balance_not_sum_of_ledger: 1" in anomalies
    assert "call_charge_without_settled_call: 1" in anomalies
    assert any(a.startswith("call ledger entries: 1 in the database") for a in anomalies)
