"""Termination: calls stop, holds first, then a settlement that ends the ledger at 0."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Payment, Seat, Tenant, TerminationLine
from callcenter.services import ledger
from tests.factories import bearer
from tests.payments.helpers import card_topup, event, intent_obj, post_event

MARCH_2 = datetime(2026, 3, 2, 14, tzinfo=UTC)


def _tenant(factory, clock, bank="100.00"):
    clock.now = MARCH_2
    return factory.tenant(timezone="UTC", balance=bank, seat_price="31.00")


def _use(app, clock, tenant_id, call_cost: int) -> None:
    """A call: hold, then settle its charge (the way calls spend money)."""
    with app.app_context():
        hold = ledger.place_hold(db.session, tenant_id, call_cost, reason="call", now=clock())
        ledger.settle_hold(db.session, hold.id, call_cost, kind="call", now=clock())
        db.session.commit()


def _seat(client, admin, tenant_id):
    resp = client.post(f"/api/v1/tenants/{tenant_id}/seats", json={"count": 1}, headers=admin)
    assert resp.status_code == 201, resp.get_json()


def _terminate(client, admin, tenant_id, reason, **extra):
    return client.post(f"/api/v1/tenants/{tenant_id}/termination",
                       json={"reason": reason, **extra}, headers=admin)


def _balances(app, tenant_id):
    with app.app_context():
        tenant = db.session.get(Tenant, tenant_id)
        return (tenant.status, tenant.balance_micros, tenant.held_micros,
                ledger.ledger_sum(db.session, tenant_id))


def _lines(body, kind):
    return [x for x in body["lines"] if x["kind"] == kind]


def test_tenant_request_refunds_cards_newest_first_then_bank(client, factory, clock, app,
                                                                stripe_fake):
    t = _tenant(factory, clock)
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    first = card_topup(client, owner, t.id, "50.00")
    clock.advance(hours=1)
    second = card_topup(client, owner, t.id, "30.00")
    _seat(client, admin, t.id)  # 31.00 for the whole period
    _use(app, clock, t.id, 2_345_678)  # balance now 146.654322
    resp = _terminate(client, admin, t.id, "tenant_request")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "settled" and body["balance"] == "146.654322"
    cards = _lines(body, "card_refund")
    assert [(c["payment_intent"], c["amount"], c["status"]) for c in cards] == [
        (second, "30.00", "succeeded"), (first, "50.00", "succeeded")]
    assert [(x["amount"], x["status"]) for x in _lines(body, "bank_refund")] == [
        ("66.65", "pending")]
    assert [x["amount"] for x in _lines(body, "write_off")] == ["0.004322"]
    assert stripe_fake.refunded(second) == 3000 and stripe_fake.refunded(first) == 5000
    assert len({c["key"] for c in stripe_fake.refund_calls}) == 2
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)
    with app.app_context():
        assert db.session.scalars(sa.select(Seat.status)).all() == ["released"]
    # Asking again returns the same settlement and sends nothing new.
    again = _terminate(client, admin, t.id, "tenant_request")
    assert again.status_code == 200 and again.get_json()["lines"] == body["lines"]
    assert len(stripe_fake.refund_calls) == 2


def test_card_refunds_never_exceed_what_each_payment_can_refund(client, factory, clock, app,
                                                                 stripe_fake):
    t = _tenant(factory, clock, bank="10.00")
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    first = card_topup(client, owner, t.id, "50.00")
    clock.advance(minutes=5)
    second = card_topup(client, owner, t.id, "30.00")
    _use(app, clock, t.id, 44_500_000)  # 90.00 paid in, 45.50 left
    body = _terminate(client, admin, t.id, "breach").get_json()
    assert [(c["payment_intent"], c["amount"]) for c in _lines(body, "card_refund")] == [
        (second, "30.00"), (first, "15.50")]
    assert _lines(body, "bank_refund") == [] and _lines(body, "write_off") == []
    with app.app_context():
        refunded = dict(db.session.execute(sa.select(Payment.intent_id,
                                                     Payment.refunded_micros)).all())
    assert refunded == {second: 30_000_000, first: 15_500_000}
    assert _balances(app, t.id)[1:] == (0, 0, 0)


def test_platform_fault_also_returns_unused_seat_rent(client, factory, clock, app, stripe_fake):
    t = _tenant(factory, clock)
    admin = bearer(factory.admin_token())
    _seat(client, admin, t.id)  # 31.00 for March 2 .. April 2 (31 days)
    clock.advance(days=10)  # March 12: 21 days unused
    preview = client.get(f"/api/v1/tenants/{t.id}/termination/preview?reason=platform_fault",
                         headers=admin).get_json()
    assert preview["seat_credit"] == "21.00"
    assert _balances(app, t.id)[0] == "active"  # a preview changes nothing
    body = _terminate(client, admin, t.id, "platform_fault").get_json()
    assert body["seat_credit"] == "21.00" and body["balance"] == "69.00"
    assert [x["amount"] for x in _lines(body, "bank_refund")] == ["90.00"]
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)
    tenant_request = _tenant(factory, clock)
    _seat(client, admin, tenant_request.id)
    body = _terminate(client, admin, tenant_request.id, "tenant_request").get_json()
    assert body["seat_credit"] == "0.00" and _lines(body, "seat_credit") == []


def test_failed_refund_stays_visible_and_can_be_retried(client, factory, clock, app,
                                                         stripe_fake):
    t = _tenant(factory, clock, bank="5.00")
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    intent = card_topup(client, owner, t.id, "20.00")
    stripe_fake.fail_refunds = 1
    body = _terminate(client, admin, t.id, "tenant_request").get_json()
    [card] = _lines(body, "card_refund")
    assert card["status"] == "failed" and card["attempts"] == 1
    assert "unavailable" in card["failure_message"] and body["outstanding"] == 2
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)
    seen = client.get(f"/api/v1/tenants/{t.id}/termination", headers=bearer(owner)).get_json()
    assert _lines(seen, "card_refund")[0]["status"] == "failed"
    resp = client.post(f"/api/v1/tenants/{t.id}/termination/lines/{card['id']}/retry",
                       headers=admin)
    [card] = _lines(resp.get_json(), "card_refund")
    assert card["status"] == "succeeded" and card["attempts"] == 2
    assert stripe_fake.refunded(intent) == 2000
    keys = {c["key"] for c in stripe_fake.refund_calls}
    assert len(keys) == 1  # the retry used the line's own idempotency key


def test_open_holds_block_the_settlement_but_calls_stop(client, factory, clock, app,
                                                         stripe_fake):
    t = _tenant(factory, clock)
    admin = bearer(factory.admin_token())
    with app.app_context():
        hold = ledger.place_hold(db.session, t.id, 3_000_000, reason="call", now=clock())
        db.session.commit()
        hold_id = hold.id
    for force in (False, True):  # forced: reconcile runs; this hold has no stale call
        resp = _terminate(client, admin, t.id, "tenant_request", force=force)
        assert resp.status_code == 409
        assert [h["id"] for h in resp.get_json()["error"]["details"]["open_holds"]] == [hold_id]
    assert _balances(app, t.id)[:3] == ("suspended", 100_000_000, 3_000_000)
    # Calls stay stopped until the settlement: an admin cannot resume the account.
    resp = client.delete(f"/api/v1/tenants/{t.id}/suspension", json={"reason": "oops"},
                         headers=admin)
    assert resp.status_code == 409
    assert _balances(app, t.id)[:3] == ("suspended", 100_000_000, 3_000_000)
    with app.app_context():
        ledger.release_hold(db.session, hold_id, now=clock())
        db.session.commit()
    resp = _terminate(client, admin, t.id, "tenant_request")
    assert resp.status_code == 201
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)


def test_unpaid_arrears_are_deducted_and_the_rest_is_receivable(client, factory, clock, app,
                                                                 stripe_fake):
    from callcenter.models import Arrear

    t = _tenant(factory, clock, bank="5.00")
    admin = bearer(factory.admin_token())
    with app.app_context():
        db.session.add(Arrear(tenant_id=t.id, kind="seat_rental", key="rent:test",
                              due_on=clock().date(), amount_micros=20_000_000,
                              memo="rent", created_at=clock()))
        db.session.commit()
    body = _terminate(client, admin, t.id, "breach").get_json()
    assert [(x["amount"], x["status"]) for x in _lines(body, "arrears")] == [("5.00", "done")]
    [owed] = _lines(body, "receivable")
    assert (owed["amount"], owed["status"]) == ("15.00", "open")
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)
    url = f"/api/v1/tenants/{t.id}/termination/lines/{owed['id']}/close"
    resp = client.post(url, json={"status": "waived"}, headers=admin)
    assert _lines(resp.get_json(), "receivable")[0]["status"] == "waived"


def test_bank_refund_is_marked_paid_with_the_bank_reference(client, factory, clock, app,
                                                            stripe_fake):
    t = _tenant(factory, clock)
    admin = bearer(factory.admin_token())
    [bank] = _lines(_terminate(client, admin, t.id, "tenant_request").get_json(), "bank_refund")
    url = f"/api/v1/tenants/{t.id}/termination/lines/{bank['id']}/close"
    assert client.post(url, json={"status": "paid"}, headers=admin).status_code == 400
    resp = client.post(url, json={"status": "paid", "reference": "BANK-REF-9"}, headers=admin)
    line = _lines(resp.get_json(), "bank_refund")[0]
    assert (line["status"], line["bank_reference"]) == ("paid", "BANK-REF-9")
    assert resp.get_json()["outstanding"] == 0


def test_tenant_requests_and_only_an_admin_confirms(client, factory, clock, app, stripe_fake):
    t, other = _tenant(factory, clock), _tenant(factory, clock)
    owner = bearer(factory.token(t.owner_email))
    resp = client.post(f"/api/v1/tenants/{t.id}/termination-request",
                       json={"note": "closing the office"}, headers=owner)
    assert resp.status_code == 201 and resp.get_json()["status"] == "requested"
    assert _terminate(client, owner, t.id, "tenant_request").status_code == 403
    stranger = bearer(factory.token(other.owner_email))
    assert client.get(f"/api/v1/tenants/{t.id}/termination", headers=stranger).status_code == 404
    assert _balances(app, t.id)[0] == "active"
    body = _terminate(client, bearer(factory.admin_token()), t.id, "tenant_request").get_json()
    assert body["status"] == "settled" and body["request_note"] == "closing the office"


def test_payment_arriving_after_termination_goes_back_to_the_card(client, factory, clock, app,
                                                                   stripe_fake):
    t = _tenant(factory, clock)
    owner, admin = factory.token(t.owner_email), bearer(factory.admin_token())
    late = client.post(f"/api/v1/tenants/{t.id}/payment-intents", json={"amount": "40.00"},
                       headers=bearer(owner)).get_json()["id"]
    _terminate(client, admin, t.id, "tenant_request")
    resp = post_event(client, event("payment_intent.succeeded",
                                    intent_obj(late, 4000, t.id, received=4000)))
    assert resp.get_json()["outcome"] == "owed_back"
    assert stripe_fake.refunded(late) == 4000
    assert _balances(app, t.id) == ("terminated", 0, 0, 0)


def test_refund_events_update_lines_in_any_order(client, factory, clock, app, stripe_fake):
    t = _tenant(factory, clock, bank="5.00")
    intent = card_topup(client, factory.token(t.owner_email), t.id, "20.00")
    stripe_fake.refund_status = "pending"
    body = _terminate(client, bearer(factory.admin_token()), t.id, "tenant_request").get_json()
    [card] = _lines(body, "card_refund")
    assert card["status"] == "pending"

    def refund(status, created):
        obj = {"id": card["provider_refund_id"], "object": "refund", "amount": 2000,
               "payment_intent": intent, "status": status, "metadata": {},
               "failure_reason": "expired_or_canceled_card"}
        kind = "refund.failed" if status == "failed" else "refund.updated"
        return post_event(client, event(kind, obj, created=created)).get_json()["outcome"]

    def status():
        with app.app_context():
            return db.session.get(TerminationLine, card["id"]).status

    assert refund("failed", 200) == "refund_failed" and status() == "failed"
    assert refund("succeeded", 100) == "stale" and status() == "failed"  # older news
    assert refund("pending", 300) == "pending" and status() == "failed"  # never back to pending
    assert refund("succeeded", 400) == "refund_succeeded" and status() == "succeeded"


def test_admin_pages_show_preview_lines_and_actions(client, factory, clock, app, stripe_fake):
    from tests.factories import PASSWORD

    t = _tenant(factory, clock)
    admin_id = factory.admin("pages-admin@x.test")
    assert admin_id
    client.post("/login", data={"email": "pages-admin@x.test", "password": PASSWORD})
    page = client.get(f"/admin/tenants/{t.id}/termination?reason=platform_fault")
    assert page.status_code == 200 and b"Settlement preview" in page.data
    assert b"100.00" in page.data
    resp = client.post(f"/admin/tenants/{t.id}/termination", data={"reason": "tenant_request"},
                       follow_redirects=True)
    assert b"confirming the amounts" in resp.data  # unticked: nothing happens
    with app.app_context():
        assert db.session.get(Tenant, t.id).status != "terminated"
    resp = client.post(f"/admin/tenants/{t.id}/termination",
                       data={"reason": "tenant_request", "confirm_amounts": "1"})
    assert resp.status_code == 302
    page = client.get(f"/admin/tenants/{t.id}/termination")
    assert b"bank refund" in page.data and b"Mark paid" in page.data
    assert b"Erase customer data now" in page.data
    pdf = client.get(f"/admin/tenants/{t.id}/settlement.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get("/admin/terminations").status_code == 200
    assert client.get(f"/admin/terminations/go?tenant_id={t.id}").status_code == 302


class _CrashAfterRefund:
    """Stripe makes the refund, then the process dies before our commit."""

    def __init__(self, fake) -> None:
        self.fake = fake

    def refund(self, **kwargs):
        self.fake.refund(**kwargs)
        raise SystemExit("crash")


def test_refund_lost_in_a_crash_is_sent_once_by_the_next_run(client, factory, clock, app,
                                                              stripe_fake):
    from callcenter.services import termination
    from callcenter.services.uow import UnitOfWork

    t = _tenant(factory, clock, bank="5.00")
    intent = card_topup(client, factory.token(t.owner_email), t.id, "20.00")
    app.extensions["stripe_gateway"] = None  # Stripe unreachable: lines stay pending
    body = _terminate(client, bearer(factory.admin_token()), t.id, "tenant_request").get_json()
    assert _lines(body, "card_refund")[0]["status"] == "pending"
    with app.app_context():
        try:
            termination.send_refunds(UnitOfWork(db.session), _CrashAfterRefund(stripe_fake),
                                     t.id, now=clock())
        except SystemExit:
            db.session.rollback()
    app.extensions["stripe_gateway"] = stripe_fake
    result = app.test_cli_runner().invoke(args=["billing", "run"])
    assert result.exit_code == 0, result.output
    assert '"refunds_sent": 1' in result.output
    seen = client.get(f"/api/v1/tenants/{t.id}/termination",
                      headers=bearer(factory.admin_token())).get_json()
    assert _lines(seen, "card_refund")[0]["status"] == "succeeded"
    assert len(stripe_fake.refund_calls) == 2 and len(stripe_fake.refunds) == 1
    assert stripe_fake.refunded(intent) == 2000
