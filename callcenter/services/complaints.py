"""Complaints about a tenant's calls (harassment, a number that never consented): an admin
records one, and the number goes onto that tenant's do-not-call list in the same
transaction; the tenant sees the complaint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.models import COMPLAINT_KINDS, Complaint, Tenant
from callcenter.services import audit, dnc
from callcenter.services.access import Actor, require_admin, require_tenant_role
from callcenter.services.number_lists import Row

MAX_NOTE = 2000


@dataclass(frozen=True)
class NewComplaint:
    """A complaint as an admin records it."""

    number: str
    kind: str
    note: str


def record(session: Session, actor: Actor, tenant: Tenant, new: NewComplaint, *,
           now: datetime) -> Complaint:
    """Record the complaint and put the number on the tenant's do-not-call list."""
    require_admin(actor)
    if new.kind not in COMPLAINT_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(COMPLAINT_KINDS)}",
                           details={"field": "kind"})
    note = (new.note or "").strip()
    if not note:
        raise InvalidInput("note is required", details={"field": "note"})
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note is longer than {MAX_NOTE} characters",
                           details={"field": "note"})
    try:
        number = normalize_number(new.number)
    except InvalidNumber as exc:
        raise InvalidInput("number is not a valid phone number",
                           details={"field": "number"}) from exc
    complaint = Complaint(tenant_id=tenant.id, number=number, kind=new.kind, note=note,
                          created_by=actor.user_id, created_at=now)
    session.add(complaint)
    session.flush()
    [row] = dnc.add(session, actor, tenant.id, [Row(1, number)],
                    reason=f"Complaint {complaint.id}: {new.kind}", now=now,
                    source="complaint")
    audit.record(session, actor, "complaint.record", tenant_id=tenant.id, now=now,
                 complaint_id=complaint.id, kind=new.kind, dnc=row.status)
    return complaint


def for_tenant(session: Session, actor: Actor, tenant_id: int, *, limit: int = 200,
               before_id: int | None = None) -> list[Complaint]:
    """A tenant's complaints, newest first (admins and the tenant's owners)."""
    require_tenant_role(actor, tenant_id, roles=("admin", "owner"))
    stmt = sa.select(Complaint).where(Complaint.tenant_id == tenant_id)
    if before_id is not None:
        stmt = stmt.where(Complaint.id < before_id)
    return list(session.scalars(stmt.order_by(Complaint.id.desc()).limit(limit)))
