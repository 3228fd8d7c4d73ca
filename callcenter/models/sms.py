"""SMS: batches a tenant sends, one row per recipient, replies, and the senders' pace."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

BATCH_STATUSES = ("queued", "sending", "done", "canceled", "refused")
MESSAGE_STATUSES = ("refused", "queued", "sending", "sent", "delivered", "failed",
                    "undelivered", "canceled")
# No status follows these; `sent` only moves on to one of the last three.
FINAL_MESSAGE_STATUSES = ("refused", "canceled", "delivered", "failed", "undelivered")
REPLY_ACTIONS = ("opt_out", "opt_in", "none")


def _in(values: tuple[str, ...]) -> str:
    return ",".join(f"'{v}'" for v in values)


class SmsBatch(Base):
    """One send: a body, its kind and sender, and what was held for it up front."""

    __tablename__ = "sms_batches"
    __table_args__ = (
        sa.CheckConstraint(f"status IN ({_in(BATCH_STATUSES)})", name="status"),
        sa.CheckConstraint("kind IN ('marketing','transactional')", name="kind"),
        sa.Index("ix_sms_batches_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)  # as the tenant wrote it
    # What goes on the wire, fixed when the batch is accepted (and priced): {"cn": ...,
    # "other": ...}, with the signature and opt-out line of the tenant's texts then.
    texts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    sender: Mapped[str] = mapped_column(sa.String(64))  # number or Messaging Service SID
    status: Mapped[str] = mapped_column(sa.String(8))
    encoding: Mapped[str] = mapped_column(sa.String(8))  # UCS-2 if any recipient's text is
    segments_per_message: Mapped[int] = mapped_column(sa.Integer)  # the most of any recipient
    recipients: Mapped[int] = mapped_column(sa.Integer)
    accepted: Mapped[int] = mapped_column(sa.Integer)
    total_charge_micros: Mapped[int]  # held up front for every accepted recipient
    rate_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rate_plans.id"))
    # Where Twilio reports each message's status (the message id is added as `?m=`):
    # built from PUBLIC_BASE_URL when the batch is accepted, since jobs have no request.
    status_callback: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    canceled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class SmsMessage(Base):
    """One recipient of a batch: refused with reasons, or held, sent once, charged once.

    `idempotency_key` goes with every attempt to send it, and `claimed_until` is the
    lease of the attempt in flight: see services/sms_sending.py.
    """

    __tablename__ = "sms_messages"
    __table_args__ = (
        sa.UniqueConstraint("provider_sid"),
        sa.UniqueConstraint("idempotency_key"),
        sa.CheckConstraint(f"status IN ({_in(MESSAGE_STATUSES)})", name="status"),
        sa.Index("ix_sms_messages_batch_id_status_position", "batch_id", "status", "position"),
        sa.Index("ix_sms_messages_tenant_id_id", "tenant_id", "id"),
        sa.Index("ix_sms_messages_to_number_id", "to_number", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("sms_batches.id"))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    position: Mapped[int] = mapped_column(sa.Integer)
    to_number: Mapped[str] = mapped_column(sa.String(64))  # E.164, or the input if invalid
    status: Mapped[str] = mapped_column(sa.String(12))
    reasons: Mapped[list] = mapped_column(sa.JSON, default=list)
    segments: Mapped[int] = mapped_column(sa.Integer, default=0)
    # The price in force when the batch was accepted, kept with the message.
    rate_prefix: Mapped[str | None] = mapped_column(sa.String(16))
    price_per_segment_micros: Mapped[int] = mapped_column(default=0)
    charge_micros: Mapped[int] = mapped_column(default=0)  # segments x price
    hold_id: Mapped[int | None] = mapped_column(sa.ForeignKey("holds.id"))
    charged: Mapped[bool] = mapped_column(default=False)
    refunded: Mapped[bool] = mapped_column(default=False)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    claimed_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(sa.String(16))
    error_message: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]


class SmsReply(Base):
    """A message someone sent to one of our senders: an opt-out, an opt-in, or other."""

    __tablename__ = "sms_replies"
    __table_args__ = (
        sa.UniqueConstraint("provider_sid"),
        sa.CheckConstraint(f"action IN ({_in(REPLY_ACTIONS)})", name="action"),
        sa.Index("ix_sms_replies_tenant_id_id", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"))
    provider_sid: Mapped[str] = mapped_column(sa.String(64))
    from_number: Mapped[str] = mapped_column(sa.String(64))
    to_number: Mapped[str] = mapped_column(sa.String(64))  # our sender
    body: Mapped[str] = mapped_column(sa.String(1600))
    action: Mapped[str] = mapped_column(sa.String(8))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsPacing(Base):
    """The next free sending slot of one sender, shared by every worker on every server.

    Microseconds since the epoch: one conditional UPDATE reserves a slot on both
    databases, without date arithmetic in SQL.
    """

    __tablename__ = "sms_pacing"

    sender: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_slot_us: Mapped[int] = mapped_column(default=0)
