"""The money check after a run: every settled call charged exactly once, books balanced.

The same invariants `ledger verify` is meant to enforce (cached balance = sum of the
ledger, held = open holds), plus what this run should have left: one `call` entry per
settled call at its rated charge, no open hold behind a settled call, as many recorded
events as accepted deliveries, and redelivered webhooks changing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from benchmarks.floor import FLOOR_PROVIDER
from benchmarks.load import _Client
from benchmarks.raw import RAW_PROVIDER
from benchmarks.seed import PREAUTH_TAG, VOICE_TAG, Request

TERMINAL = "('completed','busy','no-answer','failed','canceled')"

# (name, query returning one count that must be 0)
INVARIANTS = [
    ("balance_not_sum_of_ledger",
     "SELECT count(*) FROM tenants t WHERE t.balance_micros <> (SELECT coalesce(sum("
     "amount_micros), 0) FROM ledger_entries l WHERE l.tenant_id = t.id)"),
    ("held_not_sum_of_open_holds",
     "SELECT count(*) FROM tenants t WHERE t.held_micros <> (SELECT coalesce(sum("
     "amount_micros), 0) FROM holds h WHERE h.tenant_id = t.id AND h.state = 'open')"),
    ("available_negative",
     "SELECT count(*) FROM tenants WHERE balance_micros < 0 OR balance_micros < held_micros"),
    ("settled_call_hold_not_settled",
     f"SELECT count(*) FROM calls c JOIN holds h ON h.id = c.hold_id "
     f"WHERE c.status IN {TERMINAL} AND h.state <> 'settled'"),
    ("settled_call_without_its_one_charge",
     f"SELECT count(*) FROM calls c LEFT JOIN ledger_entries l ON l.tenant_id = c.tenant_id "
     f"AND l.idempotency_key = 'hold:' || c.hold_id WHERE c.status IN {TERMINAL} "
     f"AND c.charge_micros > 0 AND (l.id IS NULL OR l.kind <> 'call' "
     f"OR l.amount_micros <> -c.charge_micros)"),
    ("duration_not_as_reported",
     f"SELECT count(*) FROM calls c JOIN inbound_events e ON e.call_id = c.id "
     f"AND e.provider = 'twilio' WHERE c.status IN {TERMINAL} "
     f"AND c.duration_seconds <> (e.payload->>'CallDuration')::int"),
    ("billed_not_as_rated",
     f"SELECT count(*) FROM calls WHERE status IN {TERMINAL} AND billed_seconds <> CASE "
     f"WHEN duration_seconds = 0 THEN 0 WHEN duration_seconds <= initial_increment "
     f"THEN initial_increment ELSE initial_increment + ((duration_seconds - initial_increment "
     f"+ subsequent_increment - 1) / subsequent_increment) * subsequent_increment END"),
    ("charge_not_as_rated",
     f"SELECT count(*) FROM calls WHERE status IN {TERMINAL} AND charge_micros <> "
     f"LEAST((rate_per_minute_micros * billed_seconds + 59) / 60, "
     f"(SELECT amount_micros FROM holds WHERE holds.id = calls.hold_id))"),
    ("call_charge_without_settled_call",
     f"SELECT count(*) FROM ledger_entries l WHERE l.kind = 'call' "
     f"AND l.idempotency_key LIKE 'hold:%' AND NOT EXISTS (SELECT 1 FROM calls c "
     f"WHERE c.hold_id = substr(l.idempotency_key, 6)::int AND c.status IN {TERMINAL})"),
    ("refused_authorizations",
     "SELECT count(*) FROM calls WHERE status = 'refused'"),
    ("authorized_call_without_open_hold",
     "SELECT count(*) FROM calls c LEFT JOIN holds h ON h.id = c.hold_id "
     "WHERE c.status = 'authorized' AND (h.id IS NULL OR h.state <> 'open')"),
]

COUNTS = {
    "settled_calls": f"SELECT count(*) FROM calls WHERE status IN {TERMINAL} "
                     f"AND provider_call_id LIKE 'CA{PREAUTH_TAG}%'",
    "call_entries": "SELECT count(*) FROM ledger_entries WHERE kind = 'call' "
                    "AND idempotency_key LIKE 'hold:%'",
    "status_events": "SELECT count(*) FROM inbound_events WHERE provider = 'twilio'",
    "voice_authorized": f"SELECT count(*) FROM calls WHERE status = 'authorized' "
                        f"AND provider_call_id LIKE 'CA{VOICE_TAG}%'",
    "raw_entries": f"SELECT count(*) FROM ledger_entries WHERE reference = '{RAW_PROVIDER}'",
    "raw_events": f"SELECT count(*) FROM inbound_events WHERE provider = '{RAW_PROVIDER}'",
    "raw_charged_micros": f"SELECT coalesce(-sum(amount_micros), 0)::bigint FROM ledger_entries "
                          f"WHERE reference = '{RAW_PROVIDER}'",
    "floor_entries": f"SELECT count(*) FROM ledger_entries WHERE reference = '{FLOOR_PROVIDER}'",
    "floor_events": f"SELECT count(*) FROM inbound_events WHERE provider = '{FLOOR_PROVIDER}'",
    "floor_charged_micros": f"SELECT coalesce(-sum(amount_micros), 0)::bigint "
                            f"FROM ledger_entries WHERE reference = '{FLOOR_PROVIDER}'",
}

SNAPSHOT = ("SELECT (SELECT sum(balance_micros) FROM tenants)::text, "
            "(SELECT sum(held_micros) FROM tenants)::text, (SELECT count(*) FROM ledger_entries), "
            "(SELECT count(*) FROM inbound_events), (SELECT count(*) FROM calls), "
            "(SELECT count(*) FROM holds)")


@dataclass
class Sent:
    """What the clients were told was accepted (ok) and what they sent at all."""

    ok: int = 0
    sent: int = 0

    def add(self, ok: int, sent: int) -> None:
        self.ok += ok
        self.sent += sent


def _within(name: str, actual: int, sent: Sent) -> str | None:
    """Accepted deliveries must match rows exactly; an errored one may or may not count."""
    if sent.ok <= actual <= sent.sent:
        return None
    return f"{name}: {actual} in the database, {sent.ok} accepted of {sent.sent} sent"


def money_check(dsn: str, *, status: Sent, voice: Sent, raw: Sent, raw_charged: int,
                floor: Sent | None = None,
                floor_charged: int | None = None) -> tuple[dict, list[str]]:
    """Counts found and anomalies (an empty list when the money is right). The Flask
    floor's events (`floor`) are counted on their own; their total charge is compared
    when it is known (`floor_charged`: the floor answered every request)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        # Statistics as the run left the tables: planned on the seeding's, the anti-joins
        # below expect no settled call and took minutes (nested loops over every entry).
        conn.execute("ANALYZE")
        broken = {name: conn.execute(sql).fetchone()[0] for name, sql in INVARIANTS}
        counts = {name: conn.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}
    anomalies = [f"{name}: {n}" for name, n in broken.items() if n]
    anomalies += [a for a in (
        _within("settled calls", counts["settled_calls"], status),
        _within("call ledger entries", counts["call_entries"], status),
        _within("recorded status events", counts["status_events"], status),
        _within("calls authorized by the voice webhook", counts["voice_authorized"], voice),
        _within("raw ledger entries", counts["raw_entries"], raw),
        _within("raw events", counts["raw_events"], raw),
        _within("Flask floor ledger entries", counts["floor_entries"], floor or Sent()),
        _within("Flask floor events", counts["floor_events"], floor or Sent())) if a]
    if counts["raw_charged_micros"] != raw_charged:
        anomalies.append(f"raw charges: {counts['raw_charged_micros']} micros in the ledger, "
                         f"{raw_charged} committed by the clients")
    if floor_charged is not None and counts["floor_charged_micros"] != floor_charged:
        anomalies.append(f"Flask floor charges: {counts['floor_charged_micros']} micros in the "
                         f"ledger, {floor_charged} for the requests it answered")
    return {**counts, **broken}, anomalies


def replay_duplicates(dsn: str, port: int, status: list[Request],
                      voice: list[Request]) -> list[str]:
    """Deliver already-accepted webhooks again: each must answer 2xx and change nothing."""
    with psycopg.connect(dsn) as conn:
        before = conn.execute(SNAPSHOT).fetchone()
    anomalies = []
    for path, kind, requests in (("/webhooks/twilio/status", "status", status),
                                 ("/webhooks/twilio/voice", "voice", voice)):
        client = _Client(port, path, kind)
        refused = sum(not client.send(request) for request in requests)
        client.close()
        if refused:
            anomalies.append(f"{refused} of {len(requests)} redelivered {kind} webhooks were "
                             f"not answered as the first time: {client.samples[:2]}")
    with psycopg.connect(dsn) as conn:
        after = conn.execute(SNAPSHOT).fetchone()
    if before != after:
        anomalies.append(f"redelivered webhooks changed the books: {before} -> {after}")
    return anomalies
