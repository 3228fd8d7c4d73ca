"""A card payment gets its invoice in the transaction that credits it, once."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Invoice, LedgerEntry
from tests.factories import bearer
from tests.payments.helpers import event, intent_obj, post_event


def test_card_payment_is_invoiced_once_for_what_arrived(client, factory, stripe_fake, app):
    tenant = factory.tenant()
    token = factory.token(tenant.owner_email)
    intent = client.post(f"/api/v1/tenants/{tenant.id}/payment-intents",
                         json={"amount": "50.00"}, headers=bearer(token)).get_json()
    evt = event("payment_intent.succeeded", intent_obj(intent["id"], 5000, tenant.id,
                                                       received=5000))
    assert post_event(client, evt).get_json()["outcome"] == "credited"
    assert post_event(client, evt).status_code == 200  # the same event again
    again = event("payment_intent.succeeded", intent_obj(intent["id"], 5000, tenant.id,
                                                         received=5000))
    assert post_event(client, again).get_json()["outcome"] == "already_credited"
    with app.app_context():
        [invoice] = db.session.scalars(sa.select(Invoice)).all()
        entry = db.session.get(LedgerEntry, invoice.ledger_entry_id)
    assert invoice.kind == "payment" and invoice.gross_micros == entry.amount_micros == 50_000_000
    assert invoice.tenant_id == tenant.id and intent["id"] in invoice.lines[0]["description"]
    items = client.get(f"/api/v1/tenants/{tenant.id}/invoices",
                       headers=bearer(token)).get_json()["items"]
    assert [i["gross"] for i in items] == ["50.00"]
