"""`make soak`: the app under sustained load for minutes; zero errors, flat memory, clean books.

    SOAK_SECONDS=300 python -m benchmarks.soak [--seconds N] [--workers N] ...

On a fresh PostgreSQL database (as `make bench`: BENCH_DATABASE_URL, else
TEST_DATABASE_URL, else postgres@127.0.0.1:5432), gunicorn in production configuration
first settles signed Twilio status callbacks as fast as it can for a few seconds (closed
loop); then it is sent status callbacks at half that rate, open loop (each on its
schedule, latency from the scheduled time), for SOAK_SECONDS. Meanwhile the resident
memory of every gunicorn worker is sampled every few seconds. At the end: requests,
errors, latency percentiles per minute, each worker's memory first and last, the money
check of the benchmark, and `flask ledger verify`. Exits 1 when any request failed, the
server fell behind its schedule (last minute's p99 over SOAK_P99_LIMIT_MS), a worker grew
by more than the bound (SOAK_RSS_GROWTH_MB) or was replaced, or the books are not clean.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace

from benchmarks import check, load, pgdb
from benchmarks.run import BENCH_DIR, STATUS_PATH, Options, prepared, status_items
from benchmarks.server import Server, ServerSettings, app_env


@dataclass(frozen=True)
class SoakOptions:
    """How long, how hard, what counts as flat."""

    seconds: float = float(os.environ.get("SOAK_SECONDS", "300"))
    max_seconds: float = 10.0  # the closed-loop measurement of the maximum
    fraction: float = 0.5  # of the measured maximum
    tenants: int = 200
    hot_seats: int = 20
    clients: int = 4  # load processes
    threads: int = 4  # connections per load process in the open loop
    rss_every: float = float(os.environ.get("SOAK_RSS_EVERY", "10"))
    rss_growth_mb: float = float(os.environ.get("SOAK_RSS_GROWTH_MB", "16"))
    # Kept up: the last minute's p99, counted from each request's scheduled time. A server
    # that falls behind its schedule queues without bound and this grows minute by minute.
    p99_limit_ms: float = float(os.environ.get("SOAK_P99_LIMIT_MS", "2000"))
    settings: ServerSettings = field(default_factory=ServerSettings)
    server_url: str | None = None


class RssSampler:
    """Every worker's resident memory (MB) every `every` seconds, in a thread."""

    def __init__(self, server: Server, every: float) -> None:
        self.server, self.every = server, every
        self.samples: dict[int, list[tuple[float, float]]] = {}
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.sample()

    def sample(self) -> None:
        at = time.monotonic() - self.started
        for pid in self.server.worker_pids():
            rss = rss_mb(pid)
            if rss is not None:
                self.samples.setdefault(pid, []).append((at, rss))


def rss_mb(pid: int) -> float | None:
    """VmRSS of a process in MB, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _soak_worker(port: int, items: list, start_at: float, index: int, processes: int,
                 rate: float, threads: int, queue) -> None:
    """load._open_worker, also keeping each request's scheduled time (for minutes)."""
    lock, slots = threading.Lock(), iter(range(len(items)))
    points, counts, samples = [], {"sent": 0, "ok": 0}, []

    def run() -> None:
        client = load._Client(port, STATUS_PATH, "status")
        while True:
            with lock:
                k = next(slots, None)
            if k is None:
                break
            offset = (k * processes + index) / rate
            due = start_at + offset
            load._sleep_until(due)
            accepted = client.send(items[k])
            latency = (time.monotonic() - due) * 1000
            with lock:
                counts["sent"] += 1
                counts["ok"] += accepted
                points.append((offset, latency, accepted))
        client.close()
        samples.extend(client.samples)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    queue.put({**counts, "index": index, "latencies": [p[1] for p in points if p[2]],
               "samples": samples, "points": points, "ended": time.monotonic(),
               "exhausted": False})


