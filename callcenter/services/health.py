"""What readiness and the metrics' database gauges read: reachability, the schema's
revision, the background backlog."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import Job, WebhookDelivery

STUCK_AFTER = timedelta(minutes=15)  # a due job nobody ran for this long: no live worker


def revision(session: Session) -> str | None:
    """The database's Alembic revision (raises if the database cannot be reached)."""
    try:
        with session.begin_nested():
            return session.execute(sa.text("SELECT version_num FROM alembic_version")
                                   ).scalar()
    except sa.exc.ProgrammingError:
        return None  # no alembic_version table: never migrated
    except sa.exc.OperationalError as exc:
        if "no such table" in str(exc):  # SQLite's way of saying the same
            return None
        raise


def backlog(session: Session, *, now: datetime) -> dict[str, float]:
    """Jobs by state, how late the oldest due job is, deliveries waiting for a 2xx."""
    counts = dict(session.execute(sa.select(Job.status, sa.func.count())
                                  .group_by(Job.status)).all())
    oldest = session.scalar(sa.select(sa.func.min(Job.run_after)).where(
        Job.status == "pending", Job.run_after <= now,
        sa.or_(Job.locked_until.is_(None), Job.locked_until <= now)))
    due = session.scalar(sa.select(sa.func.count(Job.id)).where(
        Job.status == "pending", Job.run_after <= now))
    waiting = session.scalar(sa.select(sa.func.count(WebhookDelivery.id))
                             .where(WebhookDelivery.status == "pending"))
    return {"pending": counts.get("pending", 0), "dead": counts.get("dead", 0),
            "due": due, "oldest_due_seconds": (now - oldest).total_seconds() if oldest else 0.0,
            "webhook_deliveries_pending": waiting}


def jobs_stuck(state: dict[str, float]) -> bool:
    """Due jobs have waited longer than STUCK_AFTER: no worker is taking them."""
    return state["oldest_due_seconds"] > STUCK_AFTER.total_seconds()
