"""The portal and the admin console in Chromium: a tenant's dashboard with its chart and
statement downloads, an admin creating a tenant, crediting it and provisioning a seat
through the confirmation steps, a notice the tenant then sees, and the dashboard at
phone width (390 px). Every page visited is saved as a screenshot artifact."""

from __future__ import annotations

from datetime import timedelta

from tests.factories import PASSWORD, Factory

PHONE = {"width": 390, "height": 844}


def _sign_in(browser, url: str, email: str, viewport: dict | None = None):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_tenant_sees_balance_chart_and_downloads_a_statement(browser, live_url, e2e_app,
                                                             clock, shots, tmp_path):
    tenant = Factory(e2e_app, clock).tenant(balance="1234.50", name="Harbor Calls")
    page = _sign_in(browser, live_url, tenant.owner_email)
    shots(page, "dashboard")
    assert "1,234.50 USD" in page.text_content(".stats") or \
        "1234.50 USD" in page.text_content(".stats")
    chart = page.locator("svg.chart").first
    assert chart.is_visible() and chart.locator("title").count() >= 30
    page.click("text=See all ledger entries")
    shots(page, "ledger")
    assert "seed-" in page.text_content("table")
    page.click("nav >> text=Statements")
    shots(page, "statements")
    with page.expect_download() as pdf_download:
        page.click("text=PDF >> nth=0")
    pdf = tmp_path / "statement.pdf"
    pdf_download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as csv_download:
        page.click("text=CSV >> nth=0")
    csv_file = tmp_path / "statement.csv"
    csv_download.value.save_as(csv_file)
    assert "opening_balance" in csv_file.read_text()


def test_admin_creates_credits_provisions_and_notifies(browser, live_url, e2e_app, clock,
                                                       shots):
    Factory(e2e_app, clock).admin("ops@platform.test")
    admin = _sign_in(browser, live_url, "ops@platform.test")
    shots(admin, "tenants")
    admin.click("#new-tenant")
    admin.fill("#f-name", "Lotus Outreach 莲花")
    admin.fill("#f-currency", "USD")
    admin.fill("#f-timezone", "Asia/Shanghai")
    admin.fill("#f-owner_email", "owner@lotus.test")
    admin.fill("#f-owner_password", PASSWORD)
    admin.fill("#f-rate_per_minute", "0.05")
    admin.fill("#f-seat_price_monthly", "oops")
    admin.click("text=Create tenant")
    shots(admin, "new-tenant-error")
    assert admin.is_visible("#e-seat_price_monthly")  # beside the field
    assert admin.input_value("#f-name") == "Lotus Outreach 莲花"  # kept
    admin.fill("#f-owner_password", PASSWORD)
    admin.fill("#f-seat_price_monthly", "30.00")
    admin.click("text=Create tenant")
    assert "created" in admin.text_content(".flash")
    shots(admin, "tenant")

    admin.fill("#topup input[name=amount]", "500")
    admin.fill("#topup input[name=reference]", "WIRE-77")
    admin.click("#topup button[type=submit]")
    shots(admin, "confirm-topup")
    assert "500.00 USD" in admin.text_content("#confirm-amount")
    admin.click("#confirm-button")
    assert "Top-up recorded" in admin.text_content(".flash")

    admin.fill("#seats input[name=count]", "1")
    admin.click("#seats button[type=submit]")
    shots(admin, "confirm-seat")
    amount = admin.text_content("#confirm-amount")
    assert "USD" in amount and amount.strip() != "0.00 USD"
    admin.click("#confirm-button")
    assert "1 seat provisioned" in admin.text_content(".flash")

    admin.click("#tenant-actions >> text=Notices")
    start = (clock() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    end = (clock() + timedelta(days=3, hours=2)).strftime("%Y-%m-%dT%H:%M")
    admin.fill("input[name=starts_at]", start)
    admin.fill("input[name=ends_at]", end)
    admin.fill("textarea[name=message]", "Switch upgrade: calls pause for two hours.")
    admin.click("text=Publish notice")
    shots(admin, "notices")

    owner = _sign_in(browser, live_url, "owner@lotus.test")
    shots(owner, "owner-dashboard")
    assert "Switch upgrade" in owner.text_content(".notice")
    assert "Lotus Outreach 莲花" in owner.text_content("h1")


def test_dashboard_at_phone_width(browser, live_url, e2e_app, clock, shots):
    tenant = Factory(e2e_app, clock).tenant(balance="98765.43", name="Small Screen Co")
    page = _sign_in(browser, live_url, tenant.owner_email, viewport=PHONE)
    shots(page, "dashboard-390")
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= PHONE["width"], f"the page is {overflow}px wide"
    assert not page.is_visible("#main-nav")  # collapsed
    page.click(".nav-toggle-label")
    shots(page, "menu-open-390")
    assert page.is_visible("#main-nav")
    page.click("#main-nav >> text=Calls")
    assert page.url.endswith("/portal/calls")
    shots(page, "calls-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.goto(f"{live_url}/portal/")
    amounts = page.locator("table th.num:visible")  # calls' charge, ledger amounts
    assert amounts.count() >= 4
    for i in range(amounts.count()):
        box = amounts.nth(i).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], amounts.nth(i).text_content()
    # keyboard: the menu toggle is reachable and opens with the space bar
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "nav-toggle"
    page.keyboard.press("Space")
    assert page.is_visible("#main-nav")
