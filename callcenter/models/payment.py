"""Card payments, terminations with their settlement lines, erasures."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

PAYMENT_STATUSES = ("pending", "succeeded", "failed", "canceled")
TERMINATION_REASONS = ("tenant_request", "platform_fault", "force_majeure", "breach")
TERMINATION_STATUSES = ("requested", "stopping", "settled")
LINE_KINDS = ("balance", "seat_credit", "arrears", "card_refund", "bank_refund", "write_off",
              "receivable")
# done: informational or booked; pending/succeeded/failed: a card refund at the provider;
# pending/paid: a bank refund; open/paid/waived: money the tenant still owes.
LINE_STATUSES = ("done", "pending", "succeeded", "failed", "paid", "open", "waived")


def _in(values: tuple[str, ...]) -> str:
    return ",".join(f"'{v}'" for v in values)


class Payment(Base):
    """A payment through a provider's PaymentIntent (card, Alipay, WeChat Pay); credited
    once when it succeeds."""

    __tablename__ = "payments"
    __table_args__ = (
        sa.UniqueConstraint("intent_id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(f"status IN ({_in(PAYMENT_STATUSES)})", name="status"),
        sa.CheckConstraint("amount_micros > 0", name="amount_positive"),
        sa.CheckConstraint("refunded_micros >= 0", name="refunded_nonnegative"),
        sa.Index("ix_payments_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    provider: Mapped[str] = mapped_column(sa.String(16), default="stripe")
    # card, alipay or wechat_pay (Stripe payment method types).
    method: Mapped[str] = mapped_column(sa.String(16), default="card", server_default="card")
    # Charged off-session by the automatic top-up rule (counted against its limits).
    automatic: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A payment recorded before the provider names it (automatic top-up): its key, also
    # the provider's idempotency key; `intent_id` is `reserved:<key>` until then.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120))
    intent_id: Mapped[str] = mapped_column(sa.String(255))
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_micros: Mapped[int]
    # What the provider says arrived; credited to the ledger exactly once.
    received_micros: Mapped[int | None]
    # Committed to refunds (lines created, or refunded at the provider): never above
    # received_micros, so a card is never refunded more than it paid.
    refunded_micros: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    failure_message: Mapped[str | None] = mapped_column(sa.String(500))
    # Set when money arrived for an account already closed: not credited, owed back.
    unapplied_reason: Mapped[str | None] = mapped_column(sa.String(200))
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded_at: Mapped[datetime | None]

    @property
    def refundable_micros(self) -> int:
        """What this payment can still refund."""
        return max(0, (self.received_micros or 0) - self.refunded_micros)


class Termination(Base):
    """The end of a tenant's service: requested, calls stopped, then settled once."""

    __tablename__ = "terminations"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint(f"status IN ({_in(TERMINATION_STATUSES)})", name="status"),
        sa.CheckConstraint(f"reason IN ({_in(TERMINATION_REASONS)})", name="reason"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    reason: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(10))
    request_note: Mapped[str | None] = mapped_column(sa.String(500))
    requested_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime | None]
    confirmed_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    started_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]
    currency: Mapped[str] = mapped_column(sa.String(3))
    balance_micros: Mapped[int] = mapped_column(default=0)
    seat_credit_micros: Mapped[int] = mapped_column(default=0)
    arrears_micros: Mapped[int] = mapped_column(default=0)
    # Erasure on request: the owner downloads the export (or says it does not want it),
    # then asks; the retention period applies only when nobody asks.
    export_downloaded_at: Mapped[datetime | None]
    export_declined: Mapped[bool] = mapped_column(default=False,
                                                  server_default=sa.false())
    erasure_requested_at: Mapped[datetime | None]
    erasure_requested_by_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id"))


class TerminationLine(Base):
    """One line of a final settlement; refund lines carry their own state and key."""

    __tablename__ = "termination_lines"
    __table_args__ = (
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(f"kind IN ({_in(LINE_KINDS)})", name="kind"),
        sa.CheckConstraint(f"status IN ({_in(LINE_STATUSES)})", name="status"),
        sa.CheckConstraint("amount_micros >= 0", name="amount_nonnegative"),
        sa.Index("ix_termination_lines_termination_id_position", "termination_id", "position"),
        sa.Index("ix_termination_lines_tenant_id_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    termination_id: Mapped[int] = mapped_column(sa.ForeignKey("terminations.id"))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    kind: Mapped[str] = mapped_column(sa.String(12))
    amount_micros: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(10))
    memo: Mapped[str | None] = mapped_column(sa.String(200))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    ledger_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    # Card refunds: sent to the provider with this key, found again by it on a retry.
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(120))
    provider_refund_id: Mapped[str | None] = mapped_column(sa.String(255))
    provider_event_at: Mapped[int | None]  # `created` of the last refund event applied
    bank_reference: Mapped[str | None] = mapped_column(sa.String(100))
    failure_message: Mapped[str | None] = mapped_column(sa.String(500))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Erasure(Base):
    """What erasing a tenant's customer data removed, when, and by whom."""

    __tablename__ = "erasures"
    __table_args__ = (sa.UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    trigger: Mapped[str] = mapped_column(sa.String(16))  # admin / retention
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
