"""Disputes: an owner contests a ledger entry or a call's charge; an admin rejects it with
a note or grants a credit (services/credits.py) for at most the disputed amount, unless
the admin documents why more is owed.

A resolution claims the dispute with one conditional UPDATE (`status = 'open'`), so two
resolutions submitted at once resolve it once, and the credit is posted under the
dispute's own idempotency key besides: a credit can never be posted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict, InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount
from callcenter.models import Call, CreditNote, Dispute, LedgerEntry, Tenant
from callcenter.services import audit, credits, mail, mail_texts
from callcenter.services.access import Actor, require_admin, require_tenant_role, visible_tenant_id
from callcenter.services.uow import UnitOfWork

WINDOW_DAYS = 365  # the default of the DISPUTE_WINDOW_DAYS setting
MAX_REASON = 2000
MAX_EVIDENCE = 10_000
DECISIONS = ("reject", "credit")


@dataclass(frozen=True)
class NewDispute:
    """What an owner disputes (exactly one of the two ids) and why."""

    reason: str
    ledger_entry_id: int | None = None
    call_id: int | None = None
    evidence: str | None = None


@dataclass(frozen=True)
class Resolution:
    """An admin's decision; `amount_micros` only with a credit."""

    decision: str
    note: str
    amount_micros: int | None = None
    justification: str | None = None  # why a credit exceeds the disputed amount


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", details={"field": field})
    if len(value) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters",
                           details={"field": field})
    return value or None


def _target(session: Session, tenant_id: int, new: NewDispute
            ) -> tuple[LedgerEntry | None, Call | None, datetime, int]:
    """The disputed entry and/or call of this tenant, when it happened and what it cost."""
    if (new.ledger_entry_id is None) == (new.call_id is None):
        raise InvalidInput("name either ledger_entry_id or call_id",
                           details={"field": "ledger_entry_id"})
    if new.call_id is not None:
        call = session.get(Call, new.call_id)
        if call is None or call.tenant_id != tenant_id:
            raise NotFound("call not found")
        if call.status in ("authorized", "refused") or not call.charge_micros:
            raise InvalidState("nothing was charged for this call",
                               details={"field": "call_id"})
        entry = session.scalars(sa.select(LedgerEntry).where(
            LedgerEntry.tenant_id == tenant_id, LedgerEntry.reference == f"call:{call.id}",
            LedgerEntry.kind == "call")).first()
        return entry, call, call.created_at, call.charge_micros
    entry = session.get(LedgerEntry, new.ledger_entry_id)
    if entry is None or entry.tenant_id != tenant_id:
        raise NotFound("ledger entry not found")
    return entry, None, entry.created_at, abs(entry.amount_micros)


