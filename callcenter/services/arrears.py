"""Money owed: recorded when rent cannot be paid, paid first when money arrives."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InsufficientFunds
from callcenter.models import Arrear, SeatCharge, Tenant
from callcenter.services import events, ledger


def unpaid(session: Session, tenant_id: int) -> list[Arrear]:
    """Unpaid arrears, oldest first: the order they are paid in."""
    return list(session.scalars(
        sa.select(Arrear).where(Arrear.tenant_id == tenant_id, Arrear.paid_at.is_(None))
        .order_by(Arrear.due_on, Arrear.id)))


def unpaid_total(session: Session, tenant_id: int, kind: str | None = None) -> int:
    """Sum of unpaid arrears (of one kind, if given)."""
    stmt = sa.select(sa.func.coalesce(sa.func.sum(Arrear.amount_micros), 0)).where(
        Arrear.tenant_id == tenant_id, Arrear.paid_at.is_(None))
    if kind:
        stmt = stmt.where(Arrear.kind == kind)
    return session.scalar(stmt)


def pay(session: Session, tenant: Tenant, *, now: datetime) -> int:
    """Pay what the balance covers, oldest first, whole items; restore service when clear.

    Returns how many arrears were paid. Called in the same transaction that credited
    the money, so the tenant returns to `active` together with the payment.
    """
    paid = 0
    for arrear in unpaid(session, tenant.id):
        try:
            posting = ledger.post(session, tenant.id, kind=arrear.kind,
                                  amount=-arrear.amount_micros, key=f"arrear:{arrear.id}",
                                  now=now, memo=f"Arrears: {arrear.memo or arrear.kind}")
        except InsufficientFunds:
            break
        arrear.paid_at, arrear.ledger_entry_id = now, posting.entry.id
        session.execute(sa.update(SeatCharge).where(SeatCharge.arrear_id == arrear.id)
                        .values(ledger_entry_id=posting.entry.id)
                        .execution_options(synchronize_session=False))
        paid += 1
    session.flush()
    if (lifecycle.owes_rent(tenant) or tenant.past_due_since is not None) \
            and unpaid_total(session, tenant.id) == 0:
        suspended = tenant.status == lifecycle.SUSPENDED
        lifecycle.clear_arrears(tenant, now)
        if suspended and tenant.status != lifecycle.SUSPENDED:  # unpaid rent's suspension
            events.tenant_status(session, tenant, "tenant.resumed", now=now)
    return paid
