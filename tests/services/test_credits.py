"""Service credits and admin adjustments: ledger entries, credit notes, audit, refusals."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.domain.errors import (
    Forbidden,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidInput,
)
from callcenter.extensions import db
from callcenter.models import AuditLog, CreditNote, LedgerEntry, Tenant
from callcenter.services import credits, ledger, ledger_audit
from callcenter.services.access import Actor


def _balance(tenant_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Tenant, tenant_id).balance_micros


def _count(model, tenant_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)
                             .where(model.tenant_id == tenant_id))


def test_credit_posts_entry_and_numbered_credit_note(session, factory, clock):
    tid = factory.tenant(balance="10.00").id
    admin = factory.admin_actor()
    note = credits.grant_credit(session, actor=admin, tenant_id=tid, amount_micros=5_000_000,
                                reason="outage 2026-11-02", reference="NOTICE-7",
                                now=clock())
    session.commit()
    assert note.number == f"CN-{clock().year}-000001"
    assert _balance(tid) == 15_000_000
    entry = session.get(LedgerEntry, note.ledger_entry_id)
    assert (entry.kind, entry.amount_micros, entry.memo) == ("credit", 5_000_000,
                                                            "outage 2026-11-02")
    assert note.gross_micros == note.net_micros + note.tax_micros == 5_000_000
    assert session.scalar(sa.select(AuditLog.action).where(
        AuditLog.action == "credit.grant", AuditLog.tenant_id == tid)) == "credit.grant"
    second = credits.grant_credit(session, actor=admin, tenant_id=tid, amount_micros=1,
                                  reason="goodwill", now=clock())
    session.commit()
    assert second.number == f"CN-{clock().year}-000002"
    assert ledger_audit.verify(session) == []


def test_credit_is_idempotent_on_its_key(session, factory, clock):
    tid = factory.tenant(balance="1.00").id
    admin = factory.admin_actor()
    first = credits.grant_credit(session, actor=admin, tenant_id=tid, amount_micros=2_000_000,
                                 reason="dispute 4", now=clock(), idempotency_key="dispute:4")
    session.commit()
    again = credits.grant_credit(session, actor=admin, tenant_id=tid, amount_micros=2_000_000,
                                 reason="dispute 4", now=clock(), idempotency_key="dispute:4")
    session.commit()
    assert again.id == first.id
    assert _balance(tid) == 3_000_000 and _count(CreditNote, tid) == 1
    with pytest.raises(IdempotencyConflict):
        credits.grant_credit(session, actor=admin, tenant_id=tid, amount_micros=9_000_000,
                             reason="dispute 4", now=clock(), idempotency_key="dispute:4")


@pytest.mark.parametrize(("amount", "reason"), [
    (0, "x"), (-5, "x"), (10**18, "x"), (1_000_000, ""), (1_000_000, "   "), (1_000_000, None),
    (1_000_000, "x" * 501),
])
def test_bad_credit_changes_nothing(session, factory, clock, amount, reason):
    tid = factory.tenant(balance="1.00").id
    with pytest.raises(InvalidInput):
        credits.grant_credit(session, actor=factory.admin_actor(), tenant_id=tid,
                             amount_micros=amount, reason=reason, now=clock())
    session.rollback()
    assert _balance(tid) == 1_000_000 and _count(CreditNote, tid) == 0


def test_only_admins_grant_credits_or_adjust(session, factory, clock):
    info = factory.tenant(balance="1.00")
    owner = Actor(user_id=info.owner_id, role="owner", tenant_id=info.id)
    with pytest.raises(Forbidden):
        credits.grant_credit(session, actor=owner, tenant_id=info.id, amount_micros=1,
                             reason="me", now=clock())
    with pytest.raises(Forbidden):
        credits.post_adjustment(session, actor=owner, tenant_id=info.id, amount_micros=1,
                                reason="me", now=clock())
    session.rollback()
    assert _balance(info.id) == 1_000_000


def test_adjustment_either_sign_with_reason_and_audit(session, factory, clock):
    tid = factory.tenant(balance="1.00").id
    admin = factory.admin_actor()
    up = credits.post_adjustment(session, actor=admin, tenant_id=tid, amount_micros=500_000,
                                 reason="bank fee refunded", now=clock())
    down = credits.post_adjustment(session, actor=admin, tenant_id=tid,
                                   amount_micros=-3_000_000, reason="duplicate transfer",
                                   now=clock())
    session.commit()
    assert (up.kind, down.kind) == ("adjustment", "adjustment")
    # The explicit admin adjustment may take the balance below zero (no holds open).
    assert _balance(tid) == -1_500_000
    assert ledger.ledger_sum(session, tid) == -1_500_000
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "ledger.adjustment", AuditLog.tenant_id == tid)) == 2
    assert ledger_audit.verify(session) == []
    with pytest.raises(InvalidInput):
        credits.post_adjustment(session, actor=admin, tenant_id=tid, amount_micros=0,
                                reason="zero", now=clock())
    with pytest.raises(InvalidInput):
        credits.post_adjustment(session, actor=admin, tenant_id=tid, amount_micros=5,
                                reason=" ", now=clock())


def test_negative_adjustment_never_uncovers_open_holds(session, factory, clock):
    tid = factory.tenant(balance="5.00").id
    ledger.place_hold(session, tid, 2_000_000, reason="call", now=clock())
    session.commit()
    with pytest.raises(InsufficientFunds):
        credits.post_adjustment(session, actor=factory.admin_actor(), tenant_id=tid,
                                amount_micros=-4_000_000, reason="correction", now=clock())
    session.rollback()
    assert _balance(tid) == 5_000_000
    credits.post_adjustment(session, actor=factory.admin_actor(), tenant_id=tid,
                            amount_micros=-3_000_000, reason="correction", now=clock())
    session.commit()
    assert _balance(tid) == 2_000_000
    assert [m for m in ledger_audit.verify(session) if m.check == "available"] == []
