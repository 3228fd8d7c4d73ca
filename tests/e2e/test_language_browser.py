"""In Chromium: a tenant owner signs in (browser in English), switches to Chinese in the
top bar, and sees the dashboard in Chinese; the choice sticks across pages and sessions.
A screenshot of the Chinese dashboard is kept as a test artifact."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import User
from tests.factories import PASSWORD, Factory


def test_owner_switches_to_chinese_and_sees_the_dashboard_in_chinese(browser, live_url,
                                                                      e2e_app, clock, shots):
    tenant = Factory(e2e_app, clock).tenant(balance="12345.60", name="华东外呼中心")
    context = browser.new_context(locale="en-US", viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(f"{live_url}/login")
    page.fill("input[name=email]", tenant.owner_email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    assert "Available" in page.text_content(".stats")

    page.click("form.language button[value=zh_CN]")
    page.wait_for_selector("html[lang=zh-CN]")
    stats = page.text_content(".stats")
    assert "余额" in stats and "可用余额" in stats and "12,345.60 USD" in stats
    assert "华东外呼中心" in page.text_content("h1")
    assert page.text_content("nav").split()[:3] == ["概览", "坐席", "通话"]
    shots(page, "dashboard-zh_CN")

    page.click("nav >> text=对账单")
    assert page.text_content("h1") == "对账单"
    with e2e_app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(
            User.email == tenant.owner_email)) == "zh_CN"
    again = browser.new_context(locale="en-US").new_page()  # a new browser session
    again.goto(f"{live_url}/login")
    again.fill("input[name=email]", tenant.owner_email)
    again.fill("input[name=password]", PASSWORD)
    again.click("main button[type=submit]")
    assert "可用余额" in again.text_content(".stats")
    context.close()
