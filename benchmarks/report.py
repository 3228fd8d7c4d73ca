"""The printed table and `bench/results.json`."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path


def machine() -> dict:
    """What the figures were measured on: cores, CPU, load when the run started."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "load_avg_at_start": os.getloadavg(),
            "python": platform.python_version(), "system": platform.platform()}


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}/s"


def _ms(summary: dict | None) -> str:
    if not summary:
        return ""
    return f"{summary['p50_ms']:.1f} / {summary['p99_ms']:.1f} ms"


def _ratio(app: float | None, raw: float | None) -> str:
    return f"{100 * app / raw:.1f}%" if app and raw else ""


def _batches(grouped: dict | None) -> str:
    """Settlements per transaction under group commit ("1" without it)."""
    if not grouped:
        return "1"
    fell = f", {grouped['fell_back']} fell back" if grouped.get("fell_back") else ""
    return f"{grouped['mean_batch']:.2f}{fell}"


def table(results: dict) -> str:
    """The run as a small table: app beside the raw ceiling, then authorization latency."""
    phases, m, g = results["phases"], results["machine"], results["gunicorn"]
    pg = results["postgresql"]
    head = [
        f"callcenter bench ({results['mode']}): {m['cores']} cores {m['cpu']}, "
        f"load {m['load_avg_at_start'][0]:.1f} at start"
        + (f", {m['load_avg_at_end'][0]:.1f} at the end" if m.get("load_avg_at_end") else ""),
        f"PostgreSQL {pg['server_version']} (fsync {pg['fsync']}, synchronous_commit "
        f"{pg['synchronous_commit']}); gunicorn {results['gunicorn_label']}"
        f"{' --preload' if g['preload'] else ''}; {results['clients']} client processes, "
        f"{results['seconds']:g} s per phase",
        f"{results['tenants']:,} tenants with one seat + a hot tenant with "
        f"{results['hot_seats']} seats",
        "",
    ]
    before = results.get("before")
    if before:
        head.insert(-1, f"before: {before['checkout']} at {before['commit']}; after: this "
                        f"checkout at {results.get('commit', '?')}; taking turns phase by phase")
        rows = [("", "before", "after", "raw ceiling", "before / raw", "after / raw")]
    else:
        rows = [("", "app", "raw ceiling", "app / raw")]
    for key, label in (("many", f"status callbacks settling calls, {results['tenants']:,} "
                                f"tenants"),
                       ("hot", "status callbacks settling calls, one hot tenant")):
        app_rate, raw_rate = results.get(f"app_{key}_per_s"), results.get(f"raw_{key}_per_s")
        app, raw = phases.get(f"app_{key}"), phases.get(f"raw_{key}")
        if before:
            old_rate = before[f"app_{key}_per_s"]
            rows.append((label, _rate(old_rate), _rate(app_rate), _rate(raw_rate),
                         _ratio(old_rate, raw_rate), _ratio(app_rate, raw_rate)))
            rows.append(("  latency p50 / p99", _ms(phases.get(f"before_{key}")), _ms(app),
                         _ms(raw), "", ""))
        else:
            rows.append((label, _rate(app_rate), _rate(raw_rate), _ratio(app_rate, raw_rate)))
            rows.append(("  latency p50 / p99", _ms(app), _ms(raw), ""))
        floor_rate = results.get(f"floor_{key}_per_s")
        if floor_rate is not None:  # the stack's own limit (benchmarks/floor.py)
            label = "  Flask floor (bare Flask endpoint, the raw ceiling's SQL)"
            rows.append((label, "", _rate(floor_rate), _rate(raw_rate), "",
                         _ratio(floor_rate, raw_rate)) if before else
                        (label, _rate(floor_rate), _rate(raw_rate), _ratio(floor_rate, raw_rate)))
        grouped = (app or {}).get("group_commit")
        if grouped:
            cells = [_batches(grouped), "1 each"]
            if before:
                cells.insert(0, _batches(phases.get(f"before_{key}", {}).get("group_commit")))
            rows.append(("  settlements per commit (group commit)", *cells,
                         *([""] * (len(rows[0]) - len(cells) - 1))))
    blank = ("",) * (3 if before else 2)
    if before:
        rows.append(("voice authorizations, max (closed loop)",
                     _rate(before["auth_max_per_s"]), _rate(results.get("auth_max_per_s")),
                     "", "", ""))
        rows.append(("voice authorizations at half of that (open loop)",
                     f"{before['auth_p50_ms']:.1f} / {before['auth_p99_ms']:.1f} ms",
                     f"{results['auth_p50_ms']:.1f} / {results['auth_p99_ms']:.1f} ms",
                     f"at {before['auth_rate_per_s']:,.0f}/s and "
                     f"{results['auth_rate_per_s']:,.0f}/s", "p50 / p99", ""))
        lags = [phases.get(name, {}).get("send_lag_p99_ms") for name in ("before_auth_open",
                                                                          "auth_open")]
        if None not in lags:
            rows.append(("  load clients behind their schedule, p99",
                         *(f"{lag:.1f} ms" for lag in lags), "", "", ""))
    else:
        rows.append(("voice authorizations, max (closed loop)",
                     _rate(results.get("auth_max_per_s")), *blank))
        if results.get("auth_rate_per_s"):
            rows.append((f"voice authorizations at {results['auth_rate_per_s']:,.0f}/s "
                         f"(open loop)",
                         f"{results['auth_p50_ms']:.1f} / {results['auth_p99_ms']:.1f} ms",
                         "", "p50 / p99"))
            lag = phases.get("auth_open", {}).get("send_lag_p99_ms")
            if lag is not None:  # a stall of the machine shows here, not only in the p99
                rows.append(("  load clients behind their schedule, p99", f"{lag:.1f} ms",
                             "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = head + ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                              for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                    for r in rows]
    lines.append("")
    lines.append(f"errors: {results['errors_total']}    money anomalies: "
                 f"{len(results['anomalies'])}")
    for text in results["anomalies"]:
        lines.append(f"  ANOMALY {text}")
    for name, phase in phases.items():
        for sample in phase.get("error_samples", [])[:2]:
            lines.append(f"  error in {name}: {sample}")
        if phase.get("exhausted") and not name.endswith("warmup"):
            lines.append(f"  note: {name} ran out of prepared requests after "
                         f"{phase['seconds']:.1f} s (its rate is still ok / elapsed)")
    return "\n".join(lines)


def write(results: dict, path: Path) -> None:
    """`bench/results.json`, with the phases' details beside the contract's keys."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
