"""Low-balance alerts reach a real (local) SMTP server once per crossing, and show on the
dashboard; owners and admins list them with how they were sent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Alert, User
from tests.factories import bearer
from tests.telephony import CONFIG, end_call, place_call, seat_with_funds

UK = "+442079460000"


@pytest.fixture
def app_config(smtp):
    return {**CONFIG, **smtp.settings}


def _owner(app, tenant_id: int) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(User.email).where(User.tenant_id == tenant_id,
                                                             User.role == "owner"))


def _low_mails(smtp) -> list:
    return [m for m in smtp.messages if m["Subject"].startswith("Low balance")]


def _calls(client, seat: str, prefix: str, n: int, seconds: int = 60) -> None:
    for i in range(n):
        place_call(client, seat, UK, f"{prefix}{i}")
        end_call(client, f"{prefix}{i}", "completed", seconds)


def _balance(client, token: str, tid: int) -> str:
    return client.get(f"/api/v1/tenants/{tid}", headers=bearer(token)).get_json()["balance"]


def test_one_low_balance_mail_per_crossing_however_many_calls_follow(
        client, factory, clock, app, smtp, run_jobs):
    tid, seat = seat_with_funds(factory, clock, balance="10.00", rate="0.60")
    admin = factory.admin_token()
    owner = _owner(app, tid)
    assert client.patch(f"/api/v1/tenants/{tid}", json={"low_balance_threshold": "8.00"},
                        headers=bearer(admin)).status_code == 200
    _calls(client, seat, "CA", 8)  # 0.60 a call: below 8.00 at the 4th, four more follow
    assert _balance(client, admin, tid) == "5.20"
    run_jobs()
    low = _low_mails(smtp)
    assert len(low) == 1
    assert low[0]["X-Envelope-To"] == owner and low[0]["From"] == "billing@cc.test"
    body = smtp.body(low[0])
    assert "7.60 USD" in body and "8.00 USD" in body

    _calls(client, seat, "CB", 3)
    run_jobs()
    assert len(_low_mails(smtp)) == 1  # still the same crossing

    resp = client.post(f"/api/v1/tenants/{tid}/topups", headers=bearer(admin), json={
        "amount": "5.00", "method": "bank_transfer", "reference": "BANK-2"})
    assert resp.status_code == 201 and _balance(client, admin, tid) == "8.40"
    run_jobs()
    assert len(_low_mails(smtp)) == 1  # back above: re-armed, nothing to say
    _calls(client, seat, "CC", 3)  # 7.80: a new crossing
    run_jobs()
    low = _low_mails(smtp)
    assert len(low) == 2 and "7.80 USD" in smtp.body(low[1])

    items = client.get(f"/api/v1/tenants/{tid}/alerts",
                       headers=bearer(factory.token(owner))).get_json()["items"]
    assert [a["balance"] for a in items] == ["7.80", "7.60"]  # newest first
    assert items[1]["resolved_at"] is not None and items[0]["resolved_at"] is None
    email = items[0]["sent"][1]
    assert email["channel"] == "email" and email["status"] == "sent"
    assert email["to"] == [owner] and email["sent_at"]
    assert items[0]["sent"][0] == {"channel": "dashboard", "shown_from": items[0]["raised_at"],
                                   "shown_until": None}


def test_threshold_set_above_the_balance_alerts_at_once_and_shows_a_banner(
        client, factory, clock, app, smtp, run_jobs):
    tenant = factory.tenant(balance="363.32")
    admin = factory.admin_token()
    client.patch(f"/api/v1/tenants/{tenant.id}", json={"low_balance_threshold": "1000.00"},
                 headers=bearer(admin))
    run_jobs()
    assert len(_low_mails(smtp)) == 1
    from tests.web.test_pages import _login

    _login(client, tenant.owner_email)
    page = client.get("/portal/").get_data(as_text=True)
    assert "below your alert threshold" in page and "1,000.00" in page
    # Lowering the threshold under the balance re-arms it and the banner goes.
    client.post("/logout")
    client.patch(f"/api/v1/tenants/{tenant.id}", json={"low_balance_threshold": "100.00"},
                 headers=bearer(admin))
    _login(client, tenant.owner_email)
    assert "below your alert threshold" not in client.get("/portal/").get_data(as_text=True)
    with app.app_context():
        alert = db.session.scalars(sa.select(Alert)).one()
        assert alert.resolved_at is not None


def test_alerts_are_for_admins_and_the_owner_only(client, factory):
    a, b = factory.tenant(), factory.tenant()
    agent = factory.token(factory.user(a.id, "agent"))
    assert client.get(f"/api/v1/tenants/{a.id}/alerts", headers=bearer(agent)).status_code == 403
    other = factory.token(b.owner_email)
    assert client.get(f"/api/v1/tenants/{a.id}/alerts", headers=bearer(other)).status_code == 404
    assert client.get(f"/api/v1/tenants/{a.id}/alerts",
                      headers=bearer(factory.admin_token())).get_json()["items"] == []
