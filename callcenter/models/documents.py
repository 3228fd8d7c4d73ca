"""Billing documents: invoices, credit notes and the counters that number them."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

INVOICE_KINDS = ("payment", "usage")
SERIES = ("invoice", "credit_note")


class DocumentCounter(Base):
    """The last number issued per issuing entity, series and year.

    Incremented by one `UPDATE ... RETURNING` in the transaction that writes the document:
    the row lock serializes concurrent issuers and a rollback takes the number back, so
    the numbers have no gaps and no duplicates."""

    __tablename__ = "document_counters"
    __table_args__ = (sa.UniqueConstraint("issuer", "series", "year"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(32))
    series: Mapped[str] = mapped_column(sa.String(16))
    year: Mapped[int] = mapped_column(sa.Integer)
    last_number: Mapped[int] = mapped_column(sa.Integer, default=0)


class Invoice(Base):
    """A tax invoice: for one payment received, or for one month of usage.

    The issuer's and the customer's legal details are snapshotted at issue time; later
    changes to the tenant's settings do not rewrite an issued invoice."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("ledger_entry_id"),  # one invoice per payment
        sa.UniqueConstraint("tenant_id", "kind", "period"),  # one usage invoice a month
        sa.CheckConstraint("kind IN ('payment','usage')", name="kind"),
        sa.CheckConstraint("net_micros + tax_micros = gross_micros", name="ties_out"),
        sa.Index("ix_invoices_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    number: Mapped[str] = mapped_column(sa.String(32))
    kind: Mapped[str] = mapped_column(sa.String(8))
    # Usage invoices: the month "2026-10"; payment invoices: None.
    period: Mapped[str | None] = mapped_column(sa.String(7))
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    tax_rate_ppm: Mapped[int] = mapped_column(sa.Integer, default=0)
    gross_micros: Mapped[int]
    net_micros: Mapped[int]
    tax_micros: Mapped[int]
    # [{"description", "amount_micros"}] (gross, tax-inclusive).
    lines: Mapped[list] = mapped_column(sa.JSON, default=list)
    seller: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # name, tax_id, address
    buyer: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    fapiao_number: Mapped[str | None] = mapped_column(sa.String(64))
    fapiao_recorded_at: Mapped[datetime | None]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditNote(Base):
    """A numbered credit note for one service credit (a ledger entry of kind credit)."""

    __tablename__ = "credit_notes"
    __table_args__ = (
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("ledger_entry_id"),
        sa.CheckConstraint("gross_micros > 0", name="amount_positive"),
        sa.CheckConstraint("net_micros + tax_micros = gross_micros", name="ties_out"),
        sa.Index("ix_credit_notes_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    number: Mapped[str] = mapped_column(sa.String(32))
    ledger_entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    tax_rate_ppm: Mapped[int] = mapped_column(sa.Integer, default=0)
    gross_micros: Mapped[int]
    net_micros: Mapped[int]
    tax_micros: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(500))
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    seller: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    buyer: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
