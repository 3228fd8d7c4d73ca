"""Consent records: who agreed to be called by a tenant, from which source, when."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import N_, InvalidInput, NotFound
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.models import Consent, Tenant
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.number_lists import Row, normalize_rows

CHUNK = 500


def _existing(session: Session, tenant_id: int, numbers: list[str]) -> dict[str, Consent]:
    found: dict[str, Consent] = {}
    for i in range(0, len(numbers), CHUNK):
        found.update((c.number, c) for c in session.scalars(sa.select(Consent).where(
            Consent.tenant_id == tenant_id, Consent.number.in_(numbers[i:i + CHUNK]))))
    return found


def _text(value: object, field: str, limit: int, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidInput.of(N_("%(field)s is required"), details={"field": field},
                                  field=field)
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput.of(N_("%(field)s must be text up to %(limit)s characters"),
                              details={"field": field}, field=field, limit=limit)
    return value.strip()


def grant(session: Session, actor: Actor, tenant: Tenant, rows: list[Row], *,
          source: str | None, evidence: str | None = None, now: datetime) -> list[Row]:
    """Record consent for every valid row; active consents are reported as duplicates."""
    require_tenant_role(actor, tenant.id)
    default_source = _text(source, "source", 100, required=False)
    default_evidence = _text(evidence, "evidence", 500, required=False)
    normalize_rows(rows)
    good = [r for r in rows if r.status == "valid"]
    existing = _existing(session, tenant.id, [r.number for r in good])
    for row in good:
        row_source = (row.extra.get("source") or default_source or "").strip()[:100]
        if not row_source:
            row.status, row.reason = "invalid", "source is required"
            continue
        row_evidence = (row.extra.get("evidence") or default_evidence or None)
        consent = existing.get(row.number)
        if consent is not None and consent.revoked_at is None:
            row.status, row.reason = "duplicate", "consent already on record"
            continue
        if consent is None:
            consent = Consent(tenant_id=tenant.id, number=row.number, created_at=now)
            session.add(consent)
            existing[row.number] = consent
        consent.source, consent.evidence = row_source, (row_evidence or None)
        consent.granted_at, consent.revoked_at = now, None
    session.flush()
    return rows


def revoke(session: Session, actor: Actor, tenant: Tenant, number: str, *,
           now: datetime, source: str | None = None) -> Consent:
    """Withdraw consent; the record stays, so later calls are refused with a reason.

    `source` records what withdrew it when no person did (`sms_reply`).
    """
    require_tenant_role(actor, tenant.id)
    try:
        e164 = normalize_number(number)
    except InvalidNumber as exc:
        raise InvalidInput(str(exc), details={"field": "number"}, template=exc.template,
                           params=exc.params) from exc
    consent = session.scalars(sa.select(Consent).where(
        Consent.tenant_id == tenant.id, Consent.number == e164)).first()
    if consent is None:
        raise NotFound("no consent on record for this number")
    if consent.revoked_at is None:
        consent.revoked_at, consent.revoked_source = now, source
    return consent


def search(session: Session, tenant_id: int, *, q: str | None = None, active: bool | None = None,
           limit: int = 200, offset: int = 0) -> list[Consent]:
    """The tenant's consent records, newest first."""
    stmt = sa.select(Consent).where(Consent.tenant_id == tenant_id)
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        stmt = stmt.where(sa.or_(Consent.number.contains(digits or q, autoescape=True),
                                 Consent.source.contains(q, autoescape=True)))
    if active is not None:
        stmt = stmt.where(Consent.revoked_at.is_(None) if active else
                          Consent.revoked_at.is_not(None))
    return list(session.scalars(stmt.order_by(Consent.id.desc()).offset(offset).limit(limit)))
