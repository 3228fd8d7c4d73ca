"""Money arrives as decimal strings; anything else is a 400 that changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import LedgerEntry, Tenant
from tests.factories import bearer


@pytest.mark.parametrize("amount,micros", [("12.50", 12_500_000), ("0.013", 13_000),
                                           ("1", 1_000_000), ("0.000001", 1)])
def test_valid_amounts_are_credited_exactly(client, factory, app, amount, micros):
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                       headers=bearer(factory.admin_token()),
                       json={"amount": amount, "method": "bank_transfer", "reference": "R1"})
    assert resp.status_code == 201
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).balance_micros == micros


BAD = [
    ("abc", "string"), ("-5", "negative"), ("0", "zero"), ("0.00", "zero decimals"),
    ("1e3", "exponent"), ("NaN", "nan"), ("Infinity", "inf"), ("1.0000001", "7 decimals"),
    ("99999999999999999999", "absurd"), ("1000000000.01", "over the cap"), (" 5", "space"),
    ("5.", "trailing dot"), (".5", "leading dot"), ("1,000", "comma"), ("+5", "plus"),
    (12.5, "JSON number"), (5, "JSON integer"), (None, "null"), (True, "boolean"),
    (["5"], "list"),
]


@pytest.mark.parametrize("amount,why", BAD, ids=[b[1] for b in BAD])
def test_bad_amounts_are_400_and_change_nothing(client, factory, app, amount, why):
    tenant = factory.tenant(balance="1.00")
    resp = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                       headers=bearer(factory.admin_token()),
                       json={"amount": amount, "method": "bank_transfer", "reference": "R9"})
    assert resp.status_code == 400, why
    assert resp.get_json()["error"]["code"] == "invalid_input"
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).balance_micros == 1_000_000
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1


@pytest.mark.parametrize("body", [
    {"method": "bank_transfer", "reference": "R"},
    {"amount": "5.00", "reference": "R"},
    {"amount": "5.00", "method": "card", "reference": "R"},
    {"amount": "5.00", "method": "bank_transfer"},
    {"amount": "5.00", "method": "bank_transfer", "reference": "   "},
    {"amount": "5.00", "method": "bank_transfer", "reference": 42},
])
def test_missing_fields_are_400(client, factory, app, body):
    tenant = factory.tenant()
    resp = client.post(f"/api/v1/tenants/{tenant.id}/topups",
                       headers=bearer(factory.admin_token()), json=body)
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.get(Tenant, tenant.id).status == "pending"
        assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0
