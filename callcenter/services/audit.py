"""The audit trail of admin actions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import AuditLog
from callcenter.services.access import Actor


def record(session: Session, actor: Actor | None, action: str, *, now: datetime,
           tenant_id: int | None = None, **details: object) -> AuditLog:
    """Write one audit row in the caller's transaction."""
    row = AuditLog(actor_user_id=actor.user_id if actor else None, tenant_id=tenant_id,
                   action=action, details=details, created_at=now)
    session.add(row)
    return row


def for_tenant(session: Session, tenant_id: int, limit: int = 50) -> list[AuditLog]:
    """The newest audit rows about a tenant."""
    return list(session.scalars(
        sa.select(AuditLog).where(AuditLog.tenant_id == tenant_id)
        .order_by(AuditLog.id.desc()).limit(limit)
    ))
