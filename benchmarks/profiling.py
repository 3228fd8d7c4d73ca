"""`make bench-profile`: where a worker's time goes, and what each webhook asks of the DB.

For the status and voice webhooks in turn, against the default gunicorn setting:
py-spy samples one worker under closed-loop load; strace counts that worker's round
trips to PostgreSQL per request (BEGIN, pool pre-ping and COMMIT included, which the
ORM's statement events do not see); pg_stat_database gives commits and rows written per
request; pg_stat_statements the top statements when the server preloads it. Writes
`bench/profile.md`; benchmarks/FINDINGS.md is written from it by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import psycopg

from benchmarks import load, pgdb, seed
from benchmarks.run import (
    BENCH_DIR,
    STATUS_PATH,
    VOICE_PATH,
    Options,
    Prepared,
    _with_db_stats,
    prepared,
    status_items,
)
from benchmarks.server import Server

# Sample attribution: the innermost frame from one of these packages gets the sample.
PACKAGES = [("psycopg", "psycopg (driver, waiting on PostgreSQL)"),
            ("sqlalchemy", "SQLAlchemy (ORM, Core, pool)"), ("flask_sqlalchemy", "SQLAlchemy"),
            ("twilio", "twilio (signature check, TwiML)"), ("werkzeug", "Flask / Werkzeug"),
            ("flask", "Flask / Werkzeug"), ("gunicorn", "gunicorn"),
            ("phonenumbers", "phonenumbers"), ("callcenter", "callcenter (app code)")]
# Inclusive shares of a few functions on the path (a sample counts if any frame matches).
FUNCTIONS = ["_verified", "call_facts", "settle", "authorize", "authorization_facts",
             "plan_rates", "decide", "check_calling_hours", "normalize_number", "run",
             "commit", "_do_ping_w_event", "dial_twiml", "_compile_w_cache",
             "_connection_for_bind"]
FRAME = re.compile(r"(?P<func>[^;(]+) \((?P<file>[^:;)]+)(?::\d+)?\)")


def _package(path: str) -> str | None:
    for name, label in PACKAGES:
        if f"/{name}/" in path or path.startswith(f"{name}/"):
            return label
    return None


def summarize_pyspy(path: Path) -> dict:
    """Shares of the worker's busy samples by package (innermost) and by function."""
    by_package, by_function, total = Counter(), Counter(), 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, frames = int(count), [m.groupdict() for m in FRAME.finditer(stack)]
        total += n
        label = next((lbl for f in reversed(frames) if (lbl := _package(f["file"]))),
                     "Python stdlib / other")
        by_package[label] += n
        names = {f["func"].strip() for f in frames}
        for func in FUNCTIONS:
            by_function[func] += n if func in names else 0
    share = {k: round(100 * v / total, 1) for k, v in by_package.most_common()} if total else {}
    funcs = {k: round(100 * v / total, 1) for k, v in by_function.most_common() if v}
    return {"samples": total, "by_package_pct": share, "functions_incl_pct": funcs}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux /proc)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _backend_pids(dsn: str) -> list[int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]


