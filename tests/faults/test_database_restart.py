"""PostgreSQL crashes and comes back in the middle of a stream of status callbacks.

During the outage the app answers 5xx at once (no hang), nothing is half-written (the
crash loses open transactions whole), the connection pool recovers by itself
(`pool_pre_ping`), the provider's redeliveries charge each call exactly once, and
`ledger verify` is clean afterwards.
"""

from __future__ import annotations

import threading
import time

import pytest

from benchmarks import check, seed
from benchmarks.server import ROOT, Server, ServerSettings
from tests.faults.conftest import SUMMARY
from tests.faults.stream import (
    assert_charged_exactly_once,
    ledger_verify,
    redeliver,
    stream,
)

CALLS = 240


@pytest.mark.parametrize("settings", [
    ServerSettings(workers=2),
    # threaded workers: the callbacks go through the group committer's thread
    ServerSettings("gthread", 2, threads=4, pool_size=6, max_overflow=0),
], ids=["sync", "gthread"])
def test_a_database_crash_mid_stream_charges_every_call_exactly_once(stand, log_dir, settings):
    from datetime import UTC, datetime

    with Server(stand.db.url, settings, log_dir) as server:
        sids = seed.preauthorize(stand.db.dsn, stand.fleet.many, CALLS, datetime.now(UTC),
                                 stand.rng)
        requests = seed.status_requests(sids, server.base_url, stand.rng)
        recovered = threading.Event()  # the last third waits for the database to be back
        result, threads = stream(server.port, requests, pause=0.05,
                                 hold_from=2 * CALLS // 3, gate=recovered)
        while result.done < CALLS // 3:
            time.sleep(0.01)
        stand.pg.crash()
        down_at = time.monotonic()
        time.sleep(1.5)
        stand.pg.start()
        up_at = time.monotonic()
        time.sleep(0.6)  # past the settling margin the "after" answers are counted from
        recovered.set()
        for thread in threads:
            thread.join(timeout=120)
        during = [a for a in result.answers if down_at <= a.at <= up_at]
        after = [a for a in result.answers if a.at > up_at + 0.5]
        failed = result.failed()
        retries = redeliver(server.port, requests, {a.index for a in failed})
        replay = check.replay_duplicates(stand.db.dsn, server.port, requests, [])
        verify = ledger_verify(server.env, ROOT)

    assert during, "no callback arrived while the database was down"
    assert {a.status for a in during} <= {200, 204, 503}
    assert any(a.status == 503 for a in during)
    slowest = max(a.seconds for a in failed)
    assert slowest < 5, f"an answer during the outage took {slowest:.1f} s"
    assert all(a.status == 503 for a in failed)  # a clean 5xx, never a dropped connection
    # The pool recovered by itself: the same workers took callbacks again.
    assert after and all(a.status in (200, 204) for a in after)
    counts = assert_charged_exactly_once(stand.db.dsn, CALLS, replay, verify)
    SUMMARY.append((f"database crash and restart mid-stream ({settings.label()})", {
        "callbacks": CALLS, "answered 503 during the outage": len(failed),
        "slowest 5xx": f"{slowest * 1000:.0f} ms", "redeliveries": retries,
        "charged once": counts["call_entries"], "ledger verify": "clean"}))
