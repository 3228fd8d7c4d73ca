"""A gunicorn worker killed (SIGKILL) in the middle of requests leaves no partial write:
its open transaction dies with its connection, the master starts a new worker, and the
provider's redeliveries charge each call exactly once."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, datetime

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


def test_killed_workers_leave_no_partial_write(stand, log_dir):
    settings = ServerSettings(workers=2)
    killed = 0
    with Server(stand.db.url, settings, log_dir) as server:
        sids = seed.preauthorize(stand.db.dsn, stand.fleet.many, CALLS, datetime.now(UTC),
                                 stand.rng)
        requests = seed.status_requests(sids, server.base_url, stand.rng)
        result, threads = stream(server.port, requests, clients=6, pause=0.02)
        for share in (4, 2):  # kill a worker at a quarter and at half of the stream
            while result.done < CALLS // share:
                time.sleep(0.005)
            os.kill(server.worker_pids()[0], signal.SIGKILL)
            killed += 1
        for thread in threads:
            thread.join(timeout=120)
        deadline = time.monotonic() + 30
        while len(server.worker_pids()) < settings.workers and time.monotonic() < deadline:
            time.sleep(0.2)
        failed = result.failed()
        retries = redeliver(server.port, requests, {a.index for a in failed})
        replay = check.replay_duplicates(stand.db.dsn, server.port, requests, [])
        verify = ledger_verify(server.env, ROOT)
        workers = len(server.worker_pids())

    assert workers == settings.workers  # the master replaced the killed ones
    counts = assert_charged_exactly_once(stand.db.dsn, CALLS, replay, verify)
    SUMMARY.append(("gunicorn workers killed mid-request", {
        "callbacks": CALLS, "workers killed": killed,
        "requests lost with them": len(failed), "redeliveries": retries,
        "charged once": counts["call_entries"], "ledger verify": "clean"}))