def _pyspy(pid: int, seconds: float, out: Path) -> subprocess.Popen:
    exe = Path(sys.executable).parent / "py-spy"
    return subprocess.Popen([str(exe), "record", "--pid", str(pid), "--duration",  # noqa: S603
                             str(int(seconds)), "--rate", "200", "--format", "raw",
                             "--nonblocking", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def round_trips(server: Server, path: str, items: list, out: Path) -> dict:
    """strace the workers while one client sends `items`: DB round trips per request."""
    if not shutil.which("strace"):
        return {"skipped": "strace not installed"}
    pids = [arg for pid in server.worker_pids() for arg in ("-p", str(pid))]
    tracer = subprocess.Popen(["strace", "-qq", "-yy", *pids, "-o", str(out),  # noqa: S603,S607
                               "-e", "trace=accept4,sendto"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    load.closed_loop("strace", server.port, path, "status" if "status" in path else "voice",
                     items, clients=1, seconds=60)
    time.sleep(0.5)
    tracer.terminate()
    tracer.wait(timeout=10)
    text = out.read_text() if out.exists() else ""
    # Interleaved pids split calls into "<unfinished ...>" and "<... resumed>" lines.
    requests = len(re.findall(r"accept4.*= \d+<", text))
    to_db = len(re.findall(r"^(?:\d+ +)?sendto\(\d+<TCP:\[[^\]]*:5432\]>", text, re.M))
    return {"requests": requests, "db_round_trips": to_db,
            "round_trips_per_request": round(to_db / requests, 2) if requests else None}


def _phase(opts: Options, prep: Prepared, server: Server, name: str, path: str,
           items: list, probe: list, report: list[str]) -> dict:
    dsn, kind = prep.db.dsn, "status" if path == STATUS_PATH else "voice"
    with_statements, why = pgdb.statements_available(dsn)
    found: dict = {"pg_stat_statements": why}
    found["strace"] = round_trips(server, path, probe, BENCH_DIR / f"strace-{name}.txt")
    if with_statements:
        pgdb.statements_reset(dsn)
    spy_out = BENCH_DIR / f"pyspy-{name}.txt"
    spy = _pyspy(server.worker_pids()[0], opts.seconds, spy_out)
    time.sleep(0.5)
    scans, workers, backends = pgdb.scan_snapshot(dsn), server.worker_pids(), _backend_pids(dsn)
    cpu = _cpu_seconds(workers), _cpu_seconds(backends)
    result = _with_db_stats(opts, dsn, lambda: load.closed_loop(
        name, server.port, path, kind, items, clients=opts.clients, seconds=opts.seconds))
    spy.wait(timeout=opts.seconds + 30)
    found["load"] = result.summary()
    found["cpu_ms_per_request"] = {
        "gunicorn workers": round(1000 * (_cpu_seconds(workers) - cpu[0]) / result.ok, 2),
        "postgres backends": round(1000 * (_cpu_seconds(backends) - cpu[1]) / result.ok, 2)}
    found["scans"] = pgdb.scans_per_request(scans, pgdb.scan_snapshot(dsn), result.ok)
    found["pyspy"] = summarize_pyspy(spy_out) if spy_out.exists() else {"skipped": "no output"}
    if with_statements:
        found["top_statements"] = pgdb.statements_top(dsn)
    report.append(_markdown(name, found))
    return found


def _markdown(name: str, f: dict) -> str:
    lines = [f"## {name}", "", f"- load: {f['load']['per_s']:.0f}/s, p50 "
             f"{f['load']['p50_ms']:.1f} ms, p99 {f['load']['p99_ms']:.1f} ms, "
             f"errors {f['load']['errors']}",
             f"- CPU per request (py-spy sampling one worker included): "
             f"{f['cpu_ms_per_request']}",
             f"- database per request: {f['load'].get('db_per_request')}",
             f"- round trips to PostgreSQL per request (strace): {f['strace']}",
             f"- pg_stat_statements: {f['pg_stat_statements']}",
             f"- index and sequential scans per request (scans, rows): {f['scans']}", "",
             "| package (innermost frame) | share of busy samples |", "|---|---|"]
    spy = f["pyspy"]
    lines += [f"| {k} | {v}% |" for k, v in spy.get("by_package_pct", {}).items()]
    lines += ["", f"{spy.get('samples', 0)} samples. Functions on the stack (inclusive):", ""]
    lines += [f"- `{k}`: {v}%" for k, v in spy.get("functions_incl_pct", {}).items()]
    for s in f.get("top_statements", []):
        lines.append(f"- {s['calls']} x {s['mean_ms']} ms: `{s['query']}`")
    return "\n".join(lines) + "\n"


def profile(opts: Options) -> int:
    """Profile the status and voice webhooks; write bench/profile.md."""
    opts = replace(opts, seconds=min(opts.seconds, 10.0), db_stats_settle=11.0)
    report = ["# Profile of one run", ""]
    with prepared(opts) as prep, Server(prep.db.url, opts.settings, BENCH_DIR) as server:
        fleet, base = prep.fleet, server.base_url
        report.append(f"gunicorn {opts.settings.label()}, {opts.clients} clients, "
                      f"{opts.seconds:g} s per phase; one worker sampled.\n")
        warm = status_items(prep, fleet.many, 100 * opts.clients, base)
        load.closed_loop("warmup", server.port, STATUS_PATH, "status", warm,
                         clients=opts.clients, seconds=2)
        status = status_items(prep, fleet.many, opts.status_budget, base)
        probe = status_items(prep, fleet.many, 200, base)
        _phase(opts, prep, server, "status", STATUS_PATH, status, probe, report)
        voice = seed.voice_requests(fleet.many, opts.voice_budget, base, prep.rng)
        probe = seed.voice_requests(fleet.many, 200, base, prep.rng)
        _phase(opts, prep, server, "voice", VOICE_PATH, voice, probe, report)
    out = BENCH_DIR / "profile.md"
    out.write_text("\n".join(report))
    print("\n".join(report))
    print(f"wrote {out}")
    return 0
