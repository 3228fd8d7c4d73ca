"""The SMS page in the browser: the count and price follow the typing, the batch page
shows its progress and reloads when the batch is done."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.e2e.test_browser import _sign_in
from tests.factories import Factory
from tests.sms_support import CN, EAST, UK, run_jobs, sms_config, sms_tenant
from tests.telephony import CONFIG
from tests.twilio_standin import TwilioStandIn


@pytest.fixture
def sms_live(sqlite_url, clock):
    from tests.conftest import _make_app, _teardown

    twilio = TwilioStandIn(CONFIG["TWILIO_ACCOUNT_SID"], CONFIG["TWILIO_AUTH_TOKEN"],
                           clock).start()
    app = _make_app(sqlite_url, clock, WTF_CSRF_ENABLED=True, **sms_config(twilio))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", twilio
    server.shutdown()
    _teardown(app)
    twilio.stop()


def test_owner_sees_segments_and_price_while_typing_then_the_progress(browser, sms_live, clock):
    app, url, twilio = sms_live
    factory = Factory(app, clock)
    tid, _ = sms_tenant(factory, clock, at=EAST, prefixes={"86": "0.02"})
    with app.app_context():
        from callcenter.extensions import db
        from callcenter.models import User

        email = db.session.query(User).filter_by(tenant_id=tid, role="owner").one().email
    page = _sign_in(browser, url, email)
    page.click("nav >> text=Messages")
    page.select_option("select[name=kind]", "transactional")
    page.fill("textarea[name=to]", f"{UK[0]}\n{UK[1]}\n{CN}")
    page.fill("textarea[name=body]", "a" * 160)
    estimate = page.locator(".sms-estimate")
    assert "160 characters in GSM-7, 1 segment per message" in estimate.text_content()
    page.fill("textarea[name=body]", "a" * 159 + "€")  # 161 septets
    assert "161 characters in GSM-7, 2 segments" in estimate.text_content()
    page.fill("textarea[name=body]", "Hi 😀")
    text = estimate.text_content()
    assert "5 UTF-16 units in UCS-2, 1 segment" in text
    # 2 x 0.05 (UK) + 0.02 (+86): the +86 text carries the signature
    assert "3 recipients: about 0.12 USD" in text
    page.click("button:has-text('Send')")
    page.wait_for_selector(".sms-progress")
    assert page.get_attribute(".sms-bar", "max") == "3"
    assert page.get_attribute(".sms-bar", "value") == "0"
    run_jobs(app, clock)
    page.wait_for_selector(".sms-status:has-text('done')", timeout=20_000)
    assert page.get_attribute(".sms-bar", "value") == "3"
    assert len(twilio.messages) == 3
