"""The raw ceiling: a settlement's database work in plain psycopg, no web stack, no ORM.

Per event, as the contract describes it: record the provider event under its unique key,
move the balance with one conditional `UPDATE ... RETURNING`, append the ledger entry,
commit. Same tables, same indexes, same client processes as the app's phase, so the
two figures side by side say how much the app adds on top of the database.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from datetime import UTC, datetime

import psycopg

from benchmarks.load import PhaseResult, _sleep_until
from benchmarks.seed import CALLEE, charge_for, utc_naive

RAW_PROVIDER = "bench-raw"  # inbound_events.provider and ledger reference of raw events
INSERT_EVENT = ("INSERT INTO inbound_events (provider, event_id, type, outcome, payload, "
                "received_at) VALUES (%s, %s, 'call.status', 'applied', %s, %s)")
DEBIT = ("UPDATE tenants SET balance_micros = balance_micros - %(amount)s "
         "WHERE id = %(tenant)s AND balance_micros - held_micros >= %(amount)s "
         "RETURNING balance_micros")
INSERT_ENTRY = ("INSERT INTO ledger_entries (tenant_id, kind, amount_micros, "
                "balance_after_micros, idempotency_key, reference, memo, created_at) "
                "VALUES (%s, 'call', %s, %s, %s, %s, %s, %s)")
# About the size of what the app stores for a Twilio status callback.
PAYLOAD = json.dumps({"AccountSid": "AC" + "b" * 32, "ApiVersion": "2010-04-01",
                      "CallSid": "CA" + "0" * 32, "ParentCallSid": "CA" + "1" * 32,
                      "CallStatus": "completed", "CallDuration": "65", "Duration": "2",
                      "Direction": "outbound-dial", "From": "+14155550100", "To": CALLEE,
                      "Called": CALLEE, "Caller": "+14155550100", "SequenceNumber": "0",
                      "CallbackSource": "call-progress-events"})


def settle_one(conn: psycopg.Connection, provider: str, key: str, tenant: int, amount: int,
               memo: str, now: datetime) -> int | None:
    """One event's work, committed: the new balance, or None (rolled back) when the
    tenant's funds are short."""
    cur = conn.cursor()
    cur.execute(INSERT_EVENT, (provider, key, PAYLOAD, now), prepare=True)
    row = cur.execute(DEBIT, {"amount": amount, "tenant": tenant}, prepare=True).fetchone()
    if row is None:
        conn.rollback()
        return None
    cur.execute(INSERT_ENTRY, (tenant, -amount, row[0], key, provider, memo, now), prepare=True)
    conn.commit()
    return row[0]


def _raw_worker(dsn: str, run_id: str, index: int, tenants: list[int], start_at: float,
                stop_at: float, seed: int, queue) -> None:
    rng = random.Random(seed)
    latencies, samples, sent, ok, charged = [], [], 0, 0, 0
    with psycopg.connect(dsn) as conn:
        _sleep_until(start_at)
        while (began := time.monotonic()) < stop_at:
            tenant = tenants[(sent * 7919 + index) % len(tenants)]
            amount = charge_for(rng.randint(1, 300))
            key = f"raw:{run_id}:{index}:{sent}"
            now = utc_naive(datetime.now(UTC))
            sent += 1
            try:
                if settle_one(conn, RAW_PROVIDER, key, tenant, amount,
                              f"Call to {CALLEE}, raw ceiling", now) is None:
                    samples.append(f"tenant {tenant}: funds short")
                    continue
            except psycopg.Error as exc:
                conn.rollback()
                samples.append(f"{type(exc).__name__}: {exc}")
                continue
            ok += 1
            charged += amount
            latencies.append((time.monotonic() - began) * 1000)
    queue.put({"sent": sent, "ok": ok, "latencies": latencies, "samples": samples[:5],
               "ended": time.monotonic(), "charged": charged})


def ceiling(name: str, dsn: str, tenants: list[int], *, clients: int,
            seconds: float) -> PhaseResult:
    """Settle-shaped transactions back to back from `clients` processes for `seconds`."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    run_id = f"{name}-{time.monotonic_ns()}"
    start_at = time.monotonic() + 0.5 + 0.05 * clients
    processes = [ctx.Process(target=_raw_worker, args=(
        dsn, run_id, i, tenants, start_at, start_at + seconds, 1000 + i, queue))
        for i in range(clients)]
    for process in processes:
        process.start()
    parts = [queue.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    return PhaseResult(
        name=name, seconds=max(p["ended"] for p in parts) - start_at,
        sent=sum(p["sent"] for p in parts), ok=sum(p["ok"] for p in parts),
        errors=sum(p["sent"] - p["ok"] for p in parts),
        error_samples=[s for p in parts for s in p["samples"]],
        latencies_ms=[v for p in parts for v in p["latencies"]],
        sent_per_process=[p["sent"] for p in parts],
        extra={"charged_micros": sum(p["charged"] for p in parts)})
