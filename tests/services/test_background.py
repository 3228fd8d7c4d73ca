"""Background jobs: written with their cause, run once, retried with backoff, never lost."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Job
from callcenter.services import background
from callcenter.services.uow import UnitOfWork

RAN: Counter[int] = Counter()
FAILURES: dict[int, int] = {}


@background.handler("test.record")
def _record(uow, job, context) -> None:
    RAN[job.payload["n"]] += 1


@background.handler("test.flaky")
def _flaky(uow, job, context) -> None:
    if FAILURES.get(job.payload["n"], 0) > 0:
        FAILURES[job.payload["n"]] -= 1
        raise background.Retry("provider unavailable")
    RAN[job.payload["n"]] += 1


@background.handler("test.broken")
def _broken(uow, job, context) -> None:
    raise RuntimeError("always fails")


@pytest.fixture(autouse=True)
def _reset():
    RAN.clear()
    FAILURES.clear()


def _job(session, job_id: int) -> Job:
    session.expire_all()
    return session.get(Job, job_id)


def test_job_enqueued_in_a_rolled_back_transaction_does_not_exist(session, clock):
    uow = UnitOfWork(session)
    background.enqueue(uow, "test.record", {"n": 1}, now=clock())
    uow.rollback()
    assert session.scalar(sa.select(sa.func.count(Job.id))) == 0
    assert background.run_due(uow, {}, clock=clock) == {"done": 0, "retry": 0, "dead": 0}
    assert RAN == {}


def test_committed_job_runs_exactly_once(session, clock):
    uow = UnitOfWork(session)
    job = background.enqueue(uow, "test.record", {"n": 7}, now=clock())
    uow.commit()
    assert background.run_due(uow, {}, clock=clock)["done"] == 1
    assert background.run_due(uow, {}, clock=clock)["done"] == 0
    assert RAN == {7: 1}
    assert _job(session, job.id).status == "done"


def test_dedupe_key_writes_one_job(session, clock):
    uow = UnitOfWork(session)
    assert background.enqueue(uow, "test.record", {"n": 1}, now=clock(), dedupe_key="k")
    assert background.enqueue(uow, "test.record", {"n": 1}, now=clock(), dedupe_key="k") is None
    uow.commit()
    assert session.scalar(sa.select(sa.func.count(Job.id))) == 1


def test_failed_job_is_retried_with_a_doubling_delay_then_succeeds(session, clock):
    uow = UnitOfWork(session)
    FAILURES[3] = 2
    job = background.enqueue(uow, "test.flaky", {"n": 3}, now=clock())
    uow.commit()
    start = clock()
    assert background.run_due(uow, {}, clock=clock)["retry"] == 1
    assert _job(session, job.id).run_after == start + timedelta(seconds=30)
    assert background.run_due(uow, {}, clock=clock)["retry"] == 0  # not due yet
    clock.advance(seconds=30)
    assert background.run_due(uow, {}, clock=clock)["retry"] == 1
    assert _job(session, job.id).run_after == clock() + timedelta(seconds=60)
    clock.advance(seconds=60)
    assert background.run_due(uow, {}, clock=clock)["done"] == 1
    assert RAN == {3: 1} and _job(session, job.id).attempts == 3


def test_job_that_keeps_failing_goes_dead_and_an_admin_can_send_it_again(session, clock):
    uow = UnitOfWork(session)
    job = background.enqueue(uow, "test.broken", {}, now=clock(), max_attempts=3)
    uow.commit()
    for _ in range(3):
        background.run_due(uow, {}, clock=clock)
        clock.advance(hours=1)
    dead = _job(session, job.id)
    assert dead.status == "dead" and dead.attempts == 3
    assert "RuntimeError: always fails" in dead.last_error
    assert [j.id for j in background.stuck(session, now=clock())] == [job.id]
    assert background.retry_dead(uow, job.id, now=clock())
    uow.commit()
    assert _job(session, job.id).status == "pending" and _job(session, job.id).attempts == 0


def test_job_of_a_worker_that_died_runs_again_after_its_lease(session, clock):
    uow = UnitOfWork(session)
    job = background.enqueue(uow, "test.record", {"n": 5}, now=clock())
    uow.commit()
    assert background.claim(uow, now=clock()).id == job.id  # then the server stops
    assert background.run_due(uow, {}, clock=clock)["done"] == 0  # leased: not yet
    clock.advance(seconds=int(background.LEASE.total_seconds()))
    assert background.run_due(uow, {}, clock=clock)["done"] == 1
    assert RAN == {5: 1}


def test_concurrent_workers_run_every_job_exactly_once(pg_app, clock):
    with pg_app.app_context():
        uow = UnitOfWork(db.session)
        for n in range(60):
            background.enqueue(uow, "test.record", {"n": n}, now=clock())
        uow.commit()

    def worker(_: int) -> dict[str, int]:
        with pg_app.app_context():
            try:
                return background.run_due(UnitOfWork(db.session), {}, clock=clock)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(worker, range(6)))
    assert sum(r["done"] for r in results) == 60
    assert RAN == {n: 1 for n in range(60)}


def test_in_process_worker_runs_work_as_soon_as_it_is_committed(app, clock):
    from callcenter.worker import Worker

    done = threading.Event()

    @background.handler("test.signal")
    def _signal(uow, job, context) -> None:
        done.set()

    worker = Worker(app, poll_seconds=3600)  # only a wake-up can run the job in time
    background.on_enqueue(worker.wake)
    try:
        worker.ensure_running()
        with app.app_context():
            uow = UnitOfWork(db.session)
            background.enqueue(uow, "test.signal", {}, now=clock())
            uow.commit()
        assert done.wait(timeout=30)
    finally:
        background._wakers.remove(worker.wake)
