"""The one durable mechanism for work after a commit: jobs in the database.

A service that causes background work (a mail, an SMS batch, a delivery to a tenant's
endpoint) calls `enqueue` in its own transaction, so the job exists exactly when its
cause does. Workers, in every app server and in `flask jobs run`, claim due jobs with
a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL), run them outside any transaction,
and record the outcome: done, retried later with a doubling delay, or dead after its
attempts. A server that stops mid-job loses nothing: the lease expires and another
worker runs it again, so every handler is written to be safe to repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.models import Job
from callcenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than any one job may take
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)


class Retry(Exception):
    """A handler's way to say "not now" (a provider is down): try again later."""


class GiveUp(Exception):
    """A handler's way to say "never": the job is dead now (its retry window is over)."""


@dataclass(frozen=True)
class Claimed:
    """A job a worker holds the lease of."""

    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int
    tenant_id: int | None


Handler = Callable[[UnitOfWork, Claimed, dict[str, Any]], None]
_handlers: dict[str, Handler] = {}
_retry_settings: dict[str, str] = {}
_wakers: list[Callable[[], None]] = []


def handler(kind: str, *, first_retry_setting: str | None = None
            ) -> Callable[[Handler], Handler]:
    """Register the function that performs jobs of `kind` (one per kind).

    `first_retry_setting` names the configuration value (seconds) of this kind's first
    retry delay, read from the worker's context; unset, FIRST_RETRY.
    """
    def register(fn: Handler) -> Handler:
        _handlers[kind] = fn
        if first_retry_setting:
            _retry_settings[kind] = first_retry_setting
        return fn
    return register


def has_handler(kind: str) -> bool:
    """Whether some module registered a handler for `kind`."""
    return kind in _handlers


def first_retry_for(kind: str, context: dict[str, Any]) -> timedelta:
    """The first retry delay of `kind`: its setting in the context's config, else FIRST_RETRY."""
    setting = _retry_settings.get(kind)
    value = (context.get("config") or {}).get(setting) if setting else None
    return timedelta(seconds=float(value)) if value else FIRST_RETRY


def on_enqueue(waker: Callable[[], None]) -> None:
    """Let an in-process worker know, after a commit, that work is waiting."""
    _wakers.append(waker)


def _wake() -> None:
    for waker in _wakers:
        waker()


def enqueue(uow: UnitOfWork, kind: str, payload: dict[str, Any], *, now: datetime,
            tenant_id: int | None = None, run_after: datetime | None = None,
            dedupe_key: str | None = None, max_attempts: int = 8) -> Job | None:
    """Write a job in the caller's transaction; None if `dedupe_key` was used before."""
    job = Job(kind=kind, payload=payload, tenant_id=tenant_id, dedupe_key=dedupe_key,
              status="pending", attempts=0, max_attempts=max_attempts,
              run_after=run_after or now, created_at=now)
    try:
        with uow.session.begin_nested():
            uow.session.add(job)
            uow.session.flush()
    except IntegrityError:
        return None
    uow.after_commit(_wake)
    return job


def backoff(attempts: int, first: timedelta = FIRST_RETRY) -> timedelta:
    """The wait before attempt `attempts + 1`: doubling from `first`, at most MAX_RETRY."""
    return min(first * (2 ** max(attempts - 1, 0)), MAX_RETRY)


def claim(uow: UnitOfWork, *, now: datetime, kinds: tuple[str, ...] | None = None
          ) -> Claimed | None:
    """Take the lease of the oldest due job and commit it; None if nothing is due."""
    session = uow.session
    due = (sa.select(Job.id).where(
        Job.status == "pending", Job.run_after <= now,
        sa.or_(Job.locked_until.is_(None), Job.locked_until <= now))
        .order_by(Job.run_after, Job.id).limit(1).with_for_update(skip_locked=True))
    if kinds:
        due = due.where(Job.kind.in_(kinds))
    row = session.execute(
        sa.update(Job).where(Job.id == due.scalar_subquery(), Job.status == "pending")
        .values(locked_until=now + LEASE, attempts=Job.attempts + 1)
        .returning(Job.id, Job.kind, Job.payload, Job.attempts, Job.max_attempts,
                   Job.tenant_id)
        .execution_options(synchronize_session=False)).first()
    uow.commit()
    return Claimed(*row) if row is not None else None


