"""Automatic top-up with a saved card (Stripe at the fake gateway seam): one charge per
crossing, credited only by the webhook, within the limits; a refused card turns the rule
off and tells the owner once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import AuditLog, AutoTopup, Job, LedgerEntry, Payment, Tenant
from callcenter.services import ledger
from callcenter.worker import run_pass
from tests.factories import PASSWORD
from tests.payments.helpers import event, intent_obj, post_event

RULE = {"enabled": "on", "threshold": "20.00", "amount": "50.00", "max_per_day": "2",
        "max_per_month": "10"}


def _owner_signed_in(client, factory, balance="30.00"):
    t = factory.tenant(balance=balance, timezone="UTC")
    client.post("/login", data={"email": t.owner_email, "password": PASSWORD})
    return t


def _save_card(client, stripe_fake, consent="yes"):
    secret = client.post("/portal/payments/auto-topup/setup").get_json()["client_secret"]
    setup_id = secret.rsplit("_secret", 1)[0]
    return client.post("/portal/payments/auto-topup/card",
                       data={"setup_intent": setup_id, "consent": consent})


def _debit(app, tenant_id, amount, key, clock):
    with app.app_context():
        ledger.post(db.session, tenant_id, kind="call", amount=-amount, key=key, now=clock())
        db.session.commit()


def _state(app, tenant_id):
    with app.app_context():
        rule = db.session.scalars(sa.select(AutoTopup).where(AutoTopup.tenant_id == tenant_id)
                                  ).one()
        jobs = db.session.scalar(sa.select(sa.func.count(Job.id))
                                 .where(Job.kind == "auto_topup.charge"))
        payments = db.session.scalars(sa.select(Payment).where(Payment.automatic.is_(True))
                                      .order_by(Payment.id)).all()
        notices = db.session.scalar(sa.select(sa.func.count(AuditLog.id))
                                    .where(AuditLog.action == "auto_topup.disabled"))
        balance = db.session.get(Tenant, tenant_id).balance_micros
        return {"enabled": rule.enabled, "armed": rule.armed, "crossings": rule.crossings,
                "jobs": jobs, "payments": [(p.status, p.intent_id) for p in payments],
                "notices": notices, "balance": balance, "reason": rule.disabled_reason,
                "skip": rule.last_skip_reason}


def _succeed(client, stripe_fake, intent_id, tenant_id):
    intent = stripe_fake.intents[intent_id]
    obj = intent_obj(intent_id, intent.amount, tenant_id, received=intent.amount)
    obj["metadata"] = dict(intent.metadata)
    return post_event(client, event("payment_intent.succeeded", obj))


def test_saving_a_card_needs_the_owners_consent_to_off_session_charges(client, factory,
                                                                       stripe_fake, app):
    t = _owner_signed_in(client, factory)
    _save_card(client, stripe_fake, consent="")
    assert client.post("/portal/payments/auto-topup", data=RULE).status_code == 302
    with app.app_context():
        rule = db.session.scalars(sa.select(AutoTopup)).one()
        assert (rule.payment_method_id, rule.enabled) == (None, False)  # no card, not on
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data=RULE)
    with app.app_context():
        rule = db.session.scalars(sa.select(AutoTopup)).one()
        assert rule.enabled and rule.card_label == "visa •••• 4242" and rule.consent_at
    page = client.get("/portal/payments").get_data(as_text=True)
    assert "visa •••• 4242" in page and "without me being present" in page
    assert t.id


def test_one_crossing_charges_once_and_only_the_webhook_credits(client, factory, stripe_fake,
                                                                app, clock):
    t = _owner_signed_in(client, factory)
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data=RULE)
    for n in range(4):  # 30 -> 24 -> 18 (the crossing) -> 12 -> 6
        _debit(app, t.id, 6_000_000, f"c{n}", clock)
    assert _state(app, t.id)["jobs"] == 1
    assert run_pass(app) == {"done": 1, "retry": 0, "dead": 0}
    assert run_pass(app) == {"done": 0, "retry": 0, "dead": 0}
    [charge] = stripe_fake.charges
    assert charge["amount"] == 5000 and charge["key"].endswith("-1")  # rule, crossing 1
    state = _state(app, t.id)
    [(status, intent_id)] = state["payments"]
    assert (status, state["balance"], state["armed"]) == ("pending", 6_000_000, False)
    assert _succeed(client, stripe_fake, intent_id, t.id).status_code == 200
    assert _succeed(client, stripe_fake, intent_id, t.id).get_json()["outcome"] == \
        "already_credited"
    state = _state(app, t.id)
    assert (state["balance"], state["armed"], state["payments"]) == (
        56_000_000, True, [("succeeded", intent_id)])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.idempotency_key == f"stripe:pi:{intent_id}")) == 1
    _debit(app, t.id, 40_000_000, "c9", clock)  # 16: the next crossing, its own charge
    run_pass(app)
    assert [c["key"][-2:] for c in stripe_fake.charges] == ["-1", "-2"]


def test_limits_skip_charges_beyond_n_a_day(client, factory, stripe_fake, app, clock):
    t = _owner_signed_in(client, factory)
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data={**RULE, "max_per_day": "1"})
    _debit(app, t.id, 12_000_000, "a", clock)
    run_pass(app)
    _succeed(client, stripe_fake, _state(app, t.id)["payments"][0][1], t.id)  # 68
    _debit(app, t.id, 50_000_000, "b", clock)  # 18: a second crossing the same day
    run_pass(app)
    state = _state(app, t.id)
    assert len(stripe_fake.charges) == 1 and state["jobs"] == 2
    assert "daily limit of 1" in state["skip"]
    assert "skipped" in client.get("/portal/").get_data(as_text=True)
    clock.advance(days=1)
    _debit(app, t.id, 1_000_000, "c", clock)  # still below: no new crossing, no charge
    run_pass(app)
    assert len(stripe_fake.charges) == 1


def test_enabling_below_the_threshold_charges_at_once(client, factory, stripe_fake, app):
    t = _owner_signed_in(client, factory, balance="5.00")
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data=RULE)
    client.post("/portal/payments/auto-topup", data=RULE)  # saved again: no second charge
    run_pass(app)
    assert len(stripe_fake.charges) == 1 and _state(app, t.id)["jobs"] == 1


def test_declined_card_turns_the_rule_off_and_tells_the_owner_once(client, factory,
                                                                   stripe_fake, app, clock):
    t = _owner_signed_in(client, factory)
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data=RULE)
    stripe_fake.decline = "Your card was declined."
    _debit(app, t.id, 15_000_000, "a", clock)
    assert run_pass(app) == {"done": 1, "retry": 0, "dead": 0}  # never retried
    state = _state(app, t.id)
    assert (state["enabled"], state["notices"], state["reason"]) == (
        False, 1, "Your card was declined.")
    assert state["payments"][0][0] == "failed"
    # Stripe's own payment_failed event for it changes nothing more.
    intent = intent_obj("pi_declined", 5000, t.id, status="requires_payment_method",
                        error="Your card was declined.")
    intent["metadata"]["payment_key"] = stripe_fake.charges[0]["key"]
    post_event(client, event("payment_intent.payment_failed", intent))
    _debit(app, t.id, 10_000_000, "b", clock)
    run_pass(app)
    state = _state(app, t.id)
    assert (state["notices"], state["jobs"], len(stripe_fake.charges)) == (1, 1, 1)
    banner = client.get("/portal/").get_data(as_text=True)
    assert "Automatic top-up was turned off" in banner and "declined" in banner


def test_stripe_unreachable_is_retried_with_the_same_key(client, factory, stripe_fake, app,
                                                         clock):
    t = _owner_signed_in(client, factory)
    _save_card(client, stripe_fake)
    client.post("/portal/payments/auto-topup", data=RULE)
    stripe_fake.unreachable = 1
    _debit(app, t.id, 15_000_000, "a", clock)
    assert run_pass(app)["retry"] == 1
    clock.advance(minutes=5)
    assert run_pass(app)["done"] == 1
    assert len({c["key"] for c in stripe_fake.charges}) == 1
    assert [s for s, _ in _state(app, t.id)["payments"]] == ["pending"]


@pytest.mark.parametrize("role", ["agent"])
def test_only_the_owner_sets_the_rule(client, factory, app, stripe_fake, role):
    t = factory.tenant(balance="10.00")
    client.post("/login", data={"email": factory.user(t.id, role), "password": PASSWORD})
    assert client.post("/portal/payments/auto-topup", data=RULE).status_code == 404
