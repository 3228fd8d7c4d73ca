"""What the platform tells tenants: low-balance alerts, maintenance notices, statements."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

ALERT_KINDS = ("low_balance",)
NOTICE_SERVICES = ("calls", "sms", "portal", "api", "payments")


class Alert(Base):
    """An alert raised for a tenant (the balance fell below its threshold), once per crossing.

    `mail_job_id` is the outbox mail that told the owners (None: no owner to tell);
    `resolved_at` is when the condition ended (the balance came back to the threshold).
    """

    __tablename__ = "alerts"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('low_balance')", name="kind"),
        sa.Index("ix_alerts_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    balance_micros: Mapped[int]
    threshold_micros: Mapped[int]
    mail_job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class Notice(Base):
    """A maintenance notice: shown and mailed to the tenants it concerns (all, or those
    listed in notice_tenants) from publication until it ends."""

    __tablename__ = "notices"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_notices_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    message: Mapped[str] = mapped_column(sa.String(2000))
    services: Mapped[list] = mapped_column(sa.JSON, default=list)
    all_tenants: Mapped[bool] = mapped_column(default=True)
    # Scheduled sooner than MIN_NOTICE_HOURS ahead by an admin's explicit override.
    short_notice: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeTenant(Base):
    """A tenant a notice concerns, when it does not concern them all."""

    __tablename__ = "notice_tenants"

    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), primary_key=True,
                                           index=True)


class Statement(Base):
    """A month's statement as issued by the billing run (its figures are always computed
    from the ledger; this row records that it was issued, its totals then, and the mail)."""

    __tablename__ = "statements"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "period"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    period: Mapped[str] = mapped_column(sa.String(7))  # "2026-10"
    opening_micros: Mapped[int]
    closing_micros: Mapped[int]
    mail_job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
