"""SMS tests run against a local Twilio stand-in at TWILIO_API_BASE."""

from __future__ import annotations

import pytest

from tests.sms_support import sms_config
from tests.telephony import CONFIG
from tests.twilio_standin import TwilioStandIn


@pytest.fixture
def twilio(clock):
    standin = TwilioStandIn(CONFIG["TWILIO_ACCOUNT_SID"], CONFIG["TWILIO_AUTH_TOKEN"],
                            clock).start()
    yield standin
    standin.stop()


@pytest.fixture
def app_config(twilio):
    return sms_config(twilio)
