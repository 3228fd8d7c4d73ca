"""The ledger service on both databases: exact, idempotent, never overdrawn."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.domain.errors import IdempotencyConflict, InsufficientFunds
from callcenter.extensions import db
from callcenter.models import Hold, LedgerEntry, Tenant
from callcenter.services import ledger


def _tenant(factory, balance="10.00") -> int:
    return factory.tenant(balance=balance).id


def _state(tenant_id: int) -> tuple[int, int, int]:
    db.session.expire_all()
    t = db.session.get(Tenant, tenant_id)
    return t.balance_micros, t.held_micros, ledger.ledger_sum(db.session, tenant_id)


def test_credit_and_debit_record_balance_after(session, factory, clock):
    tid = _tenant(factory)
    p = ledger.post(session, tid, kind="call", amount=-2_500_000, key="c1", now=clock())
    session.commit()
    assert p.created and p.entry.balance_after_micros == 7_500_000
    assert _state(tid) == (7_500_000, 0, 7_500_000)


def test_debit_beyond_balance_is_refused_and_changes_nothing(session, factory, clock):
    tid = _tenant(factory, "1.00")
    with pytest.raises(InsufficientFunds):
        ledger.post(session, tid, kind="call", amount=-1_000_001, key="big", now=clock())
    session.commit()
    assert _state(tid) == (1_000_000, 0, 1_000_000)
    assert session.scalar(sa.select(sa.func.count()).where(
        LedgerEntry.idempotency_key == "big")) == 0


def test_debit_cannot_spend_held_funds(session, factory, clock):
    tid = _tenant(factory, "1.00")
    ledger.place_hold(session, tid, 600_000, reason="call", now=clock())
    with pytest.raises(InsufficientFunds):
        ledger.post(session, tid, kind="sms", amount=-500_000, key="sms1", now=clock())
    ledger.post(session, tid, kind="sms", amount=-400_000, key="sms2", now=clock())
    session.commit()
    assert _state(tid) == (600_000, 600_000, 600_000)


def test_same_key_same_amount_returns_the_original_entry(session, factory, clock):
    tid = _tenant(factory)
    first = ledger.post(session, tid, kind="call", amount=-1_000_000, key="k", now=clock())
    again = ledger.post(session, tid, kind="call", amount=-1_000_000, key="k", now=clock())
    session.commit()
    assert again.entry.id == first.entry.id and not again.created
    assert _state(tid)[0] == 9_000_000


def test_same_key_different_amount_is_a_conflict(session, factory, clock):
    tid = _tenant(factory)
    ledger.post(session, tid, kind="call", amount=-1_000_000, key="k", now=clock())
    with pytest.raises(IdempotencyConflict):
        ledger.post(session, tid, kind="call", amount=-2_000_000, key="k", now=clock())


def test_keys_are_scoped_per_tenant(session, factory, clock):
    a, b = _tenant(factory), _tenant(factory)
    ledger.post(session, a, kind="call", amount=-1_000_000, key="same", now=clock())
    ledger.post(session, b, kind="call", amount=-3_000_000, key="same", now=clock())
    session.commit()
    assert _state(a)[0] == 9_000_000 and _state(b)[0] == 7_000_000


def test_admin_adjustment_may_go_negative(session, factory, clock):
    tid = _tenant(factory, "1.00")
    ledger.post(session, tid, kind="adjustment", amount=-3_000_000, key="adj", now=clock(),
                allow_negative=True)
    session.commit()
    assert _state(tid) == (-2_000_000, 0, -2_000_000)


def test_hold_needs_available_funds(session, factory, clock):
    tid = _tenant(factory, "1.00")
    ledger.place_hold(session, tid, 700_000, reason="call", now=clock())
    with pytest.raises(InsufficientFunds):
        ledger.place_hold(session, tid, 300_001, reason="call", now=clock())
    session.commit()
    assert _state(tid) == (1_000_000, 700_000, 1_000_000)
    assert session.scalar(sa.select(sa.func.count(Hold.id))) == 1


def test_settle_charges_actual_and_releases_the_rest_once(session, factory, clock):
    tid = _tenant(factory, "5.00")
    hold = ledger.place_hold(session, tid, 2_000_000, reason="call", now=clock())
    posting = ledger.settle_hold(session, hold.id, 1_250_000, kind="call", now=clock())
    assert posting is not None and posting.entry.amount_micros == -1_250_000
    assert ledger.settle_hold(session, hold.id, 1_250_000, kind="call", now=clock()) is None
    assert ledger.release_hold(session, hold.id, now=clock()) is False
    session.commit()
    assert _state(tid) == (3_750_000, 0, 3_750_000)
    settled = session.get(Hold, hold.id)
    assert settled.state == "settled" and settled.settled_amount_micros == 1_250_000
    assert settled.ledger_entry_id == posting.entry.id


def test_settle_never_charges_more_than_the_hold(session, factory, clock):
    tid = _tenant(factory, "5.00")
    hold = ledger.place_hold(session, tid, 1_000_000, reason="call", now=clock())
    posting = ledger.settle_hold(session, hold.id, 9_000_000, kind="call", now=clock())
    session.commit()
    assert posting.entry.amount_micros == -1_000_000
    assert _state(tid) == (4_000_000, 0, 4_000_000)


def test_settle_with_zero_charge_releases_without_an_entry(session, factory, clock):
    tid = _tenant(factory, "5.00")
    hold = ledger.place_hold(session, tid, 1_000_000, reason="call", now=clock())
    assert ledger.settle_hold(session, hold.id, 0, kind="call", now=clock()) is None
    session.commit()
    assert _state(tid) == (5_000_000, 0, 5_000_000)


def test_release_returns_everything_once(session, factory, clock):
    tid = _tenant(factory, "5.00")
    hold = ledger.place_hold(session, tid, 1_000_000, reason="call", now=clock())
    assert ledger.release_hold(session, hold.id, now=clock()) is True
    assert ledger.release_hold(session, hold.id, now=clock()) is False
    assert ledger.settle_hold(session, hold.id, 500_000, kind="call", now=clock()) is None
    session.commit()
    assert _state(tid) == (5_000_000, 0, 5_000_000)


def test_failure_after_the_ledger_insert_leaves_nothing(app, factory, clock):
    tid = _tenant(factory, "5.00")
    with app.app_context():
        with pytest.raises(RuntimeError):
            ledger.post(db.session, tid, kind="call", amount=-1_000_000, key="boom",
                        now=clock())
            ledger.place_hold(db.session, tid, 1_000_000, reason="call", now=clock())
            raise RuntimeError("crash before commit")
        db.session.rollback()
    with app.app_context():
        assert _state(tid) == (5_000_000, 0, 5_000_000)
        assert db.session.scalar(sa.select(sa.func.count(Hold.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count()).where(
            LedgerEntry.idempotency_key == "boom")) == 0


def test_entries_page_newest_first(session, factory, clock):
    tid = _tenant(factory, "5.00")
    for i in range(5):
        ledger.post(session, tid, kind="call", amount=-10, key=f"e{i}", now=clock())
    session.commit()
    page = ledger.entries(session, tid, limit=3)
    rest = ledger.entries(session, tid, before_id=page[-1].id, limit=10)
    ids = [e.id for e in page + rest]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6
