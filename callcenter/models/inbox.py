"""The inbound-event inbox: every provider delivery (Twilio, carrier CDRs, Stripe) once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow


class InboundEvent(Base):
    """One provider event, unique per (provider, event id): a redelivery changes nothing.

    `outcome` says what applying it did (`applied`, `duplicate`, `unknown_call`,
    `credited`, ...); the call, tenant and provider object are filled in where known.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        sa.UniqueConstraint("provider", "event_id"),
        # The admin's list of events nobody claimed (outcome = unknown_call), newest first.
        sa.Index("ix_inbound_events_outcome_id", "outcome", "id"),
        # A tenant's events: export and erasure.
        sa.Index("ix_inbound_events_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(16))  # twilio / cdr / stripe
    event_id: Mapped[str] = mapped_column(sa.String(255))  # the provider's id, or our key
    type: Mapped[str] = mapped_column(sa.String(100))  # call.status, payment_intent.succeeded
    outcome: Mapped[str] = mapped_column(sa.String(32))
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"))
    object_id: Mapped[str | None] = mapped_column(sa.String(255))  # the provider's object
    provider_created: Mapped[int | None]  # the provider's timestamp (unix seconds), if sent
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