def open_dispute(session: Session, actor: Actor, tenant_id: int, new: NewDispute, *,
                 now: datetime, window_days: int = WINDOW_DAYS) -> Dispute:
    """Record an open dispute; refused past the window or if one is open already."""
    require_tenant_role(actor, tenant_id, roles=("owner",))
    reason = _text(new.reason, "reason", MAX_REASON, required=True)
    evidence = _text(new.evidence, "evidence", MAX_EVIDENCE, required=False)
    entry, call, happened, amount = _target(session, tenant_id, new)
    if happened < now - timedelta(days=window_days):
        raise InvalidState(f"charges older than {window_days} days cannot be disputed",
                           details={"field": "ledger_entry_id" if call is None else "call_id",
                                    "window_days": window_days})
    key = f"entry:{entry.id}" if entry is not None else f"call:{call.id}"
    dispute = Dispute(tenant_id=tenant_id, ledger_entry_id=entry.id if entry else None,
                      call_id=call.id if call else None, open_key=key,
                      disputed_micros=amount, status="open", reason=reason, evidence=evidence,
                      opened_by=actor.user_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(dispute)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("this charge is already disputed and the dispute is open") from exc
    audit.record(session, actor, "dispute.open", tenant_id=tenant_id, now=now,
                 dispute_id=dispute.id, ledger_entry_id=dispute.ledger_entry_id,
                 call_id=dispute.call_id, disputed=format_amount(amount))
    return dispute


def check_resolution(dispute: Dispute, res: Resolution) -> tuple[str, int | None, str | None]:
    """The note, credit and justification of a valid resolution (InvalidInput if not)."""
    if res.decision not in DECISIONS:
        raise InvalidInput("decision must be reject or credit", details={"field": "decision"})
    note = _text(res.note, "note", MAX_REASON, required=True)
    justification = _text(res.justification, "justification", MAX_REASON, required=False)
    if res.decision == "reject":
        if res.amount_micros is not None:
            raise InvalidInput("a rejection credits nothing", details={"field": "amount"})
        return note, None, None
    if res.amount_micros is None or res.amount_micros <= 0:
        raise InvalidInput("a credit needs an amount above zero", details={"field": "amount"})
    if res.amount_micros > dispute.disputed_micros and justification is None:
        raise InvalidInput(
            f"the credit exceeds the disputed {format_amount(dispute.disputed_micros)}; "
            "document why in justification", details={"field": "amount"})
    return note, res.amount_micros, justification


def resolve(session: Session, actor: Actor, dispute_id: int, res: Resolution, *,
            now: datetime) -> Dispute:
    """Reject or credit an open dispute, once; a repeat of the same decision returns it."""
    require_admin(actor)
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound("dispute not found")
    note, amount, justification = check_resolution(dispute, res)
    status = "credited" if res.decision == "credit" else "rejected"
    claimed = session.execute(
        sa.update(Dispute).where(Dispute.id == dispute.id, Dispute.status == "open")
        .values(status=status, open_key=None, resolved_by=actor.user_id, resolved_at=now,
                resolution_note=note, credit_micros=amount, justification=justification)
        .returning(Dispute.id).execution_options(synchronize_session=False)).first()
    session.refresh(dispute)
    if claimed is None:
        if dispute.status == status and dispute.credit_micros == amount:
            return dispute  # the same resolution submitted again: already done
        raise InvalidState(f"this dispute is already {dispute.status}")
    if amount is not None:
        credit = credits.grant_credit(
            session, actor=actor, tenant_id=dispute.tenant_id, amount_micros=amount,
            reason=f"Dispute {dispute.id}: {note}"[:credits.MAX_REASON],
            reference=f"dispute:{dispute.id}", now=now,
            idempotency_key=f"dispute:{dispute.id}")
        dispute.credit_note_id = credit.id
        session.flush()
    audit.record(session, actor, "dispute.resolve", tenant_id=dispute.tenant_id, now=now,
                 dispute_id=dispute.id, decision=res.decision,
                 amount=format_amount(amount) if amount is not None else None,
                 justification=justification)
    _tell_owners(session, dispute, now=now)
    return dispute


def _tell_owners(session: Session, dispute: Dispute, *, now: datetime) -> None:
    """Mail the tenant's owners the answer (once per dispute)."""
    tenant = session.get(Tenant, dispute.tenant_id)
    for n, (locale, to) in enumerate(mail.owners_by_locale(session, tenant.id).items()):
        subject, body = mail_texts.dispute_resolved(
            locale=locale, id=dispute.id, name=tenant.name, status=dispute.status,
            currency=tenant.currency, disputed=format_amount(dispute.disputed_micros),
            note=dispute.resolution_note or "",
            credit=format_amount(dispute.credit_micros) if dispute.credit_micros else None)
        mail.queue(UnitOfWork.of(session), to=to, subject=subject, body=body,
                   topic="dispute", now=now, tenant_id=tenant.id, path="/portal/disputes",
                   dedupe_key=mail.dedupe_for(f"dispute:{dispute.id}", locale, n == 0))


def for_tenant(session: Session, actor: Actor, tenant_id: int, *, limit: int = 200,
               before_id: int | None = None) -> list[Dispute]:
    """A tenant's disputes, newest first (admins and the tenant's owners)."""
    visible_tenant_id(actor, tenant_id)
    require_tenant_role(actor, tenant_id, roles=("admin", "owner"))
    stmt = sa.select(Dispute).where(Dispute.tenant_id == tenant_id)
    if before_id is not None:
        stmt = stmt.where(Dispute.id < before_id)
    return list(session.scalars(stmt.order_by(Dispute.id.desc()).limit(limit)))


def all_disputes(session: Session, actor: Actor, *, status: str | None = None,
                 limit: int = 200, before_id: int | None = None) -> list[Dispute]:
    """Every tenant's disputes for admins, newest first, optionally by status."""
    require_admin(actor)
    stmt = sa.select(Dispute)
    if status is not None:
        stmt = stmt.where(Dispute.status == status)
    if before_id is not None:
        stmt = stmt.where(Dispute.id < before_id)
    return list(session.scalars(stmt.order_by(Dispute.id.desc()).limit(limit)))


def get(session: Session, actor: Actor, dispute_id: int) -> Dispute:
    """One dispute the actor may see (another tenant's is not found)."""
    dispute = session.get(Dispute, dispute_id)
    if dispute is None or (not actor.is_admin and actor.tenant_id != dispute.tenant_id):
        raise NotFound("dispute not found")
    require_tenant_role(actor, dispute.tenant_id, roles=("admin", "owner"))
    return dispute


def tenant_of(session: Session, dispute: Dispute) -> Tenant:
    """The disputing tenant."""
    return session.get(Tenant, dispute.tenant_id)


def credit_note_number(session: Session, dispute: Dispute) -> str | None:
    """The number of the credit note a credited dispute got."""
    if dispute.credit_note_id is None:
        return None
    return session.scalar(sa.select(CreditNote.number)
                          .where(CreditNote.id == dispute.credit_note_id))


def tenant_names(session: Session, tenant_ids: set[int]) -> dict[int, str]:
    """Names of the tenants of a page of disputes."""
    if not tenant_ids:
        return {}
    return dict(session.execute(sa.select(Tenant.id, Tenant.name)
                                .where(Tenant.id.in_(tenant_ids))).all())
