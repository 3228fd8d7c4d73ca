"""`make bench-inprocess`: latency and SQL statements of the hot path, without a server.

Runs the real app (test client, no network) on SQLite, or on PostgreSQL with
`--database-url`. Prints per-request percentiles and statement counts (savepoints
included); `--show-statements` lists one voice and one status request's statements.
It asserts nothing.

    .venv/bin/python -m benchmarks.inprocess [--calls 500] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.telephony import CONFIG, end_call, place_call  # noqa: E402


def _short(statement: str) -> str:
    return " ".join(statement.split())[:110]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--database-url")
    parser.add_argument("--show-statements", action="store_true")
    args = parser.parse_args()

    from callcenter import create_app
    from callcenter.domain.clock import FrozenClock
    from callcenter.extensions import db
    from callcenter.models import Base, Tenant
    from callcenter.services import auth, seats
    from tests.factories import Factory

    auth.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - hashing is not measured
    admin_url, name = None, None
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    if url.startswith("postgresql"):
        admin_url = sa.engine.make_url(url)
        name = f"cc_bench_{uuid.uuid4().hex[:8]}"
        with sa.create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = admin_url.set(database=name).render_as_string(hide_password=False)
    clock = FrozenClock(datetime(2026, 3, 2, 17, tzinfo=UTC))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "CLOCK": clock, **CONFIG})
    try:
        with app.app_context():
            Base.metadata.create_all(db.engine)
        factory = Factory(app, clock)
        info = factory.tenant(timezone="UTC", balance="100000.00", rate="0.10")
        with app.app_context():
            tenant = db.session.get(Tenant, info.id)
            tenant.consent_required = tenant.script_required = False
            seat = seats.provision(db.session, factory.admin_actor(), tenant, now=clock(),
                                   count=1)[0].identity
            db.session.commit()
            engine = db.engine
        counts = {"voice": 0, "status": 0}
        current = {"name": "voice"}
        last: dict[str, list[str]] = {"voice": [], "status": []}

        def count(_conn, _cursor, statement, *_args) -> None:
            counts[current["name"]] += 1
            last[current["name"]].append(statement)

        sa.event.listen(engine, "before_cursor_execute", count)
        client = app.test_client()
        timings: dict[str, list[float]] = {"voice": [], "status": []}
        for i in range(args.calls):
            sid = f"CAB{i}"
            for kind in ("voice", "status"):
                current["name"] = kind
                last[kind] = []
                start = time.perf_counter()
                response = (place_call(client, seat, "+442079460000", sid) if kind == "voice"
                            else end_call(client, sid, "completed", 65))
                timings[kind].append(time.perf_counter() - start)
                assert response.status_code in (200, 204), response.status_code
        backend = url.split(":", 1)[0]
        print(f"{args.calls} calls on {backend}")
        for kind, values in timings.items():
            ms = sorted(v * 1000 for v in values)
            print(f"  {kind:6s} p50 {statistics.median(ms):6.2f} ms   "
                  f"p95 {ms[int(len(ms) * 0.95) - 1]:6.2f} ms   "
                  f"max {ms[-1]:6.2f} ms   "
                  f"{counts[kind] / len(values):.1f} SQL statements per request")
        if args.show_statements:
            for kind, statements in last.items():
                print(f"\n{kind} webhook, last request: {len(statements)} statements")
                for n, statement in enumerate(statements, 1):
                    print(f"  {n:2d}. {_short(statement)}")
    finally:
        if name is not None:
            with app.app_context():
                db.engine.dispose()
            with sa.create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
