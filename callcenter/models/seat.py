"""Agent seats, what each billing period charged for them, and unpaid amounts owed."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow


class Seat(Base):
    """A rented seat; its identity is the Twilio Client identity / SIP user."""

    __tablename__ = "seats"
    __table_args__ = (
        sa.CheckConstraint("status IN ('active','released')", name="status"),
        sa.Index("ix_seats_tenant_id_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    identity: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str] = mapped_column(sa.String(100))
    agent_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(8), default="active")
    provisioned_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]


class SeatCharge(Base):
    """Rent for one seat and one period; at most one per (seat, period)."""

    __tablename__ = "seat_charges"
    __table_args__ = (
        sa.UniqueConstraint("seat_id", "period_start"),
        sa.CheckConstraint("kind IN ('provision','renewal')", name="kind"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    seat_id: Mapped[int] = mapped_column(sa.ForeignKey("seats.id"))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    amount_micros: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    arrear_id: Mapped[int | None] = mapped_column(sa.ForeignKey("arrears.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Arrear(Base):
    """Money owed that the balance could not cover: unpaid rent or a late fee.

    Paid first, oldest first, whenever money arrives.
    """

    __tablename__ = "arrears"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "key"),
        sa.CheckConstraint("kind IN ('seat_rental','late_fee')", name="kind"),
        sa.CheckConstraint("amount_micros > 0", name="amount_positive"),
        sa.Index("ix_arrears_tenant_id_paid", "tenant_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str] = mapped_column(sa.String(64))
    due_on: Mapped[date] = mapped_column(sa.Date)
    amount_micros: Mapped[int]
    memo: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
