"""Bulk seeding with COPY: tenants, seats, rate plans, funds, and pre-authorized calls.

Rows have the shape the app's own services give them (`tenants.create_tenant`,
`seats.provision`, `ledger.post`, `calls.authorize`), written in a few round trips so
1,000 tenants and tens of thousands of calls take seconds, not an HTTP call per row.
Then every request the load clients send is built and signed here, before timing starts.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import psycopg
from twilio.request_validator import RequestValidator

from benchmarks.server import ALL_DAY, TWILIO_SID, TWILIO_TOKEN
from callcenter.domain.rating import (
    Increment,
    billed_seconds,
    charge_micros,
    max_affordable_seconds,
)
from callcenter.services.calls import RECONCILE_MARGIN

RATE_MICROS = 100_000  # 0.10 per minute
INCREMENT = Increment(60, 60)
CALLEE = "+442079460000"  # London: one timezone
MAX_CALL_SECONDS = 3600
FUNDS_MICROS = 10**12  # a million units per tenant: holds never run short
HOT_FUNDS_MICROS = 10**15
PREAUTH_TAG, VOICE_TAG = "a1", "b2"  # call sid prefixes, to count each kind afterwards

Request = tuple[bytes, str]  # (form body, X-Twilio-Signature)


@dataclass(frozen=True)
class SeatRef:
    """A seat that can place calls, with what authorization reads about it."""

    tenant_id: int
    seat_id: int
    identity: str
    plan_id: int


@dataclass(frozen=True)
class Fleet:
    """What was seeded: one seat per ordinary tenant, many seats of the hot tenant."""

    many: list[SeatRef]
    hot: list[SeatRef]

    @property
    def tenant_ids(self) -> list[int]:
        return [seat.tenant_id for seat in self.many]

    @property
    def hot_tenant_id(self) -> int:
        return self.hot[0].tenant_id


def utc_naive(moment: datetime) -> datetime:
    """Timestamps are stored as naive UTC (see models.base.UTCDateTime)."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _ids(cur: psycopg.Cursor, table: str, count: int) -> list[int]:
    """Reserve `count` ids from the table's sequence, so child rows can point at them."""
    return [row[0] for row in cur.execute(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "  # noqa: S608 - constant
        "FROM generate_series(1, %s)", (count,))]


