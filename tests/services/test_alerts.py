"""Low-balance alerts: once per crossing even under concurrent debits, free while above
the threshold or already raised, never for an account being closed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from callcenter.domain import lifecycle
from callcenter.domain.errors import InsufficientFunds
from callcenter.extensions import db
from callcenter.models import Alert, Job, Tenant
from callcenter.services import ledger, topups


def _threshold(session, tenant_id: int, micros: int) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    tenant.low_balance_threshold_micros = micros
    session.commit()
    return tenant


def _alerts(session) -> list[Alert]:
    session.expire_all()
    return list(session.scalars(sa.select(Alert).order_by(Alert.id)))


def test_concurrent_debits_across_the_threshold_raise_one_alert(pg_app, clock):
    from tests.factories import Factory

    tid = Factory(pg_app, clock).tenant(balance="100.00").id
    with pg_app.app_context():
        _threshold(db.session, tid, 50_000_000)
    barrier = threading.Barrier(16)

    def debits(i: int) -> None:
        barrier.wait()
        with pg_app.app_context():
            for j in range(10):
                try:
                    ledger.post(db.session, tid, kind="call", amount=-1_000_000,
                                key=f"d{i}-{j}", now=clock())
                    db.session.commit()
                except InsufficientFunds:
                    db.session.rollback()
            db.session.remove()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(debits, range(16)))
    with pg_app.app_context():
        alerts = _alerts(db.session)
        assert len(alerts) == 1 and alerts[0].balance_micros == 49_000_000
        mails = db.session.scalars(sa.select(Job).where(Job.kind == "mail")).all()
        assert [m.id for m in mails] == [alerts[0].mail_job_id]
        assert db.session.get(Tenant, tid).low_balance_armed is False


def _statements(app, fn) -> list[str]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN")):
            seen.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return seen


def test_debits_pay_no_extra_statement_unless_they_cross(session, factory, clock, app):
    tid = factory.tenant(balance="10.00").id
    _threshold(session, tid, 5_000_000)

    def debit(key: str):
        return lambda: (ledger.post(session, tid, kind="call", amount=-3_000_000, key=key,
                                    now=clock()), session.commit())

    above = _statements(app, debit("a"))  # 7.00: still above
    crossing = _statements(app, debit("b"))  # 4.00: the alert
    below = _statements(app, debit("c"))  # 1.00: already raised
    assert len(below) == len(above)
    assert len(crossing) > len(above)
    assert len(_alerts(session)) == 1


def test_money_back_above_the_threshold_rearms_and_resolves(session, factory, clock):
    tid = factory.tenant(balance="10.00").id
    tenant = _threshold(session, tid, 5_000_000)
    ledger.post(session, tid, kind="call", amount=-6_000_000, key="x", now=clock())
    session.commit()
    topups.receive_funds(session, tid, 500_000, key="small", now=clock())  # 4.50: still low
    session.commit()
    assert session.get(Tenant, tid).low_balance_armed is False
    topups.receive_funds(session, tid, 600_000, key="enough", now=clock())  # 5.10
    session.commit()
    assert session.get(Tenant, tid).low_balance_armed is True
    [alert] = _alerts(session)
    assert alert.resolved_at == clock()
    ledger.post(session, tid, kind="call", amount=-200_000, key="y", now=clock())
    session.commit()
    assert len(_alerts(session)) == 2 and tenant.low_balance_armed is False


def test_an_account_being_closed_raises_no_alert(session, factory, clock):
    tid = factory.tenant(balance="10.00").id
    tenant = _threshold(session, tid, 5_000_000)
    lifecycle.suspend(tenant, lifecycle.TERMINATION, "closing", now=clock())
    session.commit()
    ledger.post(session, tid, kind="refund", amount=-10_000_000, key="r", now=clock())
    session.commit()
    assert _alerts(session) == []


def test_a_tenant_without_a_threshold_never_alerts(session, factory, clock):
    tid = factory.tenant(balance="10.00").id
    ledger.post(session, tid, kind="adjustment", amount=-12_000_000, key="neg", now=clock(),
                allow_negative=True)
    session.commit()
    assert _alerts(session) == []


def test_an_account_not_opened_yet_gets_no_alert(session, factory, clock):
    from callcenter.services import tenants
    from callcenter.services.tenants import SettingsChange

    tid = factory.tenant().id  # pending: no money yet
    tenant = session.get(Tenant, tid)
    tenants.update_settings(session, factory.admin_actor(), tenant,
                            SettingsChange(low_balance_threshold_micros=20_000_000), now=clock())
    session.commit()
    assert _alerts(session) == [] and tenant.low_balance_armed is True
    topups.receive_funds(session, tid, 30_000_000, key="first", now=clock())
    ledger.post(session, tid, kind="call", amount=-15_000_000, key="c", now=clock())
    session.commit()
    assert [a.balance_micros for a in _alerts(session)] == [15_000_000]
