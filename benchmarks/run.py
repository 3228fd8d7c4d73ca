"""`make bench`: the app under gunicorn beside the raw database ceiling, in one run.

    python -m benchmarks [--quick] [--sweep] [--profile] [--seconds N] [--clients N] ...

Creates a fresh PostgreSQL database (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
postgres@127.0.0.1:5432 names the server), migrates it, seeds it, serves the app with
gunicorn on 127.0.0.1, measures, checks the money, drops the database, and writes
`bench/results.json`.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import check, floor, load, pgdb, raw, report, seed
from benchmarks.server import Server, ServerSettings, app_env

BENCH_DIR = pgdb.ROOT / "bench"
STATUS_PATH, VOICE_PATH = "/webhooks/twilio/status", "/webhooks/twilio/voice"


@dataclass(frozen=True)
class Options:
    """Sizes and durations of one run; `quick()` gives the one-minute variant."""

    tenants: int = 1000
    hot_seats: int = 200
    clients: int = 8  # load client processes, for the app and the raw ceiling alike
    seconds: float = 20.0  # per measured phase
    warmup: float = 2.0
    open_threads: int = 4  # connections per client process in the open-loop phase
    status_budget: int = 30_000  # calls pre-authorized for each status phase
    voice_budget: int = 20_000  # voice webhooks prepared for the max-rate phase
    replay: int = 40  # accepted webhooks delivered again at the end
    settings: ServerSettings = field(default_factory=ServerSettings)
    server_url: str | None = None
    compare: Path | None = None  # another checkout, served beside this one (before/after)
    out: Path = BENCH_DIR / "results.json"
    mode: str = "full"
    # Database counters per request: exact only after idle backends publish them, which
    # PostgreSQL 15 may delay up to 10 s, so only the profile run waits for them.
    db_stats_settle: float = 0.0

    def quick(self) -> Options:
        return replace(self, seconds=5.0, warmup=1.0, status_budget=10_000,
                       voice_budget=6_000, mode="quick")


@dataclass
class Prepared:
    """A migrated, seeded bench database."""

    db: pgdb.BenchDatabase
    fleet: seed.Fleet
    rng: random.Random


@contextmanager
def prepared(opts: Options) -> Iterator[Prepared]:
    """Create, migrate and seed the bench database; drop it afterwards, whatever happens."""
    db = pgdb.create(opts.server_url)
    try:
        pgdb.migrate(db, app_env(db.url, port=0))
        fleet = seed.seed(db.dsn, tenants=opts.tenants, hot_seats=opts.hot_seats,
                          now=datetime.now(UTC))
        yield Prepared(db, fleet, random.Random(11))
    finally:
        pgdb.drop(db)


def status_items(prep: Prepared, seats: list[seed.SeatRef], count: int,
                 base_url: str) -> list[seed.Request]:
    """Pre-authorize `count` calls of these seats and sign their status callbacks."""
    sids = seed.preauthorize(prep.db.dsn, seats, count, datetime.now(UTC), prep.rng)
    return seed.status_requests(sids, base_url, prep.rng)


def _with_db_stats(opts: Options, dsn: str, phase):
    """Run a phase; add the database's commits and rows written per accepted request."""
    before = pgdb.stats_snapshot(dsn) if opts.db_stats_settle else None
    result = phase()
    if before is not None:
        time.sleep(opts.db_stats_settle)
        result.extra["db_per_request"] = pgdb.per_request(before, pgdb.stats_snapshot(dsn),
                                                          result.ok)
    return result


def _group_commit(server: Server) -> dict[str, float] | None:
    """The server's group-commit counters, or None if it does not expose them (an
    older checkout under --compare)."""
    try:
        return server.group_commit()
    except (OSError, ValueError):
        return None


