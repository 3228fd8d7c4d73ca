"""After-commit effects of payments: refunds go out once after a commit, never after a
rollback (termination refunds, card payments owed back after closing)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.integrations import stripe_events
from callcenter.models import Payment, Tenant, TerminationLine
from callcenter.services import payments, termination
from callcenter.services.access import SYSTEM
from callcenter.services.uow import UnitOfWork
from tests.factories import bearer
from tests.payments.helpers import card_topup, event, intent_obj
from tests.services.test_uow import CommitFails


def _funded_by_card(client, factory, stripe_fake) -> tuple[int, str]:
    t = factory.tenant(timezone="UTC", balance="5.00")
    intent = card_topup(client, factory.token(t.owner_email), t.id, "20.00")
    return t.id, intent


def test_termination_refunds_are_not_sent_when_the_settlement_rolls_back(
        app, client, factory, clock, stripe_fake):
    tenant_id, _ = _funded_by_card(client, factory, stripe_fake)
    with app.app_context():
        with pytest.raises(sa.exc.OperationalError):
            termination.terminate_tenant(CommitFails(db.session), SYSTEM, tenant_id,
                                         "tenant_request", now=clock(), gateway=stripe_fake)
        assert stripe_fake.refund_calls == []
        assert db.session.get(Tenant, tenant_id).status == "active"
        assert db.session.scalar(sa.select(sa.func.count(TerminationLine.id))) == 0


def test_termination_refunds_are_sent_once_when_the_settlement_commits(
        app, client, factory, clock, stripe_fake):
    tenant_id, intent = _funded_by_card(client, factory, stripe_fake)
    with app.app_context():
        uow = UnitOfWork(db.session)
        termination.terminate_tenant(uow, SYSTEM, tenant_id, "tenant_request", now=clock(),
                                     gateway=stripe_fake)
        termination.terminate_tenant(uow, SYSTEM, tenant_id, "tenant_request", now=clock(),
                                     gateway=stripe_fake)
        assert [c["intent"] for c in stripe_fake.refund_calls] == [intent]
        line = db.session.scalars(sa.select(TerminationLine)
                                  .where(TerminationLine.kind == "card_refund")).one()
        assert line.status == "succeeded"


def _late_payment(client, factory, clock, stripe_fake) -> tuple[int, stripe_events.Event]:
    t = factory.tenant(timezone="UTC", balance="5.00")
    owner = bearer(factory.token(t.owner_email))
    late = client.post(f"/api/v1/tenants/{t.id}/payment-intents", json={"amount": "40.00"},
                       headers=owner).get_json()["id"]
    resp = client.post(f"/api/v1/tenants/{t.id}/termination",
                       json={"reason": "tenant_request"}, headers=bearer(factory.admin_token()))
    assert resp.status_code == 201
    return t.id, stripe_events.parse(
        event("payment_intent.succeeded", intent_obj(late, 4000, t.id, received=4000)))


def test_owed_back_refund_is_not_sent_when_the_event_rolls_back(app, client, factory, clock,
                                                                stripe_fake):
    tenant_id, evt = _late_payment(client, factory, clock, stripe_fake)
    with app.app_context():
        with pytest.raises(sa.exc.OperationalError):
            payments.handle_event(CommitFails(db.session), evt, now=clock(), gateway=stripe_fake)
        assert stripe_fake.refund_calls == []
        payment = db.session.scalars(sa.select(Payment)).one()
        assert payment.status == "pending" and payment.refunded_micros == 0


def test_owed_back_refund_is_sent_once_when_the_event_commits(app, client, factory, clock,
                                                              stripe_fake):
    tenant_id, evt = _late_payment(client, factory, clock, stripe_fake)
    with app.app_context():
        uow = UnitOfWork(db.session)
        assert payments.handle_event(uow, evt, now=clock(), gateway=stripe_fake) == "owed_back"
        assert payments.handle_event(uow, evt, now=clock(), gateway=stripe_fake) == "duplicate"
        assert len(stripe_fake.refund_calls) == 1
        assert db.session.get(Tenant, tenant_id).balance_micros == 0
