"""Money arriving: credits the ledger and opens a pending account in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import IdempotencyConflict, InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount
from callcenter.models import Tenant
from callcenter.services import alerts, arrears, audit, auto_topup, events, invoices, ledger
from callcenter.services.access import Actor, require_admin
from callcenter.services.ledger import Posting


def receive_funds(session: Session, tenant_id: int, amount: int, *, key: str, now: datetime,
                  reference: str | None = None, memo: str | None = None,
                  actor_id: int | None = None) -> Posting:
    """Credit a payment, then, in the same transaction: open a pending account (the
    agreement: the account opens the day the money arrives), pay arrears first, and
    issue the payment's invoice."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    if tenant.status in lifecycle.CLOSED:
        raise InvalidState(f"a {tenant.status} tenant cannot receive funds")
    posting = ledger.post(session, tenant_id, kind="topup", amount=amount, key=key, now=now,
                          reference=reference, memo=memo, actor_id=actor_id)
    # The credit's UPDATE holds the tenant row lock until commit: what we read now is
    # current and no concurrent payment can change it under us.
    session.refresh(tenant)
    if lifecycle.can_activate(tenant):
        lifecycle.activate(tenant, now)
    arrears.pay(session, tenant, now=now)
    alerts.rearm_if_recovered(session, tenant, now=now)
    if posting.created:
        auto_topup.rearm(session, tenant_id, tenant.balance_micros)
        events.emit(session, tenant_id, "payment.received",
                    {"amount": format_amount(amount), "currency": tenant.currency,
                     "method": "bank_transfer" if key.startswith("bank:") else "stripe",
                     "reference": reference, "ledger_entry_id": posting.entry.id,
                     "balance": format_amount(tenant.balance_micros)}, now=now)
        # Last, so the invoice counter's lock is held only until the commit.
        invoices.for_payment(session, tenant, posting.entry, now=now)
    return posting


def check_manual_amount(amount: int, max_micros: int | None) -> None:
    """InvalidInput when a manual credit exceeds the platform's sanity limit."""
    if max_micros is not None and amount > max_micros:
        raise InvalidInput(f"amount is above the limit of {format_amount(max_micros)} for a "
                           "manual credit; check it, or credit it in parts",
                           details={"field": "amount"})


def record_bank_transfer(session: Session, actor: Actor, tenant: Tenant, amount: int,
                         reference: str | None, *, now: datetime, memo: str | None = None,
                         max_micros: int | None = None) -> Posting:
    """An admin records a bank transfer; the bank's reference makes it idempotent.

    Above `max_micros` (MAX_MANUAL_TOPUP) it is refused: a mistyped amount never lands.
    """
    require_admin(actor)
    check_manual_amount(amount, max_micros)
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 100:
        raise InvalidInput("reference (the bank's transfer reference) is required",
                           details={"field": "reference"})
    reference = reference.strip()
    try:
        posting = receive_funds(session, tenant.id, amount, key=f"bank:{reference}", now=now,
                                reference=reference, memo=memo or "Bank transfer",
                                actor_id=actor.user_id)
    except IdempotencyConflict as exc:
        raise IdempotencyConflict(
            f"the bank reference {reference} was already recorded with a different amount; "
            "check the reference", details={**(exc.details or {}), "field": "reference"}
        ) from exc
    if posting.created:
        audit.record(session, actor, "topup.bank_transfer", tenant_id=tenant.id, now=now,
                     amount_micros=amount, reference=reference)
    return posting
