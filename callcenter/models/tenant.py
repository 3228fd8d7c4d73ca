"""Tenants (business customers) and their rate plans."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.domain.lifecycle import STATUSES as TENANT_STATUSES
from callcenter.models.base import Base, utcnow

# The column takes the lifecycle's statuses; the constraint's text is the migration's.
_STATUS_IN = ",".join(f"'{s}'" for s in TENANT_STATUSES)


class Tenant(Base):
    """A business that prepays for calls and rents seats."""

    __tablename__ = "tenants"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_STATUS_IN})", name="status"),
        sa.CheckConstraint("held_micros >= 0", name="held_nonnegative"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    account_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    currency: Mapped[str] = mapped_column(sa.String(3))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending", index=True)
    status_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # Caches kept in step with the ledger and the holds by the ledger service alone.
    balance_micros: Mapped[int] = mapped_column(default=0)
    held_micros: Mapped[int] = mapped_column(default=0)
    seat_price_monthly_micros: Mapped[int] = mapped_column(default=0)
    billing_period_months: Mapped[int] = mapped_column(sa.Integer, default=1)
    consent_required: Mapped[bool] = mapped_column(default=True)
    script_required: Mapped[bool] = mapped_column(default=True)
    calling_window: Mapped[dict | None] = mapped_column(sa.JSON)  # None: 09:00-18:00 daily
    no_calls_on_holidays: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    low_balance_threshold_micros: Mapped[int] = mapped_column(default=0)
    # False from a low-balance alert until the balance is back at the threshold, so a
    # crossing alerts once however many debits follow (services/alerts.py).
    low_balance_armed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    grace_days: Mapped[int] = mapped_column(sa.Integer, default=3)
    caller_id: Mapped[str | None] = mapped_column(sa.String(32))
    # SMS: the tenant's own sender (number or Messaging Service SID; replies to it are
    # this tenant's), its signature for China and its opt-out lines (None: defaults).
    sms_sender: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sms_signature: Mapped[str | None] = mapped_column(sa.String(40))
    sms_opt_out_text: Mapped[str | None] = mapped_column(sa.String(100))
    sms_opt_out_text_cn: Mapped[str | None] = mapped_column(sa.String(40))
    # Invoicing: the tenant's legal details (snapshotted onto each document), its VAT-style
    # tax rate in parts per million (60000 = 6 %; prices are tax-inclusive), and whether
    # it books usage and so gets a usage invoice each month.
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    tax_id: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(500))
    tax_rate_ppm: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    invoice_usage_monthly: Mapped[bool] = mapped_column(default=False,
                                                        server_default=sa.false())
    activated_on: Mapped[date | None] = mapped_column(sa.Date)
    # Seat rental cycle: periods are counted from the anchor; period_end is the next
    # renewal date (exclusive end of the period billed last).
    billing_anchor: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date, index=True)
    past_due_since: Mapped[date | None] = mapped_column(sa.Date)
    suspended_on: Mapped[date | None] = mapped_column(sa.Date)
    suspension_cause: Mapped[str | None] = mapped_column(sa.String(16))  # admin / unpaid
    # Late fee per overdue day, in parts per million of the unpaid rent (5000 = 0.5 %).
    late_fee_ppm_per_day: Mapped[int] = mapped_column(sa.Integer, default=0,
                                                      server_default="0")
    auto_terminate_after_days: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rate_plans: Mapped[list[RatePlan]] = relationship(
        back_populates="tenant", order_by="RatePlan.version"
    )

    @property
    def available_micros(self) -> int:
        """Balance not reserved by open holds."""
        return self.balance_micros - self.held_micros


class RatePlan(Base):
    """One version of a tenant's call and SMS rates; calls and messages keep the version
    they were rated with."""

    __tablename__ = "rate_plans"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "version"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    default_per_minute_micros: Mapped[int]
    initial_increment: Mapped[int] = mapped_column(sa.Integer, default=60)
    subsequent_increment: Mapped[int] = mapped_column(sa.Integer, default=60)
    connect_fee_micros: Mapped[int] = mapped_column(default=0)
    # {"44": 120000, "4420": 90000}: E.164 digit prefix -> per-minute micros.
    prefixes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Price of one SMS segment (None: messages are not sold) and per prefix, as above.
    sms_per_segment_micros: Mapped[int | None]
    sms_prefixes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Monthly rent of one seat under this plan (None: the tenant's seat_price_monthly).
    seat_price_monthly_micros: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # published
    # In force from here until a later version's effective_at (services/rates.py).
    effective_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A raise sooner than the notice period: the tenant agreed (recorded by an admin).
    tenant_consent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    consent_note: Mapped[str | None] = mapped_column(sa.String(500))

    tenant: Mapped[Tenant] = relationship(back_populates="rate_plans")
