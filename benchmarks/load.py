"""Load clients: several processes sending pre-signed webhooks over keep-alive HTTP.

Closed loop (each process sends its next request when the last one answered) measures
the most the server settles per second. Open loop sends on a fixed schedule whatever
the server does, and counts latency from the scheduled send time, so queueing behind a
slow request is part of the figure rather than hidden by a client that waited.
"""

from __future__ import annotations

import http.client
import math
import multiprocessing
import threading
import time
from dataclasses import dataclass, field

from benchmarks.seed import Request

HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}
SAMPLES = 5  # error examples kept per process


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class PhaseResult:
    """What one phase did: counts, elapsed time, latencies in milliseconds."""

    name: str
    seconds: float
    sent: int
    ok: int
    errors: int
    error_samples: list[str]
    latencies_ms: list[float] = field(repr=False)
    sent_per_process: list[int] = field(repr=False)
    exhausted: bool = False  # ran out of prepared requests before the time was up
    extra: dict = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict:
        lat = self.latencies_ms
        return {"per_s": round(self.per_s, 1), "ok": self.ok, "sent": self.sent,
                "errors": self.errors, "seconds": round(self.seconds, 2),
                "p50_ms": round(percentile(lat, 50), 2), "p99_ms": round(percentile(lat, 99), 2),
                "max_ms": round(max(lat, default=0.0), 2), "exhausted": self.exhausted,
                "error_samples": self.error_samples[:SAMPLES], **self.extra}


def _accepted(kind: str, status: int, body: bytes) -> bool:
    if kind == "voice":  # an authorization that placed a hold answers <Dial>
        return status == 200 and b"<Dial" in body
    return status in (200, 204)


class _Client:
    """One keep-alive connection that reconnects when the server closed it."""

    def __init__(self, port: int, path: str, kind: str) -> None:
        self.port, self.path, self.kind = port, path, kind
        self.conn: http.client.HTTPConnection | None = None
        self.samples: list[str] = []

    def send(self, request: Request) -> bool:
        body, signature = request
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("POST", self.path, body,
                              {**HEADERS, "X-Twilio-Signature": signature})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._sample(f"{type(exc).__name__}: {exc}")
            self.close()
            return False
        if _accepted(self.kind, response.status, data):
            return True
        self._sample(f"HTTP {response.status}: {data[:160]!r}")
        return False

    def _sample(self, text: str) -> None:
        if len(self.samples) < SAMPLES:
            self.samples.append(text)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _closed_worker(port: int, path: str, kind: str, items: list[Request], start_at: float,
                   stop_at: float, queue) -> None:
    client, latencies, sent, ok = _Client(port, path, kind), [], 0, 0
    _sleep_until(start_at)
    for request in items:
        began = time.monotonic()
        if began >= stop_at:
            break
        sent += 1
        if client.send(request):
            ok += 1
            latencies.append((time.monotonic() - began) * 1000)
    client.close()
    queue.put({"sent": sent, "ok": ok, "latencies": latencies, "samples": client.samples,
               "ended": time.monotonic(), "exhausted": sent == len(items)})


def _open_worker(port: int, path: str, kind: str, items: list[Request], start_at: float,
                 index: int, processes: int, rate: float, threads: int, queue) -> None:
    """This process owns slots index, index + processes, ...; slot n is due at n / rate."""
    lock, slots = threading.Lock(), iter(range(len(items)))
    latencies, lags, counts, samples = [], [], {"sent": 0, "ok": 0}, []

    def run() -> None:
        client = _Client(port, path, kind)
        while True:
            with lock:
                k = next(slots, None)
            if k is None:
                break
            due = start_at + (k * processes + index) / rate
            _sleep_until(due)
            lags.append((time.monotonic() - due) * 1000)
            accepted = client.send(items[k])
            with lock:
                counts["sent"] += 1
                counts["ok"] += accepted
            if accepted:
                latencies.append((time.monotonic() - due) * 1000)
        client.close()
        samples.extend(client.samples)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put({**counts, "latencies": latencies, "samples": samples, "lags": lags,
               "ended": time.monotonic(), "exhausted": False})


def _run(name: str, target, per_process_args: list[tuple], start_at: float,
         timeout: float) -> tuple[PhaseResult, list[dict]]:
    ctx = multiprocessing.get_context("fork")  # the prepared requests are inherited, not pickled
    queue = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, queue)) for args in per_process_args]
    for process in processes:
        process.start()
    parts = [queue.get(timeout=timeout) for _ in processes]  # before join: big payloads
    for process in processes:
        process.join()
    result = PhaseResult(
        name=name, seconds=max(p["ended"] for p in parts) - start_at,
        sent=sum(p["sent"] for p in parts), ok=sum(p["ok"] for p in parts),
        errors=sum(p["sent"] - p["ok"] for p in parts),
        error_samples=[s for p in parts for s in p["samples"]],
        latencies_ms=[v for p in parts for v in p["latencies"]],
        sent_per_process=[p["sent"] for p in parts],
        exhausted=any(p["exhausted"] for p in parts))
    return result, parts


def closed_loop(name: str, port: int, path: str, kind: str, items: list[Request], *,
                clients: int, seconds: float) -> PhaseResult:
    """`clients` processes, each sending its share of `items` back to back for `seconds`.

    Process i sends items[i::clients], in order (so what was sent is known afterwards).
    """
    start_at = time.monotonic() + 0.3 + 0.05 * clients
    args = [(port, path, kind, items[i::clients], start_at, start_at + seconds)
            for i in range(clients)]
    return _run(name, _closed_worker, args, start_at, seconds + 300)[0]


def open_loop(name: str, port: int, path: str, kind: str, items: list[Request], *,
              clients: int, threads: int, rate: float) -> PhaseResult:
    """Send every item, at `rate` per second in total, on schedule, from `clients` processes
    of `threads` connections each; latency counts from each request's scheduled time."""
    start_at = time.monotonic() + 0.3 + 0.05 * clients
    args = [(port, path, kind, items[i::clients], start_at, i, clients, rate, threads)
            for i in range(clients)]
    result, parts = _run(name, _open_worker, args, start_at, len(items) / rate + 300)
    lags = [v for p in parts for v in p["lags"]]
    result.extra = {"rate_per_s": round(rate, 1), "send_lag_p99_ms": round(percentile(lags, 99), 2),
                    "connections": clients * threads}
    return result
