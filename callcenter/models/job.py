"""Background jobs: work that follows a commit (mail, SMS, outbound calls to providers)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

JOB_STATUSES = ("pending", "done", "dead")


class Job(Base):
    """One unit of background work, written in the transaction that caused it.

    `pending` jobs run when `run_after` has passed and nobody holds the lease
    (`locked_until`); a worker that dies mid-job leaves a lease that simply expires.
    `dead` jobs used up their attempts and wait for an admin.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key"),
        sa.CheckConstraint("status IN ('pending','done','dead')", name="status"),
        sa.Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(8), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=8)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
