"""The Flask floor: the raw ceiling's database work behind a bare Flask endpoint.

Between the raw ceiling (plain psycopg, no web stack) and the app sits what the chosen
stack costs by itself: gunicorn, a Flask request reading a status-callback-sized form,
one commit per event, all on the same two cores as PostgreSQL. The floor measures that:
served by gunicorn with the app's own settings and loaded by the same clients, a Flask
route reads the form and runs exactly the raw ceiling's statements (`benchmarks.raw`,
prepared, on one connection per worker thread), with no signature check, no logging, no
rules. The app cannot settle faster than this; `app / floor` is what the app's own code
keeps of what the stack can do, and `floor / raw` bounds any target set against the
raw ceiling.

Served as `gunicorn benchmarks.floor:app` (`FLOOR_DSN` names the database). Its rows are
told apart by their own provider and ledger reference (`FLOOR_PROVIDER`), so the money
check counts them on their own.
"""

from __future__ import annotations

import os
import random
import threading
from datetime import UTC, datetime
from urllib.parse import urlencode

import psycopg
from flask import Flask, request

from benchmarks.raw import DEBIT, INSERT_ENTRY, INSERT_EVENT, PAYLOAD
from benchmarks.seed import CALLEE, Request, call_sid, charge_for, utc_naive
from benchmarks.server import TWILIO_SID

FLOOR_PROVIDER = "bench-floor"  # inbound_events.provider and ledger reference of its events
PATH = "/webhooks/twilio/status"  # the app's path: same request line, same routing depth
FLOOR_TAG = "f4"

app = Flask(__name__)
_local = threading.local()


def _connection() -> psycopg.Connection:
    """This worker thread's connection (opened on first use, after gunicorn's fork)."""
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(os.environ["FLOOR_DSN"])
    return conn


@app.post(PATH)
def settle():
    """Record the event, move the balance, append the entry, commit: the raw ceiling's
    per-event work. 409 when the tenant's funds are short (never in the bench)."""
    form = request.form
    key, tenant = form["CallSid"], int(form["BenchTenant"])
    amount = charge_for(int(form["CallDuration"]))
    conn = _connection()
    now = utc_naive(datetime.now(UTC))
    try:
        cur = conn.cursor()
        cur.execute(INSERT_EVENT, (FLOOR_PROVIDER, key, PAYLOAD, now), prepare=True)
        row = cur.execute(DEBIT, {"amount": amount, "tenant": tenant}, prepare=True).fetchone()
        if row is None:
            conn.rollback()
            return "funds short", 409
        cur.execute(INSERT_ENTRY, (tenant, -amount, row[0], key, FLOOR_PROVIDER,
                                   f"Call to {CALLEE}, Flask floor", now), prepare=True)
        conn.commit()
    except psycopg.Error:
        conn.rollback()
        raise
    return "", 204


def requests_for(tenants: list[int], count: int, rng: random.Random) -> list[Request]:
    """`count` floor requests spread over `tenants` as the raw ceiling spreads its events:
    a status callback's fields (so Flask parses a form of the same size) plus the tenant.
    Unsigned: the floor checks no signature."""
    requests = []
    for n in range(count):
        duration = rng.randint(1, 300)
        params = {
            "AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01",
            "CallSid": call_sid(FLOOR_TAG), "ParentCallSid": call_sid(FLOOR_TAG),
            "CallStatus": "completed", "CallDuration": str(duration),
            "Duration": str((duration + 59) // 60), "Direction": "outbound-dial",
            "From": "+14155550100", "To": CALLEE, "Called": CALLEE,
            "Caller": "+14155550100", "CallbackSource": "call-progress-events",
            "SequenceNumber": "0", "Timestamp": "Mon, 02 Mar 2026 17:00:00 +0000",
            "BenchTenant": str(tenants[(n * 7919) % len(tenants)])}
        requests.append((urlencode(params).encode(), ""))
    return requests


def charged(requests: list[Request]) -> int:
    """What the floor charges for these requests, in micros."""
    total = 0
    for body, _signature in requests:
        for pair in body.split(b"&"):
            if pair.startswith(b"CallDuration="):
                total += charge_for(int(pair.split(b"=", 1)[1]))
    return total
