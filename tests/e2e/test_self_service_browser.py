"""In the browser: an owner adds seats and sees the rent before paying it."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Seat, Tenant
from tests.factories import PASSWORD, Factory


def test_owner_provisions_seats_after_seeing_the_amount(browser, live_url, e2e_app, clock,
                                                         shots):
    clock.now = datetime(2026, 3, 1, 15, tzinfo=UTC)
    tenant = Factory(e2e_app, clock).tenant(balance="100.00", timezone="UTC",
                                            seat_price="31.00", name="Harbor Calls")
    page = browser.new_context().new_page()
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", tenant.owner_email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=Seats")
    page.fill("input[name=count]", "2")
    page.click("text=See the price")
    assert page.text_content("#seat-total").strip() == "62.00 USD"
    assert "Seat 1, Seat 2" in page.text_content("#seat-quote")
    with e2e_app.app_context():  # shown, not charged
        assert db.session.get(Tenant, tenant.id).balance_micros == 100_000_000
    shots(page, "seat-confirmation")
    page.click("text=Pay 62.00 USD and add the seats")
    page.wait_for_selector(".flash-success")
    assert "2 seat(s) provisioned." in page.text_content(".flash-success")
    shots(page, "seats-provisioned")
    with e2e_app.app_context():
        assert db.session.get(Tenant, tenant.id).balance_micros == 38_000_000
        assert db.session.scalar(sa.select(sa.func.count(Seat.id)).where(
            Seat.tenant_id == tenant.id)) == 2


def test_owner_creates_an_agent_and_gives_it_a_seat(browser, live_url, e2e_app, clock,
                                                     shots):
    clock.now = datetime(2026, 3, 1, 15, tzinfo=UTC)
    factory = Factory(e2e_app, clock)
    tenant = factory.tenant(balance="100.00", timezone="UTC", seat_price="0")
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", tenant.owner_email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_url}/portal/seats")
    page.click("text=See the price")
    page.click("text=Pay 0.00 USD and add the seats")
    taken = factory.user(tenant.id)
    page.goto(f"{live_url}/portal/agents")
    page.fill("input[name=email]", taken)
    page.fill("input[name=password]", "ann-secret-123")
    page.click("text=Create agent")
    assert "already exists" in page.text_content("#email-error")  # next to the field
    page.fill("input[name=email]", "ann@agents.test")
    page.fill("input[name=password]", "ann-secret-123")
    page.click("text=Create agent")
    assert "ann@agents.test" in page.text_content("table")
    page.goto(f"{live_url}/portal/seats")
    page.select_option("select[name=agent_user_id]", label="ann@agents.test")
    page.click("text=Assign")
    assert "assigned" in page.text_content(".flash-success")
    shots(page, "seats-assigned-390px")
    with e2e_app.app_context():
        seat = db.session.scalars(sa.select(Seat).where(Seat.tenant_id == tenant.id)).one()
        assert seat.agent_user_id is not None
