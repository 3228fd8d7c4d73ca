"""Automatic top-up: a tenant's saved card and its rule (below X charge Y)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow


class AutoTopup(Base):
    """The saved card, the owner's off-session consent, the rule and its crossings.

    `armed` is true while the balance is at or above the threshold; the debit that
    takes it below disarms the rule and counts one more crossing, whose number names
    the charge (job dedupe key and Stripe idempotency key). Money arriving that lifts
    the balance back re-arms it.
    """

    __tablename__ = "auto_topups"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id"),
        sa.CheckConstraint("threshold_micros >= 0", name="threshold_nonnegative"),
        sa.CheckConstraint("amount_micros >= 0", name="amount_nonnegative"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    enabled: Mapped[bool] = mapped_column(default=False)
    threshold_micros: Mapped[int] = mapped_column(default=0)
    amount_micros: Mapped[int] = mapped_column(default=0)
    max_per_day: Mapped[int] = mapped_column(sa.Integer, default=1)
    max_per_month: Mapped[int] = mapped_column(sa.Integer, default=10)
    armed: Mapped[bool] = mapped_column(default=True)
    crossings: Mapped[int] = mapped_column(sa.Integer, default=0)
    customer_id: Mapped[str | None] = mapped_column(sa.String(255))
    payment_method_id: Mapped[str | None] = mapped_column(sa.String(255))
    card_label: Mapped[str | None] = mapped_column(sa.String(60))
    consent_at: Mapped[datetime | None]
    consent_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Why the rule stopped charging (card declined, limit reached), shown on the dashboard.
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    disabled_at: Mapped[datetime | None]
    last_skip_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
