"""Account care: disputes of charges and complaints about calls."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base

DISPUTE_STATUSES = ("open", "rejected", "credited")
COMPLAINT_KINDS = ("harassment", "no_consent", "other")


class Dispute(Base):
    """A tenant's dispute of a ledger entry or a call's charge, and its resolution."""

    __tablename__ = "disputes"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open','rejected','credited')", name="status"),
        # One open dispute per entry (or unbilled call); NULL once resolved.
        sa.UniqueConstraint("open_key"),
        sa.Index("ix_disputes_tenant_id_id", "tenant_id", "id"),
        sa.Index("ix_disputes_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"))
    open_key: Mapped[str | None] = mapped_column(sa.String(40))
    # What the tenant paid for the disputed item (micro-units, positive).
    disputed_micros: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    reason: Mapped[str] = mapped_column(sa.String(2000))
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    opened_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(sa.String(2000))
    # A credit above the disputed amount says why (the "documented otherwise").
    justification: Mapped[str | None] = mapped_column(sa.String(2000))
    credit_micros: Mapped[int | None]
    credit_note_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_notes.id"))


class Complaint(Base):
    """A complaint about a tenant's calls to a number, recorded by an admin; the number
    went onto the tenant's do-not-call list with it."""

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('harassment','no_consent','other')", name="kind"),
        sa.Index("ix_complaints_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    number: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(2000))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime]