def per_minute(points: list[tuple[float, float, bool]]) -> list[dict]:
    """Requests, errors and latency percentiles of each minute of the schedule."""
    minutes: dict[int, list] = {}
    for offset, latency, ok in points:
        minutes.setdefault(int(offset // 60), []).append((latency, ok))
    rows = []
    for minute in sorted(minutes):
        values = minutes[minute]
        lat = [v for v, ok in values if ok]
        rows.append({"minute": minute + 1, "requests": len(values),
                     "errors": sum(not ok for _, ok in values),
                     "p50_ms": round(load.percentile(lat, 50), 1),
                     "p95_ms": round(load.percentile(lat, 95), 1),
                     "p99_ms": round(load.percentile(lat, 99), 1),
                     "max_ms": round(max(lat, default=0.0), 1)})
    return rows


def ledger_verify(database_url: str) -> tuple[int, str]:
    """`flask --app wsgi ledger verify` on the soak database: exit code and output."""
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    env = {**app_env(database_url, port=0), "LOG_LEVEL": "WARNING"}
    done = subprocess.run([flask, "--app", "wsgi", "ledger", "verify"],  # noqa: S603
                          cwd=pgdb.ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    return done.returncode, (done.stdout + done.stderr).strip()


def memory(samples: dict[int, list[tuple[float, float]]], bound: float) -> list[dict]:
    """Each worker's first and last sample, its peak and whether it stayed flat."""
    rows = []
    for pid, series in sorted(samples.items()):
        first, last = series[0][1], series[-1][1]
        rows.append({"pid": pid, "samples": len(series), "first_mb": round(first, 1),
                     "last_mb": round(last, 1), "max_mb": round(max(v for _, v in series), 1),
                     "growth_mb": round(last - first, 1),
                     "flat": last - first <= bound, "span_s": round(series[-1][0] -
                                                                    series[0][0], 1)})
    return rows


def soak(opts: SoakOptions) -> dict:
    """Prepare, measure the maximum, hold half of it, check; the results as a dict."""
    bench = Options(tenants=opts.tenants, hot_seats=opts.hot_seats, clients=opts.clients,
                    settings=opts.settings, server_url=opts.server_url, mode="soak")
    started = time.time()
    with prepared(bench) as prep:
        seats = prep.fleet.many + prep.fleet.hot
        with Server(prep.db.url, opts.settings, BENCH_DIR) as server:
            base, port = server.base_url, server.port
            probe = status_items(prep, seats, max(200, int(600 * opts.max_seconds)), base)
            peak = load.closed_loop("max", port, STATUS_PATH, "status", probe,
                                    clients=opts.clients, seconds=opts.max_seconds)
            rate = max(1.0, peak.per_s * opts.fraction)
            items = status_items(prep, seats, max(1, int(rate * opts.seconds)), base)
            workers_before = sorted(server.worker_pids())
            with RssSampler(server, opts.rss_every) as sampler:
                start_at = time.monotonic() + 0.3 + 0.05 * opts.clients
                args = [(port, items[i::opts.clients], start_at, i, opts.clients, rate,
                         opts.threads) for i in range(opts.clients)]
                result, parts = load._run("soak", _soak_worker, args, start_at,
                                          len(items) / rate + 300)
            workers_after = sorted(server.worker_pids())
            sent = check.Sent()
            sent.add(peak.ok + result.ok, peak.sent + result.sent)
        money, anomalies = check.money_check(prep.db.dsn, status=sent, voice=check.Sent(),
                                             raw=check.Sent(), raw_charged=0)
        verify_code, verify_text = ledger_verify(prep.db.url)
    points = [p for part in parts for p in part["points"]]
    rows = memory(sampler.samples, opts.rss_growth_mb)
    return {
        "seconds": opts.seconds, "max_per_s": round(peak.per_s, 1),
        "max_errors": peak.errors, "rate_per_s": round(rate, 1),
        "requests": result.sent, "ok": result.ok, "errors": result.errors + peak.errors,
        "error_samples": (peak.error_samples + result.error_samples)[:5],
        "p50_ms": round(load.percentile(result.latencies_ms, 50), 1),
        "p99_ms": round(load.percentile(result.latencies_ms, 99), 1),
        "minutes": per_minute(points), "memory": rows, "rss_every_s": opts.rss_every,
        "rss_growth_bound_mb": opts.rss_growth_mb, "p99_limit_ms": opts.p99_limit_ms,
        "workers_replaced": workers_before != workers_after,
        "anomalies": anomalies, "money": money,
        "ledger_verify": {"exit": verify_code, "output": verify_text},
        "gunicorn": opts.settings.label(), "cores": os.cpu_count(),
        "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
        "duration_s": round(time.time() - started, 1),
    }


def failures(results: dict) -> list[str]:
    """Why the soak failed (empty when it passed)."""
    found = []
    if results["errors"]:
        found.append(f"{results['errors']} failed requests: {results['error_samples'][:2]}")
    last = results["minutes"][-1] if results["minutes"] else None
    if last and last["p99_ms"] > results["p99_limit_ms"]:
        found.append(f"fell behind the schedule: p99 {last['p99_ms']:.0f} ms in the last "
                     f"minute (limit {results['p99_limit_ms']:.0f} ms); the server did not "
                     f"keep up with {results['rate_per_s']}/s")
    found += [f"worker {m['pid']} grew {m['growth_mb']} MB (bound "
              f"{results['rss_growth_bound_mb']} MB)" for m in results["memory"] if not m["flat"]]
    if results["workers_replaced"]:
        found.append("gunicorn replaced a worker during the soak")
    found += results["anomalies"]
    if results["ledger_verify"]["exit"] != 0:
        found.append(f"ledger verify: {results['ledger_verify']['output'][-300:]}")
    return found


def summary(results: dict) -> str:
    """What `make soak` prints."""
    lines = [f"callcenter soak: {results['seconds']:.0f} s of signed Twilio status callbacks "
             f"at {results['rate_per_s']}/s, half the measured maximum of "
             f"{results['max_per_s']}/s; gunicorn {results['gunicorn']}, "
             f"{results['cores']} cores, load {results['load_avg_at_end'][0]} at the end",
             f"requests {results['requests']:,}   errors {results['errors']}   "
             f"p50 {results['p50_ms']} ms   p99 {results['p99_ms']} ms", "",
             "minute  requests  errors   p50 ms   p95 ms   p99 ms   max ms"]
    lines += [f"{m['minute']:>6}  {m['requests']:>8,}  {m['errors']:>6}  {m['p50_ms']:>7}  "
              f"{m['p95_ms']:>7}  {m['p99_ms']:>7}  {m['max_ms']:>7}"
              for m in results["minutes"]]
    lines += ["", f"worker RSS, sampled every {results['rss_every_s']:g} s (flat: growth "
              f"<= {results['rss_growth_bound_mb']:g} MB)",
              "   pid  samples  first MB  last MB  max MB  growth MB  flat"]
    lines += [f"{m['pid']:>6}  {m['samples']:>7}  {m['first_mb']:>8}  {m['last_mb']:>7}  "
              f"{m['max_mb']:>6}  {m['growth_mb']:>9}  {'yes' if m['flat'] else 'NO'}"
              for m in results["memory"]]
    verify = results["ledger_verify"]
    said = verify["output"].splitlines()[-1] if verify["output"] else ""
    lines += ["", f"ledger verify (exit {verify['exit']}): {said}",
              f"money check: {'clean' if not results['anomalies'] else results['anomalies']}"]
    found = failures(results)
    lines.append("SOAK PASSED" if not found else "SOAK FAILED: " + "; ".join(found))
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> SoakOptions:
    """Command-line options (SOAK_SECONDS, SOAK_RSS_EVERY, SOAK_RSS_GROWTH_MB as defaults)."""
    p = argparse.ArgumentParser(prog="python -m benchmarks.soak",
                                description=__doc__.split("\n")[0])
    p.add_argument("--seconds", type=float, help="length of the soak (SOAK_SECONDS, 300)")
    p.add_argument("--max-seconds", type=float, help="closed-loop measurement (10)")
    p.add_argument("--fraction", type=float, help="of the maximum (0.5)")
    p.add_argument("--clients", type=int, help="load processes (4)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (4)")
    p.add_argument("--rss-every", type=float, help="seconds between memory samples (10)")
    p.add_argument("--rss-growth-mb", type=float, help="most a worker may grow (16)")
    p.add_argument("--p99-limit-ms", type=float, help="last minute's p99 at most (2000)")
    p.add_argument("--database-url", help="PostgreSQL server (a new database is made there)")
    args = p.parse_args(argv)
    changes = {name: getattr(args, name) for name in ("seconds", "max_seconds", "fraction",
                                                      "clients", "rss_every", "rss_growth_mb",
                                                      "p99_limit_ms")
               if getattr(args, name) is not None}
    return replace(SoakOptions(), **changes, settings=ServerSettings(workers=args.workers),
                   server_url=args.database_url)


def main(argv: list[str] | None = None) -> int:
    """Run the soak, print the summary; 1 when it failed."""
    results = soak(parse(argv))
    print(summary(results))
    return 1 if failures(results) else 0


if __name__ == "__main__":
    sys.exit(main())
