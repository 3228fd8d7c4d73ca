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

from benchmarks import raw
from benchmarks.seed import CALLEE, Request, call_sid, charge_for, status_params, utc_naive

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
    """The raw ceiling's per-event work (`raw.settle_one`). 409 when the tenant's funds are
    short (never in the bench)."""
    form = request.form
    conn = _connection()
    try:
        balance = raw.settle_one(conn, FLOOR_PROVIDER, form["CallSid"], int(form["BenchTenant"]),
                                 charge_for(int(form["CallDuration"])),
                                 f"Call to {CALLEE}, Flask floor", utc_naive(datetime.now(UTC)))
    except psycopg.Error:
        conn.rollback()
        raise
    return ("funds short", 409) if balance is None else ("", 204)


def requests_for(tenants: list[int], count: int, rng: random.Random) -> list[Request]:
    """`count` floor requests spread over `tenants` as the raw ceiling spreads its events:
    a status callback's form (so Flask parses one of the same size) plus the tenant.
    Unsigned: the floor checks no signature."""
    return [(urlencode({**status_params(call_sid(FLOOR_TAG), rng.randint(1, 300), FLOOR_TAG),
                        "BenchTenant": str(tenants[(n * 7919) % len(tenants)])}).encode(), "")
            for n in range(count)]


def charged(requests: list[Request]) -> int:
    """What the floor charges for these requests, in micros."""
    total = 0
    for body, _signature in requests:
        for pair in body.split(b"&"):
            if pair.startswith(b"CallDuration="):
                total += charge_for(int(pair.split(b"=", 1)[1]))
    return total
