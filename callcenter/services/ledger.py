"""The ledger: every balance change is an entry written with the balance update.

Balance and held amounts are cached on the tenant row and changed only here (and, for
call holds on the webhooks' hot path, by the same statements folded into one in
`services/call_store.py`), by one conditional `UPDATE ... RETURNING` per change: the
database checks the funds and applies the change in a single statement, so concurrent
requests cannot both spend the same money (no read-modify-write). The entry insert
shares a savepoint with that update, so a duplicate idempotency key undoes the update and
returns the original entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.errors import N_, IdempotencyConflict, InsufficientFunds, NotFound
from callcenter.models import Hold, LedgerEntry, Tenant
from callcenter.services import alerts, auto_topup


@dataclass(frozen=True)
class Posting:
    """The entry, and whether this call created it (False: an idempotent replay)."""

    entry: LedgerEntry
    created: bool


def _apply(session: Session, tenant_id: int, *, balance_delta: int, held_delta: int,
           checked: bool) -> tuple[int, int, int, bool] | None:
    """Change the cached amounts atomically; None if `checked` and funds fall short.

    Returns (balance, held, low-balance threshold, alert armed) after the change."""
    stmt = (
        sa.update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(balance_micros=Tenant.balance_micros + balance_delta,
                held_micros=Tenant.held_micros + held_delta)
        .returning(Tenant.balance_micros, Tenant.held_micros,
                   Tenant.low_balance_threshold_micros, Tenant.low_balance_armed)
        .execution_options(synchronize_session=False)
    )
    if checked:
        stmt = stmt.where(
            (Tenant.balance_micros + balance_delta) - (Tenant.held_micros + held_delta) >= 0
        )
    row = session.execute(stmt).first()
    tenant = session.identity_map.get(sa.inspect(Tenant).identity_key_from_primary_key(
        (tenant_id,)))
    if tenant is not None:
        # Keep the loaded object truthful without another round trip.
        session.expire(tenant, ["balance_micros", "held_micros"])
    return (row[0], row[1], row[2], row[3]) if row else None


def _raise_short(session: Session, tenant_id: int, needed: int) -> None:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    raise InsufficientFunds.of(
        N_("available funds do not cover this amount"),
        details={"needed_micros": needed, "available_micros": tenant.available_micros},
    )


def _find(session: Session, tenant_id: int, key: str) -> LedgerEntry | None:
    return session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.tenant_id == tenant_id,
                                     LedgerEntry.idempotency_key == key)
    ).first()


def _replay(existing: LedgerEntry, kind: str, amount: int) -> Posting:
    if existing.amount_micros != amount or existing.kind != kind:
        raise IdempotencyConflict(
            "this idempotency key was already used with a different amount",
            details={"entry_id": existing.id},
        )
    return Posting(existing, created=False)


def post(session: Session, tenant_id: int, *, kind: str, amount: int, key: str, now: datetime,
         reference: str | None = None, memo: str | None = None, actor_id: int | None = None,
         allow_negative: bool = False, held_delta: int = 0) -> Posting:
    """Append an entry and move the balance; a debit never overdraws `available`.

    `allow_negative` is for explicit admin adjustments only. `held_delta` lets a hold
    settlement release its reservation in the same statement as the charge.
    """
    if amount == 0:
        raise ValueError("a ledger entry must move money")
    existing = _find(session, tenant_id, key)
    if existing is not None:
        return _replay(existing, kind, amount)
    checked = amount < 0 and not allow_negative and held_delta == 0
    try:
        with session.begin_nested():
            amounts = _apply(session, tenant_id, balance_delta=amount, held_delta=held_delta,
                             checked=checked)
            if amounts is None:
                _raise_short(session, tenant_id, -amount)
            entry = LedgerEntry(
                tenant_id=tenant_id, kind=kind, amount_micros=amount,
                balance_after_micros=amounts[0], idempotency_key=key, reference=reference,
                memo=memo, actor_user_id=actor_id, created_at=now,
            )
            session.add(entry)
            session.flush()
    except IntegrityError:
        # A concurrent request committed the same key first: its entry is the answer.
        existing = _find(session, tenant_id, key)
        if existing is None:
            raise
        return _replay(existing, kind, amount)
    if amount < 0:
        after_debit(session, tenant_id, balance=amounts[0], threshold=amounts[2],
                    armed=amounts[3], now=now)
    return Posting(entry, created=True)


def after_debit(session: Session, tenant_id: int, *, balance: int, threshold: int,
                armed: bool, now: datetime) -> None:
    """The hooks of every debit, given what its balance UPDATE returned: the low-balance
    alert when an armed tenant fell below its threshold, and automatic top-up. Neither
    runs a statement unless the balance is below a threshold."""
    if armed and balance < threshold:
        alerts.crossed(session, tenant_id, now=now)
    auto_topup.after_debit(session, tenant_id, balance, now=now)


def place_hold(session: Session, tenant_id: int, amount: int, *, reason: str, now: datetime,
               reference: str | None = None, expires_at: datetime | None = None) -> Hold:
    """Reserve `amount` of the available funds, or raise InsufficientFunds."""
    if amount <= 0:
        raise ValueError("a hold must be positive")
    if _apply(session, tenant_id, balance_delta=0, held_delta=amount, checked=True) is None:
        _raise_short(session, tenant_id, amount)
    hold = Hold(tenant_id=tenant_id, amount_micros=amount, reason=reason, reference=reference,
                expires_at=expires_at, state="open", created_at=now)
    session.add(hold)
    session.flush()
    return hold


def _close(session: Session, hold_id: int, state: str, settled: int | None,
           now: datetime) -> tuple[int, int] | None:
    """Move an open hold to `state` exactly once; None if it was already closed."""
    row = session.execute(
        sa.update(Hold)
        .where(Hold.id == hold_id, Hold.state == "open")
        .values(state=state, settled_amount_micros=settled, closed_at=now)
        .returning(Hold.tenant_id, Hold.amount_micros)
        .execution_options(synchronize_session=False)
    ).first()
    hold = session.identity_map.get(sa.inspect(Hold).identity_key_from_primary_key((hold_id,)))
    if hold is not None:
        session.expire(hold)
    return (row[0], row[1]) if row else None


def settle_hold(session: Session, hold_id: int, actual: int, *, kind: str, now: datetime,
                reference: str | None = None, memo: str | None = None) -> Posting | None:
    """Charge the actual amount (never more than the hold), release the rest; once only.

    Returns None when the hold was already settled or released (a duplicate report), or
    when nothing is owed.
    """
    if actual < 0:
        raise ValueError("a charge cannot be negative")
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise NotFound("hold not found")
    charge = min(actual, hold.amount_micros)
    closed = _close(session, hold_id, "settled", charge, now)
    if closed is None:
        return None
    tenant_id, held = closed
    if charge == 0:
        _apply(session, tenant_id, balance_delta=0, held_delta=-held, checked=False)
        return None
    posting = post(session, tenant_id, kind=kind, amount=-charge, key=f"hold:{hold_id}",
                   now=now, reference=reference, memo=memo, held_delta=-held)
    session.execute(sa.update(Hold).where(Hold.id == hold_id)
                    .values(ledger_entry_id=posting.entry.id)
                    .execution_options(synchronize_session=False))
    return posting


def release_hold(session: Session, hold_id: int, *, now: datetime) -> bool:
    """Return the whole hold to `available`; False if it was no longer open."""
    closed = _close(session, hold_id, "released", None, now)
    if closed is None:
        return False
    _apply(session, closed[0], balance_delta=0, held_delta=-closed[1], checked=False)
    return True


def entries(session: Session, tenant_id: int, *, before_id: int | None = None,
            limit: int = 50) -> list[LedgerEntry]:
    """A page of the tenant's entries, newest first, starting below `before_id`."""
    stmt = sa.select(LedgerEntry).where(LedgerEntry.tenant_id == tenant_id)
    if before_id is not None:
        stmt = stmt.where(LedgerEntry.id < before_id)
    return list(session.scalars(stmt.order_by(LedgerEntry.id.desc()).limit(limit)))


def entries_between(session: Session, tenant_id: int, *, since: datetime | None = None,
                    until: datetime | None = None, offset: int = 0, limit: int = 50
                    ) -> list[LedgerEntry]:
    """A page of the tenant's entries in [since, until), newest first by time."""
    stmt = sa.select(LedgerEntry).where(LedgerEntry.tenant_id == tenant_id)
    if since is not None:
        stmt = stmt.where(LedgerEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(LedgerEntry.created_at < until)
    return list(session.scalars(stmt.order_by(LedgerEntry.created_at.desc(),
                                              LedgerEntry.id.desc())
                                .offset(offset).limit(limit)))


def ledger_sum(session: Session, tenant_id: int) -> int:
    """Sum of the tenant's entries: equals the cached balance, always."""
    return session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_micros), 0))
        .where(LedgerEntry.tenant_id == tenant_id)
    )