def _add_group_commit(result: load.PhaseResult, before: dict | None,
                      after: dict | None) -> None:
    """How the phase's settlements were committed: transactions and mean batch size."""
    if before is None or after is None:
        return
    delta = {k: after[k] - before[k] for k in after}
    if delta["batches"] or delta["fell_back"]:
        result.extra["group_commit"] = {
            "batches": int(delta["batches"]), "fell_back": int(delta["fell_back"]),
            "pieces": int(delta["pieces"]),
            "mean_batch": round(delta["pieces"] / delta["batches"], 2) if delta["batches"]
            else 0.0}


def _accepted_sample(result: load.PhaseResult, items: list, clients: int, n: int) -> list:
    """Requests of a phase known to have been accepted (a phase without errors)."""
    if result.errors:
        return []
    per = max(1, n // clients)
    return [r for i, sent in enumerate(result.sent_per_process)
            for r in items[i::clients][:min(sent, per)]]


@dataclass
class _App:
    """One app under test: its server and the signed requests prepared for its URL."""

    prefix: str  # phase names: "app" (this checkout), "before" (--compare)
    server: Server
    many: list = field(default_factory=list)
    hot: list = field(default_factory=list)
    voice: list = field(default_factory=list)


def _prepare_app(opts: Options, prep: Prepared, prefix: str, server: Server) -> _App:
    fleet, base = prep.fleet, server.base_url
    return _App(prefix, server, many=status_items(prep, fleet.many, opts.status_budget, base),
                hot=status_items(prep, fleet.hot, opts.status_budget, base),
                voice=seed.voice_requests(fleet.many, opts.voice_budget, base, prep.rng))


def _servers(opts: Options, prep: Prepared, stack: ExitStack,
             phases: dict[str, load.PhaseResult]) -> list[_App]:
    """This checkout's app, and with --compare the other checkout's beside it; warmed up."""
    apps = [("app", None)] + ([("before", opts.compare)] if opts.compare else [])
    found = []
    for prefix, root in apps:
        server = stack.enter_context(Server(prep.db.url, opts.settings, BENCH_DIR,
                                            root=root, name=prefix))
        found.append(_prepare_app(opts, prep, prefix, server))
        warm = status_items(prep, prep.fleet.many + prep.fleet.hot, 200 * opts.clients,
                            server.base_url)
        name = "warmup" if prefix == "app" else f"{prefix}_warmup"
        phases[name] = load.closed_loop(name, server.port, STATUS_PATH, "status", warm,
                                        clients=opts.clients, seconds=opts.warmup)
    return found


def measure(opts: Options, prep: Prepared) -> dict:
    """Every phase against the gunicorn(s), then the money check; the results as a dict.

    With --compare the two apps and the raw ceiling take turns phase by phase, so a
    change in the machine's load touches all three alike; the Flask floor
    (benchmarks/floor.py) takes its turn between the raw ceiling and the app(s).
    """
    fleet, dsn, c, s = prep.fleet, prep.db.dsn, opts.clients, opts.seconds
    status_sent, voice_sent, raw_sent = check.Sent(), check.Sent(), check.Sent()
    floor_sent, floor_charged = check.Sent(), 0
    phases: dict[str, load.PhaseResult] = {}
    with ExitStack() as stack:
        apps = _servers(opts, prep, stack, phases)
        floor_server = stack.enter_context(Server(
            prep.db.url, opts.settings, BENCH_DIR, name="floor", target="benchmarks.floor:app",
            env={"FLOOR_DSN": dsn}))
        for key, tenants in (("many", fleet.tenant_ids), ("hot", [fleet.hot_tenant_id])):
            phases[f"raw_{key}"] = _with_db_stats(opts, dsn, lambda t=tenants, k=key: (
                raw.ceiling(f"raw_{k}", dsn, t, clients=c, seconds=s)))
            asked = floor.requests_for(tenants, opts.status_budget, prep.rng)
            phases[f"floor_{key}"] = result = load.closed_loop(
                f"floor_{key}", floor_server.port, floor.PATH, "status", asked, clients=c,
                seconds=s)
            floor_sent.add(result.ok, result.sent)
            if not result.errors:  # then exactly what each client sent was charged
                floor_charged += floor.charged(
                    [r for i, n in enumerate(result.sent_per_process) for r in asked[i::c][:n]])
            for app in apps:
                name, items, port = f"{app.prefix}_{key}", getattr(app, key), app.server.port
                before = _group_commit(app.server)
                phases[name] = _with_db_stats(opts, dsn, lambda n=name, i=items, p=port: (
                    load.closed_loop(n, p, STATUS_PATH, "status", i, clients=c, seconds=s)))
                _add_group_commit(phases[name], before, _group_commit(app.server))
        rates = {}
        for app in apps:
            name, port = f"{app.prefix}_auth_max", app.server.port
            phases[name.removeprefix("app_")] = _with_db_stats(opts, dsn, lambda n=name, a=app: (
                load.closed_loop(n, a.server.port, VOICE_PATH, "voice", a.voice, clients=c,
                                 seconds=s)))
            rates[app.prefix] = max(1.0, phases[name.removeprefix("app_")].per_s / 2)
        for app in apps:
            name, rate = f"{app.prefix}_auth_open", rates[app.prefix]
            scheduled = seed.voice_requests(fleet.many, max(1, int(rate * s)),
                                            app.server.base_url, prep.rng)
            phases[name.removeprefix("app_")] = load.open_loop(
                name, app.server.port, VOICE_PATH, "voice", scheduled, clients=c,
                threads=opts.open_threads, rate=rate)
        for name, result in phases.items():
            if name.startswith("floor"):
                continue
            target = (voice_sent if "auth" in name else
                      raw_sent if name.startswith("raw") else status_sent)
            target.add(result.ok, result.sent)
        this = apps[0]
        anomalies = check.replay_duplicates(
            dsn, this.server.port, _accepted_sample(phases["app_many"], this.many, c, opts.replay),
            _accepted_sample(phases["auth_max"], this.voice, c, opts.replay))
    raw_charged = sum(p.extra.get("charged_micros", 0) for p in phases.values())
    money, found = check.money_check(
        dsn, status=status_sent, voice=voice_sent, raw=raw_sent, raw_charged=raw_charged,
        floor=floor_sent,
        floor_charged=None if phases["floor_many"].errors or phases["floor_hot"].errors
        else floor_charged)
    report_text = pgdb.ledger_verify(prep.db, app_env(prep.db.url, port=0))
    money["ledger_verify"] = "clean" if report_text is None else report_text
    if report_text is not None:
        found.append(f"flask ledger verify: {report_text}")
    summaries = {name: p.summary() for name, p in phases.items()}
    results = {
        "app_many_per_s": summaries["app_many"]["per_s"],
        "raw_many_per_s": summaries["raw_many"]["per_s"],
        "app_hot_per_s": summaries["app_hot"]["per_s"],
        "raw_hot_per_s": summaries["raw_hot"]["per_s"],
        "floor_many_per_s": summaries["floor_many"]["per_s"],
        "floor_hot_per_s": summaries["floor_hot"]["per_s"],
        "auth_max_per_s": summaries["auth_max"]["per_s"],
        "auth_rate_per_s": round(rates["app"], 1),
        "auth_p50_ms": summaries["auth_open"]["p50_ms"],
        "auth_p99_ms": summaries["auth_open"]["p99_ms"],
        "errors_total": sum(p.errors for p in phases.values()),
        "errors": {name: p.errors for name, p in phases.items()},
        "anomalies": anomalies + found,
        "money": money,
        "phases": summaries,
    }
    if opts.compare:
        results["before"] = {
            "checkout": str(opts.compare), "commit": _commit_of(opts.compare),
            "app_many_per_s": summaries["before_many"]["per_s"],
            "app_hot_per_s": summaries["before_hot"]["per_s"],
            "auth_max_per_s": summaries["before_auth_max"]["per_s"],
            "auth_rate_per_s": round(rates["before"], 1),
            "auth_p50_ms": summaries["before_auth_open"]["p50_ms"],
            "auth_p99_ms": summaries["before_auth_open"]["p99_ms"]}
    return results


def _commit_of(root: Path) -> str:
    """The short commit a checkout is at (or "?")."""
    try:
        return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],  # noqa: S603,S607
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def bench(opts: Options) -> dict:
    """One full run: prepare, measure, check, report; returns what results.json holds."""
    started, machine = time.time(), report.machine()
    with prepared(opts) as prep:
        facts = pgdb.server_facts(prep.db.dsn)
        measured = measure(opts, prep)
    results = {
        **{k: measured.pop(k) for k in ("app_many_per_s", "raw_many_per_s", "app_hot_per_s",
                                        "raw_hot_per_s", "auth_p50_ms", "auth_p99_ms")},
        "cores": machine["cores"],
        **measured,
        "mode": opts.mode, "clients": opts.clients, "seconds": opts.seconds,
        "tenants": opts.tenants, "hot_seats": opts.hot_seats,
        "commit": _commit_of(pgdb.ROOT),
        "gunicorn": opts.settings.as_dict(), "gunicorn_label": opts.settings.label(),
        "machine": {**machine, "load_avg_at_end": os.getloadavg()}, "postgresql": facts,
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 1),
    }
    report.write(results, opts.out)
    return results


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, Options]:
    """Command-line options."""
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="5 s phases (about a minute)")
    p.add_argument("--sweep", action="store_true", help="compare gunicorn/pool settings")
    p.add_argument("--profile", action="store_true", help="py-spy one worker, DB counters")
    p.add_argument("--seconds", type=float, help="seconds per measured phase")
    p.add_argument("--clients", type=int, help="load client processes (default 8)")
    p.add_argument("--tenants", type=int, help="ordinary tenants (default 1000)")
    p.add_argument("--hot-seats", type=int, help="seats of the hot tenant (default 200)")
    p.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--pool-size", type=int, default=2,
                   help="DB_POOL_SIZE of each worker (default 2, as `make run`: one for "
                        "requests, one for the background thread)")
    p.add_argument("--no-preload", action="store_true")
    p.add_argument("--database-url", help="PostgreSQL server (a new database is made there)")
    p.add_argument("--compare", type=Path, metavar="CHECKOUT",
                   help="also serve the app of another checkout (e.g. a git worktree of the "
                        "commit before a change) and measure both in turns, in one run")
    p.add_argument("--out", type=Path, help="results file (default bench/results.json)")
    args = p.parse_args(argv)
    opts = Options()
    if args.quick:
        opts = opts.quick()
    changes = {name: getattr(args, name) for name in ("seconds", "clients", "tenants",
                                                      "hot_seats", "out")
               if getattr(args, name) is not None}
    settings = ServerSettings(worker_class=args.worker_class, workers=args.workers,
                              threads=args.threads, pool_size=args.pool_size,
                              max_overflow=0 if args.pool_size is not None else None,
                              preload=not args.no_preload)
    return args, replace(opts, **changes, settings=settings, server_url=args.database_url,
                         compare=args.compare.resolve() if args.compare else None)


def main(argv: list[str] | None = None) -> int:
    """Run the mode asked for; exit 1 when there were errors or money anomalies."""
    args, opts = parse(argv)
    if args.sweep:
        from benchmarks.sweep import sweep

        return sweep(opts)
    if args.profile:
        from benchmarks.profiling import profile

        return profile(opts)
    results = bench(opts)
    print(report.table(results))
    print(f"\nwrote {opts.out} ({results['duration_s']:.0f} s)")
    return 1 if results["errors_total"] or results["anomalies"] else 0
