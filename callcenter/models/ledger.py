"""The money ledger, holds on available funds, and the admin audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow


class LedgerEntry(Base):
    """One append-only balance change; the tenant's balance is the sum of these."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "idempotency_key"),
        sa.CheckConstraint(
            "kind IN ('topup','call','sms','seat_rental','late_fee','refund',"
            "'adjustment','write_off','credit')",
            name="kind",
        ),
        sa.Index("ix_ledger_entries_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    amount_micros: Mapped[int]
    balance_after_micros: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    memo: Mapped[str | None] = mapped_column(sa.String(500))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Hold(Base):
    """Funds reserved for a call in progress; settled once with the actual charge."""

    __tablename__ = "holds"
    __table_args__ = (
        sa.CheckConstraint("state IN ('open','settled','released')", name="state"),
        sa.CheckConstraint("amount_micros > 0", name="amount_positive"),
        sa.Index("ix_holds_tenant_id_state", "tenant_id", "state"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    amount_micros: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(32))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(8), default="open")
    expires_at: Mapped[datetime | None]
    settled_amount_micros: Mapped[int | None]
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class AuditLog(Base):
    """Who did what to which tenant: every admin action lands here."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"))
    action: Mapped[str] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
