"""Outbound webhooks: tenants' endpoints, the events written for them, each delivery."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

DELIVERY_STATUSES = ("pending", "delivered", "failed")
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


class WebhookEndpoint(Base):
    """A URL of the tenant's own systems and the event types it wants; soft-deleted."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (sa.Index("ix_webhook_endpoints_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The HMAC key of the signatures: shown to the owner once, needed to sign, so kept.
    secret: Mapped[str] = mapped_column(sa.String(100))
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class WebhookEvent(Base):
    """One event for a tenant's endpoints, written in the transaction of its cause."""

    __tablename__ = "webhook_events"
    __table_args__ = (sa.UniqueConstraint("public_id"),
                      sa.Index("ix_webhook_events_tenant_id_id", "tenant_id", "id"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(40))  # evt_...: receivers dedupe on it
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to one endpoint: pending until a 2xx, failed after a day of retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.CheckConstraint(f"status IN ({','.join(repr(s) for s in DELIVERY_STATUSES)})",
                           name="status"),
        sa.Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        sa.Index("ix_webhook_deliveries_tenant_id", "tenant_id"),
        sa.Index("ix_webhook_deliveries_event_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_events.id"))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery: the log an owner reads per endpoint."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_endpoint_id_id", "endpoint_id", "id"),
                      sa.Index("ix_webhook_attempts_delivery_id", "delivery_id"),
                      sa.Index("ix_webhook_attempts_tenant_id", "tenant_id"))

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_deliveries.id"))
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id"))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(sa.Integer)  # None: no HTTP answer
    error: Mapped[str | None] = mapped_column(sa.String(300))
    duration_ms: Mapped[int] = mapped_column(sa.Integer, default=0)
