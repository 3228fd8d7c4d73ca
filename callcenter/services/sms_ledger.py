"""SMS money: every accepted recipient's cost held up front, charged when Twilio accepts
the message, released if it is never sent, given back once if it fails.

Holds are one per message, so each is settled or released exactly once by the ledger's
own functions; only their placement is batched: one multi-row insert of the holds, then
one checked update of the tenant's cached amounts for the whole batch (all of it is
available, or nothing is held).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import Hold, SmsMessage
from callcenter.services import ledger

HOLD_REASON = "sms"


def place_holds(session: Session, tenant_id: int, amounts: list[int], *, reference: str,
                now: datetime) -> list[int | None]:
    """Write one open hold per amount (None for 0); `reserve` must follow in the same
    transaction, which then holds all of them or fails whole."""
    rows = [{"tenant_id": tenant_id, "amount_micros": amount, "reason": HOLD_REASON,
             "reference": reference, "state": "open", "created_at": now}
            for amount in amounts if amount > 0]
    if not rows:
        return [None] * len(amounts)
    ids = iter(session.execute(sa.insert(Hold).returning(Hold.id, sort_by_parameter_order=True),
                               rows).scalars().all())
    return [next(ids) if amount > 0 else None for amount in amounts]


def reserve(session: Session, tenant_id: int, total: int) -> None:
    """Take `total` from the tenant's available funds for the holds just written, or
    raise InsufficientFunds (the caller's transaction then rolls them back).

    The ledger's own conditional update: the funds check and the reservation are one
    statement, so two batches racing for the same money cannot both be held in full.
    Called last, so the tenant's row is locked only for the end of the transaction.
    """
    if total > 0 and ledger._apply(session, tenant_id, balance_delta=0, held_delta=total,
                                   checked=True) is None:
        ledger._raise_short(session, tenant_id, total)


def _memo(message: SmsMessage) -> str:
    return f"SMS to {message.to_number}, {message.segments} segment(s)"


def charge(session: Session, message: SmsMessage, *, now: datetime) -> None:
    """Twilio accepted the message: charge its held price (once; nothing if free)."""
    if message.hold_id is None:
        return
    posting = ledger.settle_hold(session, message.hold_id, message.charge_micros, kind="sms",
                                 now=now, reference=f"sms:{message.batch_id}",
                                 memo=_memo(message))
    if posting is not None:
        _set(session, message.id, charged=True)


def release(session: Session, message: SmsMessage, *, now: datetime) -> None:
    """The message will never be sent: its hold goes back to `available`."""
    if message.hold_id is not None:
        ledger.release_hold(session, message.hold_id, now=now)


def refund(session: Session, message: SmsMessage, *, now: datetime) -> None:
    """Twilio reported the charged message failed: give its charge back, once."""
    if not message.charged or message.charge_micros == 0:
        return
    ledger.post(session, message.tenant_id, kind="sms", amount=message.charge_micros,
                key=f"sms-refund:{message.id}", now=now, reference=f"sms:{message.batch_id}",
                memo="Refund: " + _memo(message) + " not delivered")
    _set(session, message.id, refunded=True)


def cancel_queued(session: Session, batch_id: int, *, now: datetime,
                  reasons: list[str] | None = None) -> int:
    """Cancel the batch's messages not yet claimed for sending and release their holds."""
    values: dict[str, object] = {"status": "canceled", "updated_at": now}
    if reasons:
        values["reasons"] = reasons
    ids = session.scalars(
        sa.update(SmsMessage).where(SmsMessage.batch_id == batch_id,
                                    SmsMessage.status == "queued")
        .values(**values).returning(SmsMessage.id)
        .execution_options(synchronize_session=False)).all()
    for i in range(0, len(ids), 500):
        for message in session.scalars(sa.select(SmsMessage)
                                       .where(SmsMessage.id.in_(ids[i:i + 500]))):
            release(session, message, now=now)
    return len(ids)


def _set(session: Session, message_id: int, **values: object) -> None:
    session.execute(sa.update(SmsMessage).where(SmsMessage.id == message_id).values(**values)
                    .execution_options(synchronize_session=False))
