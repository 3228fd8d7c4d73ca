"""`make bench-sweep`: the same load against several gunicorn and pool settings.

Each setting gets a fresh gunicorn on the same seeded database and fresh pre-authorized
calls; settlements (many tenants, hot tenant) and voice authorizations are measured
closed loop, and the raw ceiling once for scale. The money is checked at the end.
"""

from __future__ import annotations

import json
from dataclasses import replace

from benchmarks import check, load, raw
from benchmarks.run import (
    BENCH_DIR,
    STATUS_PATH,
    VOICE_PATH,
    Options,
    Prepared,
    prepared,
    status_items,
)
from benchmarks.seed import voice_requests
from benchmarks.server import Server, ServerSettings

# Alternating kinds, so a change in the machine's load during the sweep (other work on a
# shared machine) does not favour one kind. Pools: sync workers use one connection per
# worker and one for the background-jobs thread; threaded workers settle status callbacks
# through the group committer (one connection) and answer voice webhooks in their
# threads, so their pools hold one per thread and two more.
SETTINGS = [
    ServerSettings("sync", 4, pool_size=2, max_overflow=0),
    ServerSettings("gthread", 2, threads=8, pool_size=10, max_overflow=0),
    ServerSettings("sync", 3, pool_size=2, max_overflow=0),
    ServerSettings("gthread", 2, threads=16, pool_size=18, max_overflow=0),
    ServerSettings("sync", 6, pool_size=2, max_overflow=0),
    ServerSettings("gthread", 3, threads=8, pool_size=10, max_overflow=0),
    ServerSettings("gthread", 4, threads=4, pool_size=6, max_overflow=0),
    ServerSettings("gthread", 1, threads=16, pool_size=18, max_overflow=0),
]


def _one(opts: Options, prep: Prepared, settings: ServerSettings, sent: dict) -> dict:
    """Status many, status hot and voice max against one gunicorn setting."""
    fleet, c, s = prep.fleet, opts.clients, opts.seconds
    budget = min(opts.status_budget, int(s * 2500))
    with Server(prep.db.url, settings, BENCH_DIR) as server:
        base, port = server.base_url, server.port
        warm = status_items(prep, fleet.many, 100 * c, base)
        many = status_items(prep, fleet.many, budget, base)
        hot = status_items(prep, fleet.hot, budget, base)
        voice = voice_requests(fleet.many, budget, base, prep.rng)
        phases = {"warmup": load.closed_loop("warmup", port, STATUS_PATH, "status", warm,
                                             clients=c, seconds=opts.warmup)}
        for key, items in (("many", many), ("hot", hot)):
            phases[key] = load.closed_loop(key, port, STATUS_PATH, "status", items,
                                           clients=c, seconds=s)
        phases["voice"] = load.closed_loop("voice", port, VOICE_PATH, "voice", voice,
                                           clients=c, seconds=s)
    for name, result in phases.items():
        sent["voice" if name == "voice" else "status"].add(result.ok, result.sent)
    row = {"settings": settings.as_dict(), "label": settings.label()}
    for name in ("many", "hot", "voice"):
        summary = phases[name].summary()
        row[name] = {k: summary[k] for k in ("per_s", "p50_ms", "p99_ms", "errors")}
    row["errors"] = sum(p.errors for p in phases.values())
    return row


def _table(rows: list[dict], raw_many: load.PhaseResult, clients: int) -> str:
    head = ("settings", "settle many/s", "p50/p99 ms", "settle hot/s", "p50/p99 ms",
            "voice max/s", "p50/p99 ms", "errors")
    lines = [head]
    for r in rows:
        cells = [r["label"]]
        for name in ("many", "hot", "voice"):
            m = r[name]
            cells += [f"{m['per_s']:,.0f}", f"{m['p50_ms']:.1f} / {m['p99_ms']:.1f}"]
        lines.append((*cells, str(r["errors"])))
    lines.append((f"raw ceiling, {clients} clients", f"{raw_many.per_s:,.0f}",
                  f"{raw_many.summary()['p50_ms']:.1f} / {raw_many.summary()['p99_ms']:.1f}",
                  "", "", "", "", str(raw_many.errors)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths, strict=True)))
                     for line in lines)


def sweep(opts: Options) -> int:
    """Measure every setting in SETTINGS; print the table, write bench/sweep.json."""
    opts = replace(opts, seconds=min(opts.seconds, 6.0), warmup=1.0)
    sent = {"status": check.Sent(), "voice": check.Sent()}
    with prepared(opts) as prep:
        rows = []
        for settings in SETTINGS:
            rows.append(_one(opts, prep, settings, sent))
            m = rows[-1]
            print(f"  {m['label']}: settle {m['many']['per_s']:,.0f}/s, "
                  f"hot {m['hot']['per_s']:,.0f}/s, voice {m['voice']['per_s']:,.0f}/s",
                  flush=True)
        raw_many = raw.ceiling("raw_many", prep.db.dsn, prep.fleet.tenant_ids,
                               clients=opts.clients, seconds=opts.seconds)
        raw_sent = check.Sent(raw_many.ok, raw_many.sent)
        money, anomalies = check.money_check(
            prep.db.dsn, status=sent["status"], voice=sent["voice"], raw=raw_sent,
            raw_charged=raw_many.extra["charged_micros"])
    best = max(rows, key=lambda r: (r["errors"] == 0, r["many"]["per_s"]))
    print()
    print(_table(rows, raw_many, opts.clients))
    print(f"\nmost settlements per second: {best['label']}; errors "
          f"{sum(r['errors'] for r in rows) + raw_many.errors}, money anomalies "
          f"{len(anomalies)}")
    for text in anomalies:
        print(f"  ANOMALY {text}")
    out = BENCH_DIR / "sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "raw_many": raw_many.summary(), "money": money,
                               "anomalies": anomalies, "clients": opts.clients,
                               "seconds": opts.seconds}, indent=2) + "\n")
    print(f"wrote {out}")
    return 1 if anomalies or any(r["errors"] for r in rows) else 0
