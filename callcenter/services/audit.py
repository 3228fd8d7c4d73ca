"""The audit trail of admin actions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import AuditLog, User
from callcenter.services.access import Actor


def record(session: Session, actor: Actor | None, action: str, *, now: datetime,
           tenant_id: int | None = None, **details: object) -> AuditLog:
    """Write one audit row in the caller's transaction."""
    row = AuditLog(actor_user_id=actor.user_id if actor else None, tenant_id=tenant_id,
                   action=action, details=details, created_at=now)
    session.add(row)
    return row


def for_tenant(session: Session, tenant_id: int, limit: int = 50, offset: int = 0
               ) -> list[AuditLog]:
    """The newest audit rows about a tenant (a page of them from `offset`)."""
    return list(session.scalars(
        sa.select(AuditLog).where(AuditLog.tenant_id == tenant_id)
        .order_by(AuditLog.id.desc()).offset(offset).limit(limit)
    ))


def actor_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """The people behind audit rows: user id -> email (one query)."""
    if not user_ids:
        return {}
    return dict(session.execute(sa.select(User.id, User.email)
                                .where(User.id.in_(sorted(user_ids)))).all())
