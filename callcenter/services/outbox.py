"""The admins' view of the mail outbox and of background work that is stuck."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidState
from callcenter.models import Job
from callcenter.services import audit, background, mail
from callcenter.services.access import Actor, require_admin
from callcenter.services.uow import UnitOfWork

STATES = ("queued", "retrying", "sent", "failed")


def mails(session: Session, actor: Actor, *, state: str | None = None,
          before_id: int | None = None, limit: int = 100) -> list[Job]:
    """Outbox mails, newest first, optionally in one delivery state."""
    require_admin(actor)
    stmt = sa.select(Job).where(Job.kind == mail.KIND)
    if state == "sent":
        stmt = stmt.where(Job.status == "done")
    elif state == "failed":
        stmt = stmt.where(Job.status == "dead")
    elif state in ("queued", "retrying"):
        tried = Job.attempts > 0
        stmt = stmt.where(Job.status == "pending", tried if state == "retrying" else ~tried)
    if before_id is not None:
        stmt = stmt.where(Job.id < before_id)
    return list(session.scalars(stmt.order_by(Job.id.desc()).limit(limit)))


def stuck(session: Session, actor: Actor, *, now: datetime) -> list[Job]:
    """Background jobs of any kind that are dead or late by more than an hour."""
    require_admin(actor)
    return background.stuck(session, now=now)


def retry(uow: UnitOfWork, actor: Actor, job_id: int, *, now: datetime) -> None:
    """Send a dead or waiting job round again now (audited)."""
    require_admin(actor)
    if not background.retry_now(uow, job_id, now=now):
        raise InvalidState("only a waiting or dead job can be retried")
    audit.record(uow.session, actor, "job.retry", now=now, job_id=job_id)
