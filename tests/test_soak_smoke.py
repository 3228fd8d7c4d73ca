"""The soak harness works end to end, in a few seconds (`make soak` runs it for minutes).

Gunicorn with one worker on its own PostgreSQL database, a one-second maximum, three
seconds at half of it: no request may fail, the books must be clean, and the summary
must have its minutes, its memory samples and its verdict.
"""

from __future__ import annotations

import pytest

from benchmarks import soak
from benchmarks.server import ServerSettings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads


def test_a_short_soak_runs_clean_and_reports_every_figure(pg_url):
    opts = soak.SoakOptions(seconds=3, max_seconds=1, tenants=3, hot_seats=2, clients=2,
                            threads=2, rss_every=0.5, rss_growth_mb=512, p99_limit_ms=60_000,
                            settings=ServerSettings(workers=1, pool_size=1, max_overflow=0),
                            server_url=pg_url)
    results = soak.soak(opts)
    text = soak.summary(results)

    assert results["errors"] == 0, results["error_samples"]
    assert results["requests"] == results["ok"] > 0
    assert results["ledger_verify"]["exit"] == 0, results["ledger_verify"]["output"]
    assert results["anomalies"] == [] and not results["workers_replaced"]
    assert [m["minute"] for m in results["minutes"]] == [1]
    [worker] = results["memory"]
    assert worker["samples"] >= 3 and worker["first_mb"] > 0
    assert soak.failures(results) == [] and text.endswith("SOAK PASSED"), text


def test_the_verdict_names_what_failed():
    results = {"errors": 2, "error_samples": ["HTTP 500: b''"], "rss_growth_bound_mb": 16,
               "minutes": [{"p99_ms": 900.0}, {"p99_ms": 40_000.0}], "p99_limit_ms": 2000,
               "rate_per_s": 40.0,
               "memory": [{"pid": 7, "growth_mb": 40.0, "flat": False}],
               "workers_replaced": True, "anomalies": ["held_not_sum_of_open_holds: 1"],
               "ledger_verify": {"exit": 1, "output": "tenant 3: balance 10 != ledger 9"}}
    found = soak.failures(results)
    assert len(found) == 6 and "fell behind" in found[1] and "worker 7 grew 40.0 MB" in found[2]
