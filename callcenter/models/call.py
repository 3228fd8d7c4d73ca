"""Calls, authorized or refused, with the rate they were authorized under."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

CALL_STATUSES = ("refused", "authorized", "completed", "busy", "no-answer", "failed",
                 "canceled")
TERMINAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


class Call(Base):
    """One outbound call attempt, with the rate it was authorized under and its charge."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.UniqueConstraint("provider", "provider_call_id"),
        sa.CheckConstraint(
            "status IN ('refused','authorized','completed','busy','no-answer','failed',"
            "'canceled')", name="status"),
        sa.Index("ix_calls_tenant_id_id", "tenant_id", "id"),
        sa.Index("ix_calls_status_expected_end_at", "status", "expected_end_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    seat_id: Mapped[int | None] = mapped_column(sa.ForeignKey("seats.id"), index=True)
    provider: Mapped[str] = mapped_column(sa.String(16))  # twilio / cdr
    provider_call_id: Mapped[str | None] = mapped_column(sa.String(64))
    dialed_call_id: Mapped[str | None] = mapped_column(sa.String(64))
    callee: Mapped[str] = mapped_column(sa.String(64))  # E.164, or the raw input if invalid
    status: Mapped[str] = mapped_column(sa.String(12))
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The rate in force at authorization, copied so later plan changes cannot touch it.
    rate_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rate_plans.id"))
    rate_prefix: Mapped[str | None] = mapped_column(sa.String(16))
    rate_per_minute_micros: Mapped[int | None]
    initial_increment: Mapped[int | None] = mapped_column(sa.Integer)
    subsequent_increment: Mapped[int | None] = mapped_column(sa.Integer)
    connect_fee_micros: Mapped[int | None]
    max_duration_seconds: Mapped[int] = mapped_column(sa.Integer, default=0)
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    duration_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    billed_seconds: Mapped[int | None] = mapped_column(sa.Integer)
    charge_micros: Mapped[int | None]
    over_limit: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_end_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

