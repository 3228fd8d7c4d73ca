"""The ledger audit behind `flask ledger verify`: cached figures against the entries.

Set-based queries, so a platform with many tenants is checked in a few statements:
every tenant's cached balance equals the sum of its entries; each entry's
`balance_after` follows from the one before it (no gap, no reordering); the cached
`held` equals its open holds; every open call hold belongs to a call still in progress
and every call in progress holds its funds; every open SMS hold belongs to a message
not yet sent and every such message holds its price; and no tenant has more held than
it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import AuditLog, Call, Hold, LedgerEntry, SmsMessage, Tenant
from callcenter.services import audit


@dataclass(frozen=True)
class Mismatch:
    """One thing that does not add up, for one tenant."""

    tenant_id: int
    check: str
    detail: str


def _balances(session: Session) -> list[Mismatch]:
    total = sa.func.coalesce(sa.func.sum(LedgerEntry.amount_micros), 0)
    rows = session.execute(
        sa.select(Tenant.id, Tenant.balance_micros, total)
        .outerjoin(LedgerEntry, LedgerEntry.tenant_id == Tenant.id)
        .group_by(Tenant.id, Tenant.balance_micros)
        .having(Tenant.balance_micros != total))
    return [Mismatch(tid, "balance", f"cached {cached}, entries sum to {summed}")
            for tid, cached, summed in rows]


def _chain(session: Session) -> list[Mismatch]:
    previous = sa.func.lag(LedgerEntry.balance_after_micros, 1, 0).over(
        partition_by=LedgerEntry.tenant_id, order_by=LedgerEntry.id)
    steps = sa.select(LedgerEntry.tenant_id, LedgerEntry.id, LedgerEntry.amount_micros,
                      LedgerEntry.balance_after_micros, previous.label("previous")).subquery()
    rows = session.execute(
        sa.select(steps).where(steps.c.balance_after_micros
                               != steps.c.previous + steps.c.amount_micros)
        .order_by(steps.c.tenant_id, steps.c.id))
    return [Mismatch(r.tenant_id, "balance_after",
                     f"entry {r.id}: {r.previous} + {r.amount_micros} "
                     f"is not {r.balance_after_micros}") for r in rows]


def _held(session: Session) -> list[Mismatch]:
    open_total = sa.func.coalesce(sa.func.sum(Hold.amount_micros), 0)
    rows = session.execute(
        sa.select(Tenant.id, Tenant.held_micros, open_total)
        .outerjoin(Hold, sa.and_(Hold.tenant_id == Tenant.id, Hold.state == "open"))
        .group_by(Tenant.id, Tenant.held_micros)
        .having(Tenant.held_micros != open_total))
    return [Mismatch(tid, "held", f"cached {cached}, open holds sum to {summed}")
            for tid, cached, summed in rows]


def _holds_and_calls(session: Session) -> list[Mismatch]:
    orphan = session.execute(
        sa.select(Hold.tenant_id, Hold.id, Call.id, Call.status)
        .outerjoin(Call, Call.hold_id == Hold.id)
        .where(Hold.state == "open", Hold.reason == "call",
               sa.or_(Call.id.is_(None), Call.status != "authorized")))
    found = [Mismatch(tid, "open_hold",
                      f"hold {hid} is open but its call {cid or '-'} is {status or 'missing'}")
             for tid, hid, cid, status in orphan]
    unheld = session.execute(
        sa.select(Call.tenant_id, Call.id, Hold.state)
        .join(Hold, Hold.id == Call.hold_id)
        .where(Call.status == "authorized", Hold.state != "open"))
    found += [Mismatch(tid, "call_hold", f"call {cid} is in progress but its hold is {state}")
              for tid, cid, state in unheld]
    return found


def _holds_and_messages(session: Session) -> list[Mismatch]:
    waiting = ("queued", "sending")
    orphan = session.execute(
        sa.select(Hold.tenant_id, Hold.id, SmsMessage.id, SmsMessage.status)
        .outerjoin(SmsMessage, SmsMessage.hold_id == Hold.id)
        .where(Hold.state == "open", Hold.reason == "sms",
               sa.or_(SmsMessage.id.is_(None), SmsMessage.status.not_in(waiting))))
    found = [Mismatch(tid, "open_hold",
                      f"hold {hid} is open but its message {mid or '-'} is "
                      f"{status or 'missing'}")
             for tid, hid, mid, status in orphan]
    unheld = session.execute(
        sa.select(SmsMessage.tenant_id, SmsMessage.id, Hold.state)
        .join(Hold, Hold.id == SmsMessage.hold_id)
        .where(SmsMessage.status.in_(waiting), Hold.state != "open"))
    found += [Mismatch(tid, "sms_hold", f"message {mid} is not sent yet but its hold is "
                                        f"{state}") for tid, mid, state in unheld]
    return found


def _overdrawn(session: Session) -> list[Mismatch]:
    rows = session.execute(sa.select(Tenant.id, Tenant.balance_micros, Tenant.held_micros)
                           .where(Tenant.held_micros > Tenant.balance_micros,
                                  Tenant.held_micros > 0))
    return [Mismatch(tid, "available", f"held {held} exceeds balance {balance}")
            for tid, balance, held in rows]


def verify(session: Session) -> list[Mismatch]:
    """Every mismatch on the platform, by tenant; an empty list means the books agree."""
    found = (_balances(session) + _chain(session) + _held(session)
             + _holds_and_calls(session) + _holds_and_messages(session)
             + _overdrawn(session))
    return sorted(found, key=lambda m: (m.tenant_id, m.check))


def tenants_checked(session: Session) -> int:
    """How many tenants the audit covered."""
    return session.scalar(sa.select(sa.func.count(Tenant.id))) or 0


ALERT = "ledger.mismatch"


def audit_and_alert(session: Session, *, now: datetime) -> list[Mismatch]:
    """Run the audit; record each mismatch in the audit log, where admins see it (the
    tenant's audit trail and the banner of the admin tenant list). The caller commits."""
    found = verify(session)
    for m in found:
        audit.record(session, None, ALERT, now=now, tenant_id=m.tenant_id, check=m.check,
                     detail=m.detail)
    return found


def recent_alerts(session: Session, *, since: datetime) -> list[AuditLog]:
    """Mismatches the audit recorded since `since`, newest first."""
    return list(session.scalars(sa.select(AuditLog).where(AuditLog.action == ALERT,
                                                          AuditLog.created_at >= since)
                                .order_by(AuditLog.id.desc()).limit(50)))
