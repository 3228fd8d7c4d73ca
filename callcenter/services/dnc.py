"""Do-not-call lists: one platform-wide (admins), one per tenant (its owner)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import N_, InvalidInput, NotFound
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.models import DncEntry
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.compliance import platform_key, tenant_key
from callcenter.services.number_lists import Row, normalize_rows

CHUNK = 500


def list_key(tenant_id: int | None) -> str:
    """The platform list for None, else the tenant's own list."""
    return platform_key() if tenant_id is None else tenant_key(tenant_id)


def add(session: Session, actor: Actor, tenant_id: int | None, rows: list[Row], *,
        reason: str | None = None, now: datetime, source: str | None = None) -> list[Row]:
    """Add every valid row to the list; numbers already on it are duplicates.

    `source` says how the number got there when no person added it (`sms_reply`).
    """
    require_tenant_role(actor, tenant_id)
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
        raise InvalidInput.of(N_("reason must be text up to 200 characters"),
                              details={"field": "reason"})
    key = list_key(tenant_id)
    normalize_rows(rows)
    good = [r for r in rows if r.status == "valid"]
    numbers = [r.number for r in good]
    listed: set[str] = set()
    for i in range(0, len(numbers), CHUNK):
        listed.update(session.scalars(sa.select(DncEntry.number).where(
            DncEntry.list_key == key, DncEntry.number.in_(numbers[i:i + CHUNK]))))
    for row in good:
        if row.number in listed:
            row.status, row.reason = "duplicate", "already on the list"
            continue
        session.add(DncEntry(list_key=key, tenant_id=tenant_id, number=row.number,
                             reason=(row.extra.get("reason") or reason or None),
                             source=source, created_by=actor.user_id, created_at=now))
    session.flush()
    return rows


def remove(session: Session, actor: Actor, tenant_id: int | None, number: str) -> None:
    """Take a number off the list."""
    require_tenant_role(actor, tenant_id)
    try:
        e164 = normalize_number(number)
    except InvalidNumber as exc:
        raise InvalidInput(str(exc), details={"field": "number"}, template=exc.template,
                           params=exc.params) from exc
    entry = session.scalars(sa.select(DncEntry).where(
        DncEntry.list_key == list_key(tenant_id), DncEntry.number == e164)).first()
    if entry is None:
        raise NotFound("this number is not on the list")
    session.delete(entry)


def search(session: Session, tenant_id: int | None, *, q: str | None = None,
           limit: int = 200, offset: int = 0) -> list[DncEntry]:
    """Entries of one list, newest first."""
    stmt = sa.select(DncEntry).where(DncEntry.list_key == list_key(tenant_id))
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        stmt = stmt.where(DncEntry.number.contains(digits or q, autoescape=True))
    return list(session.scalars(stmt.order_by(DncEntry.id.desc()).offset(offset).limit(limit)))