def _copy(cur: psycopg.Cursor, table: str, columns: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(dsn: str, *, tenants: int, hot_seats: int, now: datetime) -> Fleet:
    """`tenants` active funded tenants with one seat each, plus one with `hot_seats`."""
    at, today = utc_naive(now), now.astimezone(UTC).date()
    window = json.dumps(ALL_DAY)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        ids = _ids(cur, "tenants", tenants + 1)
        funds = [FUNDS_MICROS] * tenants + [HOT_FUNDS_MICROS]
        period_end = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        _copy(cur, "tenants", "id, account_code, name, currency, timezone, status, "
              "balance_micros, held_micros, seat_price_monthly_micros, billing_period_months, "
              "consent_required, script_required, calling_window, no_calls_on_holidays, "
              "low_balance_threshold_micros, grace_days, late_fee_ppm_per_day, activated_on, "
              "billing_anchor, period_end, created_at, updated_at",
              [(tid, f"T{tid:06d}", f"Bench tenant {tid}", "USD", "UTC", "active", fund, 0,
                0, 1, False, False, window, False, 0, 3, 0, today, today, period_end, at, at)
               for tid, fund in zip(ids, funds, strict=True)])
        _copy(cur, "rate_plans", "tenant_id, version, default_per_minute_micros, "
              "initial_increment, subsequent_increment, connect_fee_micros, prefixes, "
              "created_at, effective_at",
              [(tid, 1, RATE_MICROS, INCREMENT.initial, INCREMENT.subsequent, 0, "{}", at, at)
               for tid in ids])
        _copy(cur, "ledger_entries", "tenant_id, kind, amount_micros, balance_after_micros, "
              "idempotency_key, reference, memo, created_at",
              [(tid, "topup", fund, fund, "topup:bench", "BENCH", "Bench funding", at)
               for tid, fund in zip(ids, funds, strict=True)])
        seats = [(tid, 1) for tid in ids[:-1]] + [(ids[-1], hot_seats)]
        _copy(cur, "seats", "tenant_id, identity, label, status, provisioned_at",
              [(tid, f"t{tid:06d}-{uuid.uuid4().hex[:8]}", f"Seat {n + 1}", "active", at)
               for tid, count in seats for n in range(count)])
        plans = dict(cur.execute("SELECT tenant_id, id FROM rate_plans WHERE tenant_id = ANY(%s)",
                                 (ids,)).fetchall())
        rows = cur.execute("SELECT tenant_id, id, identity FROM seats WHERE tenant_id = ANY(%s) "
                           "ORDER BY id", (ids,)).fetchall()
        conn.commit()
    analyze(dsn)
    refs = [SeatRef(tid, sid, identity, plans[tid]) for tid, sid, identity in rows]
    return Fleet(many=[r for r in refs if r.tenant_id != ids[-1]],
                 hot=[r for r in refs if r.tenant_id == ids[-1]])


def analyze(dsn: str) -> None:
    """Fresh planner statistics, as autovacuum keeps them in a database in service.

    Without them, right after a bulk load, PostgreSQL may pick a non-unique index for a
    unique lookup (ledger entries by tenant and key) and scan a tenant's whole history.
    """
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")


def call_sid(tag: str) -> str:
    """A Twilio-shaped call sid (CA + 32 hex) whose first two hex digits say its kind."""
    return "CA" + tag + uuid.uuid4().hex[:30]


def preauthorize(dsn: str, seats: list[SeatRef], count: int, now: datetime,
                 rng: random.Random) -> list[str]:
    """`count` calls authorized as `calls.authorize` leaves them: hold, call, held funds.

    Returns their call sids, shuffled over the seats.
    """
    at = utc_naive(now)
    picks = [seats[i % len(seats)] for i in range(count)]
    rng.shuffle(picks)
    sids = [call_sid(PREAUTH_TAG) for _ in picks]
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        available = dict(cur.execute(
            "SELECT id, balance_micros - held_micros FROM tenants WHERE id = ANY(%s)",
            (list({s.tenant_id for s in picks}),)).fetchall())
        limits = {tid: max_affordable_seconds(avail, RATE_MICROS, INCREMENT, 0, MAX_CALL_SECONDS)
                  for tid, avail in available.items()}
        hold_ids = _ids(cur, "holds", count)
        amount = {tid: charge_micros(RATE_MICROS, limit) for tid, limit in limits.items()}
        _copy(cur, "holds", "id, tenant_id, amount_micros, reason, reference, state, "
              "expires_at, created_at",
              [(hid, s.tenant_id, amount[s.tenant_id], "call", f"twilio:{sid}", "open",
                at + timedelta(seconds=limits[s.tenant_id]), at)
               for hid, s, sid in zip(hold_ids, picks, sids, strict=True)])
        _copy(cur, "calls", "tenant_id, seat_id, provider, provider_call_id, callee, status, "
              "reasons, rate_plan_id, rate_prefix, rate_per_minute_micros, initial_increment, "
              "subsequent_increment, connect_fee_micros, max_duration_seconds, hold_id, "
              "over_limit, created_at, expected_end_at",
              [(s.tenant_id, s.seat_id, "twilio", sid, CALLEE, "authorized", "[]", s.plan_id,
                None, RATE_MICROS, INCREMENT.initial, INCREMENT.subsequent, 0,
                limits[s.tenant_id], hid, False, at,
                at + timedelta(seconds=limits[s.tenant_id]) + RECONCILE_MARGIN)
               for hid, s, sid in zip(hold_ids, picks, sids, strict=True)])
        cur.execute("UPDATE tenants t SET held_micros = t.held_micros + h.total "
                    "FROM (SELECT tenant_id, sum(amount_micros) AS total FROM holds "
                    "WHERE id = ANY(%s) GROUP BY tenant_id) h WHERE t.id = h.tenant_id",
                    (hold_ids,))
        conn.commit()
    analyze(dsn)
    return sids


def _signed(validator: RequestValidator, url: str, params: dict[str, str]) -> Request:
    return urlencode(params).encode(), validator.compute_signature(url, params)


def charge_for(duration: int) -> int:
    """What the app charges a completed call of `duration` seconds under the bench plan."""
    return charge_micros(RATE_MICROS, billed_seconds(duration, INCREMENT))


def status_params(parent_sid: str, duration: int, tag: str = "c3") -> dict[str, str]:
    """Twilio's status callback of a dialed leg that completed after `duration` seconds."""
    return {
        "AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01",
        "CallSid": call_sid(tag), "ParentCallSid": parent_sid, "CallStatus": "completed",
        "CallDuration": str(duration), "Duration": str((duration + 59) // 60),
        "Direction": "outbound-dial", "From": "+14155550100", "To": CALLEE,
        "Called": CALLEE, "Caller": "+14155550100", "CallbackSource": "call-progress-events",
        "SequenceNumber": "0", "Timestamp": "Mon, 02 Mar 2026 17:00:00 +0000"}


def status_requests(sids: list[str], base_url: str, rng: random.Random) -> list[Request]:
    """Signed status callbacks of each call's dialed leg: completed, 1 to 300 seconds."""
    validator = RequestValidator(TWILIO_TOKEN)
    url = base_url + "/webhooks/twilio/status"
    return [_signed(validator, url, status_params(sid, rng.randint(1, 300))) for sid in sids]


def voice_requests(seats: list[SeatRef], count: int, base_url: str,
                   rng: random.Random) -> list[Request]:
    """Signed voice webhooks: a random seat places a call (each with a new call sid)."""
    validator = RequestValidator(TWILIO_TOKEN)
    url = base_url + "/webhooks/twilio/voice"
    requests = []
    for _ in range(count):
        sender = f"client:{rng.choice(seats).identity}"
        requests.append(_signed(validator, url, {
            "AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01",
            "ApplicationSid": "AP" + "c" * 32, "CallSid": call_sid(VOICE_TAG),
            "CallStatus": "ringing", "Direction": "inbound", "From": sender,
            "Caller": sender, "To": CALLEE, "Called": ""}))
    return requests
