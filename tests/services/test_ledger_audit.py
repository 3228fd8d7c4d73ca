"""`flask ledger verify`: clean books pass; every kind of mismatch is reported and fails."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Call, Hold, LedgerEntry, Tenant
from callcenter.services import ledger, ledger_audit
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config():
    return CONFIG


def _history(client, factory, clock) -> tuple[int, int]:
    """A tenant with a top-up, a finished call and a call still in progress."""
    tenant_id, identity = seat_with_funds(factory, clock)
    place_call(client, identity, UK, "CA1")
    end_call(client, "CA1", duration=75)
    place_call(client, identity, UK, "CA2")
    return tenant_id, identity


def _verify(app):
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    return result.exit_code, result.output


def _corrupt(app, statement) -> None:
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def test_clean_books_verify(app, client, factory, clock):
    _history(client, factory, clock)
    code, output = _verify(app)
    assert code == 0, output
    assert "no mismatch" in output


def test_cached_balance_that_disagrees_with_the_entries_fails(app, client, factory, clock):
    tenant_id, _ = _history(client, factory, clock)
    _corrupt(app, sa.update(Tenant).where(Tenant.id == tenant_id)
             .values(balance_micros=Tenant.balance_micros + 1))
    code, output = _verify(app)
    assert code == 1
    assert f"tenant {tenant_id}: balance: cached" in output


def test_broken_balance_after_chain_fails(app, client, factory, clock):
    tenant_id, _ = _history(client, factory, clock)
    with app.app_context():
        first = db.session.scalar(sa.select(sa.func.min(LedgerEntry.id))
                                  .where(LedgerEntry.tenant_id == tenant_id))
    _corrupt(app, sa.update(LedgerEntry).where(LedgerEntry.id == first)
             .values(balance_after_micros=LedgerEntry.balance_after_micros - 5))
    code, output = _verify(app)
    assert code == 1 and "balance_after" in output


def test_hold_left_open_for_a_finished_call_fails(app, client, factory, clock):
    tenant_id, _ = _history(client, factory, clock)
    _corrupt(app, sa.update(Call).where(Call.provider_call_id == "CA2")
             .values(status="completed"))
    code, output = _verify(app)
    assert code == 1 and "open_hold" in output


def test_held_figure_that_disagrees_with_open_holds_fails(app, client, factory, clock):
    tenant_id, _ = _history(client, factory, clock)
    _corrupt(app, sa.update(Tenant).where(Tenant.id == tenant_id).values(held_micros=0))
    with app.app_context():
        checks = {m.check for m in ledger_audit.verify(db.session)}
    assert checks == {"held"}


def test_call_in_progress_whose_hold_was_released_fails(app, client, factory, clock):
    tenant_id, _ = _history(client, factory, clock)
    with app.app_context():
        call = db.session.scalars(sa.select(Call).where(Call.provider_call_id == "CA2")).one()
        ledger.release_hold(db.session, call.hold_id, now=clock())
        db.session.commit()
        assert db.session.get(Hold, call.hold_id).state == "released"
        checks = {m.check for m in ledger_audit.verify(db.session)}
    assert checks == {"call_hold"}


def test_the_billing_job_audits_the_ledger_and_alerts_admins(client, factory, clock, app):
    from callcenter.services import billing_job
    from callcenter.services.access import SYSTEM
    from callcenter.services.uow import UnitOfWork
    from tests.factories import PASSWORD

    tenant_id, _ = _history(client, factory, clock)

    def run() -> int:
        with app.app_context():
            report = billing_job.run(UnitOfWork(db.session), SYSTEM, as_of=clock(),
                                     now=clock(), retention_days=30, secret="s", gateway=None)
            return billing_job.report_json(report)["ledger_mismatches"]

    assert run() == 0
    _corrupt(app, sa.update(Tenant).where(Tenant.id == tenant_id)
             .values(balance_micros=Tenant.balance_micros + 1))
    assert run() == 1
    factory.admin("ops@example.com")
    client.post("/login", data={"email": "ops@example.com", "password": PASSWORD})
    page = client.get("/admin/tenants").get_data(as_text=True)
    assert "The ledger audit found 1 mismatch" in page
    assert f"tenant {tenant_id}</a>: balance" in page
    trail = client.get(f"/admin/tenants/{tenant_id}").get_data(as_text=True)
    assert "ledger.mismatch" in trail
