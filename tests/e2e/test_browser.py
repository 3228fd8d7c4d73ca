"""What a person does in the browser: sign in, import consents with progress, review."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.extensions import db
from callcenter.models import Consent
from tests.factories import PASSWORD, Factory


def _sign_in(browser, url: str, email: str):
    page = browser.new_context().new_page()
    page.goto(f"{url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_owner_imports_a_consent_csv_with_progress(browser, live_url, e2e_app, clock,
                                                   tmp_path):
    tenant = Factory(e2e_app, clock).tenant(balance="25.00", name="Harbor Calls")
    page = _sign_in(browser, live_url, tenant.owner_email)
    assert "Harbor Calls" in page.text_content("main")
    assert "25.00 USD" in page.text_content(".stats")

    rows = ["number,evidence"] + [f"+4420794{i:05d},form {i}" for i in range(1200)]
    rows += ["not a number,x", "+442079400007,again"]
    csv_file = tmp_path / "consents.csv"
    csv_file.write_text("\n".join(rows))
    page.click("text=Consents")
    page.set_input_files(".import-file", str(csv_file))
    page.fill(".import-extra", "trade fair")
    page.click(".import-start")
    page.wait_for_selector(".import-status:has-text('Done')", timeout=60_000)
    assert page.text_content(".import-status") == \
        "Done: 1200 applied, 1 duplicate, 1 invalid."
    assert page.get_attribute(".import-progress", "value") == "100"
    problems = page.locator(".import-problems tbody tr")
    assert problems.count() == 2
    assert "invalid" in problems.nth(0).text_content()
    with e2e_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 1200
        assert db.session.scalars(sa.select(Consent.source)).first() == "trade fair"

    page.fill("input[name=to]", "+442079400001")
    page.click("text=Could we call now?")
    assert "no approved script" in page.text_content(".flash-error")


def test_admin_sees_hits_highlighted_and_rejects(browser, live_url, e2e_app, clock):
    factory = Factory(e2e_app, clock)
    tenant = factory.tenant()
    owner = _sign_in(browser, live_url, tenant.owner_email)
    owner.click("text=Scripts")
    owner.fill("input[name=title]", "Spring promo")
    owner.fill("textarea[name=text]", "加入我们的网络赌场，稳赚不赔！")
    owner.click("text=Submit for the content check")
    assert "need an admin's review" in owner.text_content(".flash")

    factory.admin("reviewer@x.test")
    admin = _sign_in(browser, live_url, "reviewer@x.test")
    admin.click("text=Script review")
    assert admin.locator("pre.script-text mark").count() >= 1
    admin.fill("input[name=note]", "gambling promotion")
    admin.click("button[value=reject]")
    assert "rejected" in admin.text_content(".flash")
    owner.reload()
    assert "gambling promotion" in owner.text_content("main")
