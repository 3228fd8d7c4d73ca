"""Consent records, do-not-call lists, call scripts and admin-added screening terms and rules."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.models.base import Base, utcnow

SCRIPT_STATUSES = ("approved", "pending_review", "rejected")


class Consent(Base):
    """A callee's permission to be called by one tenant; revoked consent stays on record."""

    __tablename__ = "consents"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "number"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    number: Mapped[str] = mapped_column(sa.String(20))  # E.164
    source: Mapped[str] = mapped_column(sa.String(100))
    evidence: Mapped[str | None] = mapped_column(sa.String(500))
    granted_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_source: Mapped[str | None] = mapped_column(sa.String(32))  # e.g. sms_reply
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DncEntry(Base):
    """A number that must not be called: platform-wide (`list_key` "platform") or one
    tenant's own list (`list_key` "t<id>")."""

    __tablename__ = "dnc_entries"
    __table_args__ = (sa.UniqueConstraint("list_key", "number"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    list_key: Mapped[str] = mapped_column(sa.String(24))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str | None] = mapped_column(sa.String(32))  # None: added by hand; sms_reply
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Script(Base):
    """A call script (话术) a tenant submits; it must pass the content check."""

    __tablename__ = "scripts"
    __table_args__ = (
        sa.CheckConstraint("status IN ('approved','pending_review','rejected')", name="status"),
        sa.Index("ix_scripts_tenant_id_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16))
    hits: Mapped[list] = mapped_column(sa.JSON, default=list)
    review_note: Mapped[str | None] = mapped_column(sa.String(1000))
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LexiconTerm(Base):
    """A prohibited term an admin added on top of the shipped lexicon."""

    __tablename__ = "lexicon_terms"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(100), unique=True)
    category: Mapped[str] = mapped_column(sa.String(40))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreeningRule(Base):
    """An admin's concept (phrases added under a concept name) or co-occurrence rule, stored
    in the JSON shape of the shipped concepts.json / rules.json entries."""

    __tablename__ = "screening_rules"
    __table_args__ = (
        sa.UniqueConstraint("kind", "name"),
        sa.CheckConstraint("kind IN ('concept','rule')", name="kind"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(60))  # concept name or rule id
    definition: Mapped[dict] = mapped_column(sa.JSON)
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
