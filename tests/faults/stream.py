"""Signed status callbacks streamed at the app by a few client threads, then redelivered
the way Twilio retries: every callback not answered 2xx is sent again until it is."""

from __future__ import annotations

import http.client
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

from benchmarks import check
from benchmarks.seed import Request

HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
PATH = "/webhooks/twilio/status"


@dataclass
class Answer:
    index: int
    status: int | None  # None: no HTTP answer (connection reset, worker killed)
    seconds: float
    at: float  # monotonic time it came back


@dataclass
class Stream:
    """Every answer, and how many callbacks have been answered so far."""

    answers: list[Answer] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def done(self) -> int:
        return len(self.answers)

    def failed(self) -> list[Answer]:
        return [a for a in self.answers if a.status not in (200, 204)]


def send(port: int, request: Request, timeout: float = 30) -> tuple[int | None, float]:
    """POST one signed callback on a fresh connection: (status or None, seconds)."""
    body, signature = request
    began = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", PATH, body, {**HEADERS, "X-Twilio-Signature": signature})
        response = conn.getresponse()
        response.read()
        return response.status, time.monotonic() - began
    except (OSError, http.client.HTTPException):
        return None, time.monotonic() - began
    finally:
        conn.close()


def stream(port: int, requests: list[Request], *, clients: int = 4, pause: float = 0.01,
           hold_from: int | None = None, gate: threading.Event | None = None
           ) -> tuple[Stream, list[threading.Thread]]:
    """Start `clients` threads delivering `requests` in order; returns at once. With a
    `gate`, requests from index `hold_from` on wait until it is set (so some surely arrive
    after a fault has ended, however slowly the machine recovers)."""
    result = Stream()

    def work(offset: int) -> None:
        for index in range(offset, len(requests), clients):
            if gate is not None and hold_from is not None and index >= hold_from:
                gate.wait(timeout=120)
            status, seconds = send(port, requests[index])
            with result.lock:
                result.answers.append(Answer(index, status, seconds, time.monotonic()))
            time.sleep(pause)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    return result, threads


def redeliver(port: int, requests: list[Request], pending: set[int], *, rounds: int = 20
              ) -> int:
    """Retry each pending callback until it is answered 2xx; how many retries it took."""
    retries = 0
    for _ in range(rounds):
        if not pending:
            break
        for index in sorted(pending):
            retries += 1
            if send(port, requests[index])[0] in (200, 204):
                pending.discard(index)
        time.sleep(0.5)
    assert not pending, f"{len(pending)} callbacks never accepted"
    return retries


def ledger_verify(env: dict, root) -> subprocess.CompletedProcess:
    """`flask --app wsgi ledger verify` against the app's database."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "ledger", "verify"]
    return subprocess.run(flask, cwd=root, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)


def assert_charged_exactly_once(dsn: str, calls: int, replay: list,
                                verify: subprocess.CompletedProcess) -> dict:
    """Every call charged once, a replay changes nothing, the ledger audit is clean;
    the money check's counts."""
    sent = check.Sent(ok=calls, sent=calls)
    counts, anomalies = check.money_check(dsn, status=sent, voice=check.Sent(),
                                          raw=check.Sent(), raw_charged=0)
    assert anomalies == []
    assert counts["settled_calls"] == counts["call_entries"] == counts["status_events"] \
        == calls
    assert replay == []
    assert verify.returncode == 0, verify.stdout + verify.stderr
    return counts