def _finish(uow: UnitOfWork, job: Claimed, now: datetime, error: str | None,
            first_retry: timedelta, give_up: bool = False) -> str:
    values: dict[str, Any] = {"locked_until": None}
    if error is None:
        values.update(status="done", finished_at=now, last_error=None)
    elif give_up or job.attempts >= job.max_attempts:
        values.update(status="dead", finished_at=now, last_error=error[:500])
    else:
        values.update(run_after=now + backoff(job.attempts, first_retry),
                      last_error=error[:500])
    uow.session.execute(sa.update(Job).where(Job.id == job.id).values(**values)
                        .execution_options(synchronize_session=False))
    uow.commit()
    return values.get("status", "retry")


def run_one(uow: UnitOfWork, job: Claimed, context: dict[str, Any], *, now: datetime,
            first_retry: timedelta | None = None) -> str:
    """Perform a claimed job and record the outcome: done, retry or dead.

    `first_retry` (else the kind's own setting, see `handler`) starts the doubling delay.
    """
    fn = _handlers.get(job.kind)
    error, give_up = None, False
    if fn is None:
        error = f"no handler for job kind {job.kind!r}"
    else:
        try:
            fn(uow, job, context)
        except (Retry, GiveUp) as exc:
            uow.rollback()
            error, give_up = str(exc) or "retry requested", isinstance(exc, GiveUp)
        except Exception as exc:  # a failed job must not take the worker down
            uow.rollback()
            log.exception("background job %s (%s) failed", job.id, job.kind)
            error = f"{type(exc).__name__}: {exc}"
    return _finish(uow, job, now, error, first_retry or first_retry_for(job.kind, context),
                   give_up)


def run_due(uow: UnitOfWork, context: dict[str, Any], *, clock: Callable[[], datetime],
            limit: int = 100, kinds: tuple[str, ...] | None = None,
            first_retry: timedelta | None = None) -> dict[str, int]:
    """Run due jobs one at a time until none is left or `limit` ran; counts by outcome."""
    counts = {"done": 0, "retry": 0, "dead": 0}
    for _ in range(limit):
        job = claim(uow, now=clock(), kinds=kinds)
        if job is None:
            break
        counts[run_one(uow, job, context, now=clock(), first_retry=first_retry)] += 1
    return counts


def retry_dead(uow: UnitOfWork, job_id: int, *, now: datetime) -> bool:
    """An admin sends a dead job round again with fresh attempts; False if it is not dead."""
    done = uow.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == "dead")
        .values(status="pending", attempts=0, run_after=now, finished_at=None)
        .execution_options(synchronize_session=False)).rowcount
    uow.after_commit(_wake)
    return bool(done)


def retry_now(uow: UnitOfWork, job_id: int, *, now: datetime) -> bool:
    """An admin's retry: a dead job goes round again, a waiting one runs now; False if
    the job is done (or unknown)."""
    if retry_dead(uow, job_id, now=now):
        return True
    done = uow.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == "pending")
        .values(run_after=now).execution_options(synchronize_session=False)).rowcount
    return bool(done)


def summary(session: Session) -> dict[str, int]:
    """How many jobs are pending, done and dead."""
    rows = session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
    return {status: 0 for status in ("pending", "done", "dead")} | dict(rows.all())


def stuck(session: Session, *, now: datetime, limit: int = 100) -> list[Job]:
    """Jobs an admin should look at: dead ones, and pending ones past due by an hour."""
    return list(session.scalars(sa.select(Job).where(sa.or_(
        Job.status == "dead",
        sa.and_(Job.status == "pending", Job.run_after < now - timedelta(hours=1))))
        .order_by(Job.id.desc()).limit(limit)))
