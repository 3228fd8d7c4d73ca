"""Service credits (with a numbered credit note) and admin adjustments of a balance.

A credit compensates a tenant (an outage, a resolved dispute): a ledger entry of kind
`credit` and a credit note, in one transaction. An adjustment corrects a balance either
way, with a reason. Both are admin acts and audited.

Negative adjustments: the contract lets only "an explicit admin adjustment" take a
balance below zero. Such an adjustment may do so when the tenant has no open holds; with
calls or messages in progress it may reduce `available` to zero and no further (a hold
must stay covered by the balance, or `ledger verify` would rightly flag it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import IdempotencyConflict, InvalidInput, InvalidState, NotFound
from callcenter.domain.invoicing import split_tax
from callcenter.domain.money import MAX_AMOUNT_MICROS, format_amount
from callcenter.models import CreditNote, LedgerEntry, Tenant
from callcenter.services import alerts, arrears, audit, documents, ledger
from callcenter.services.access import Actor, require_admin

MAX_REASON = 500
MAX_REFERENCE = 200


def _text(value: object, field: str, limit: int, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{field} is required", details={"field": field})
    value = value.strip()
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters",
                           details={"field": field})
    return value or None


def _amount(value: object, *, signed: bool) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value == 0 or (
            value < 0 and not signed):
        raise InvalidInput("amount must be " + ("non-zero" if signed else "above zero"),
                           details={"field": "amount"})
    if abs(value) > MAX_AMOUNT_MICROS:
        raise InvalidInput("amount is too large", details={"field": "amount"})
    return value


def _open_tenant(session: Session, tenant_id: int, *, lock: bool = False) -> Tenant:
    stmt = sa.select(Tenant).where(Tenant.id == tenant_id)
    if lock:
        stmt = stmt.with_for_update()
    tenant = session.scalars(stmt).first()
    if tenant is None:
        raise NotFound("tenant not found")
    if tenant.status in lifecycle.CLOSED:
        raise InvalidState(f"a {tenant.status} tenant's balance is settled")
    return tenant


def grant_credit(session: Session, *, actor: Actor, tenant_id: int, amount_micros: int,
                 reason: str, reference: str | None = None, now: datetime,
                 idempotency_key: str | None = None) -> CreditNote:
    """Credit the tenant's balance and issue a numbered credit note; once per key."""
    require_admin(actor)
    amount = _amount(amount_micros, signed=False)
    reason = _text(reason, "reason", MAX_REASON, required=True)
    reference = _text(reference, "reference", MAX_REFERENCE, required=False)
    tenant = _open_tenant(session, tenant_id)
    key = f"credit:{idempotency_key}" if idempotency_key else f"credit:{uuid.uuid4().hex}"
    if len(key) > 200:
        raise InvalidInput("the idempotency key is too long", details={"field": "key"})
    posting = ledger.post(session, tenant_id, kind="credit", amount=amount, key=key, now=now,
                          reference=reference, memo=reason, actor_id=actor.user_id)
    if not posting.created:
        note = session.scalars(sa.select(CreditNote).where(
            CreditNote.ledger_entry_id == posting.entry.id)).first()
        if note is None:  # the key names an entry that is no credit of ours
            raise IdempotencyConflict("this idempotency key was already used",
                                      details={"entry_id": posting.entry.id})
        return note
    # Like money received: the credit pays overdue rent first and re-arms the alert.
    session.refresh(tenant)
    arrears.pay(session, tenant, now=now)
    alerts.rearm_if_recovered(session, tenant, now=now)
    # The number last: the counter's lock is then held only until the commit.
    split = split_tax(amount, tenant.tax_rate_ppm, tenant.currency)
    note = CreditNote(
        tenant_id=tenant_id, number=documents.next_number(session, "credit_note", now),
        ledger_entry_id=posting.entry.id, currency=tenant.currency,
        tax_rate_ppm=tenant.tax_rate_ppm, gross_micros=split.gross, net_micros=split.net,
        tax_micros=split.tax, reason=reason, reference=reference,
        seller=documents.seller(), buyer=documents.buyer(tenant),
        actor_user_id=actor.user_id, issued_at=now)
    session.add(note)
    session.flush()
    audit.record(session, actor, "credit.grant", tenant_id=tenant_id, now=now,
                 amount=format_amount(amount), reason=reason, reference=reference,
                 credit_note=note.number, ledger_entry_id=posting.entry.id)
    return note


def post_adjustment(session: Session, *, actor: Actor, tenant_id: int, amount_micros: int,
                    reason: str, now: datetime,
                    idempotency_key: str | None = None) -> LedgerEntry:
    """Correct a balance by a signed amount with a reason (see the module's rule); once
    per key when one is given (a form submitted twice)."""
    require_admin(actor)
    amount = _amount(amount_micros, signed=True)
    reason = _text(reason, "reason", MAX_REASON, required=True)
    # The row lock keeps holds from opening between the check and the posting.
    tenant = _open_tenant(session, tenant_id, lock=True)
    posting = ledger.post(session, tenant_id, kind="adjustment", amount=amount,
                          key=f"adjustment:{idempotency_key or uuid.uuid4().hex}", now=now,
                          memo=reason,
                          actor_id=actor.user_id,
                          allow_negative=amount < 0 and tenant.held_micros == 0)
    if not posting.created:
        return posting.entry
    session.refresh(tenant)
    if amount > 0:
        arrears.pay(session, tenant, now=now)
        alerts.rearm_if_recovered(session, tenant, now=now)
    audit.record(session, actor, "ledger.adjustment", tenant_id=tenant_id, now=now,
                 amount=format_amount(amount), reason=reason,
                 ledger_entry_id=posting.entry.id)
    return posting.entry


def entry_of(session: Session, note: CreditNote) -> LedgerEntry:
    """The ledger entry a credit note documents."""
    return session.get(LedgerEntry, note.ledger_entry_id)


def credit_notes(session: Session, tenant_id: int, *, limit: int = 200) -> list[CreditNote]:
    """The tenant's credit notes, newest first."""
    return list(session.scalars(sa.select(CreditNote).where(CreditNote.tenant_id == tenant_id)
                                .order_by(CreditNote.id.desc()).limit(limit)))


def credit_note(session: Session, tenant_id: int, number: str) -> CreditNote:
    """One of the tenant's credit notes by number; another tenant's is not found."""
    note = session.scalars(sa.select(CreditNote).where(CreditNote.tenant_id == tenant_id,
                                                       CreditNote.number == number)).first()
    if note is None:
        raise NotFound("credit note not found")
    return note
