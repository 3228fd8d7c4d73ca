"""People who sign in: platform admins and tenant users; their API tokens."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.models.base import Base, utcnow


class User(Base):
    """An admin (no tenant) or an owner/agent of exactly one tenant."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin','owner','agent')", name="role"),
        sa.CheckConstraint(
            "(role = 'admin' AND tenant_id IS NULL) OR (role <> 'admin' AND tenant_id IS NOT NULL)",
            name="tenant_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(8))
    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of every sign-in cookie: raising it ends every session of the user at once
    # (sign-out, a password change), even cookies saved elsewhere.
    session_version: Mapped[int] = mapped_column(sa.Integer, default=1,
                                                 server_default=sa.text("1"))
    # The language of the pages and of the mail sent to this user (en / zh_CN); None:
    # follow the browser (pages) or English (mail).
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))
    name: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(back_populates="tokens")


class LoginThrottle(Base):
    """Failed sign-ins per account and per client address, in the database so every app
    server shares them. Keys and the known address are SHA-256 digests: the table never
    holds the emails people tried or their addresses."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)  # kind:digest
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    blocked_until: Mapped[datetime | None]
    # The client that last signed in to this account: the account's delay spares it.
    known_client: Mapped[str | None] = mapped_column(sa.String(80))
    updated_at: Mapped[datetime] = mapped_column(index=True)


class PasswordReset(Base):
    """A password-reset link sent by mail: single use, expiring, only its SHA-256 kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
