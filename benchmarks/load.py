"""Load clients: several processes sending pre-signed webhooks over keep-alive HTTP/1.1.

Closed loop (each process sends its next request when the last one answered) measures
the most the server settles per second. Open loop sends on a fixed schedule whatever
the server does, and counts latency from the scheduled send time, so queueing behind a
slow request is part of the figure rather than hidden by a client that waited.
"""

from __future__ import annotations

import math
import multiprocessing
import socket
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
    sent_per_process: list[int] = field(repr=False)  # process i sent items[i::processes]
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
    """One keep-alive HTTP/1.1 connection that reconnects when the server closed it.

    Plain sockets and pre-built request bytes: the client shares the machine's cores with
    the server and the database, so the less it spends per request (http.client parses
    every response's headers through the email package) the less it takes from what it
    measures. It reads exactly one response per request (Content-Length, or a 204/304
    without a body, or up to the server's close) and honours `Connection: close`.
    """

    def __init__(self, port: int, path: str, kind: str) -> None:
        self.port, self.path, self.kind = port, path, kind
        self.sock: socket.socket | None = None
        self.samples: list[str] = []
        self._head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                      f"Content-Type: {HEADERS['Content-Type']}\r\n").encode()
        self._buffer = b""

    def send(self, request: Request) -> bool:
        body, signature = request
        payload = body if isinstance(body, bytes) else body.encode()
        message = b"".join((self._head, b"X-Twilio-Signature: ", signature.encode(),
                            b"\r\nContent-Length: ", str(len(payload)).encode(),
                            b"\r\n\r\n", payload))
        try:
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._buffer = b""
            self.sock.sendall(message)
            status, data, keep = self._response()
        except (OSError, ValueError) as exc:
            self._sample(f"{type(exc).__name__}: {exc}")
            self.close()
            return False
        if not keep:
            self.close()
        if _accepted(self.kind, status, data):
            return True
        self._sample(f"HTTP {status}: {data[:160]!r}")
        return False

    def _read_more(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def _response(self) -> tuple[int, bytes, bool]:
        """(status, body, connection stays open)."""
        buffer = self._buffer
        while b"\r\n\r\n" not in buffer:
            buffer += self._read_more()
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP response: {lines[0][:80]!r}")
        status, length, keep = int(parts[1]), None, parts[0] == b"HTTP/1.1"
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"connection":
                keep = value.strip().lower() == b"keep-alive" or (
                    keep and value.strip().lower() != b"close")
            elif name == b"transfer-encoding":
                raise ValueError("chunked responses are not expected here")
        if length is None:
            if status in (204, 304):
                length = 0
            else:  # the body runs to the server's close
                try:
                    while True:
                        rest += self._read_more()
                except ConnectionError:
                    pass
                self._buffer = b""
                return status, rest, False
        while len(rest) < length:
            rest += self._read_more()
        self._buffer = rest[length:]
        return status, rest[:length], keep

    def _sample(self, text: str) -> None:
        if len(self.samples) < SAMPLES:
            self.samples.append(text)

    def close(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None
                self._buffer = b""


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _closed_worker(port: int, path: str, kind: str, items: list[Request], start_at: float,
                   stop_at: float, index: int, queue) -> None:
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
    queue.put({"index": index, "sent": sent, "ok": ok, "latencies": latencies,
               "samples": client.samples, "ended": time.monotonic(),
               "exhausted": sent == len(items)})


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
    queue.put({**counts, "index": index, "latencies": latencies, "samples": samples,
               "lags": lags, "ended": time.monotonic(), "exhausted": False})


def _run(name: str, target, per_process_args: list[tuple], start_at: float,
         timeout: float) -> tuple[PhaseResult, list[dict]]:
    ctx = multiprocessing.get_context("fork")  # the prepared requests are inherited, not pickled
    queue = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, queue)) for args in per_process_args]
    for process in processes:
        process.start()
    parts = [queue.get(timeout=timeout) for _ in processes]  # before join: big payloads
    parts.sort(key=lambda part: part["index"])  # as they finished: back in process order
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
    args = [(port, path, kind, items[i::clients], start_at, start_at + seconds, i)
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
