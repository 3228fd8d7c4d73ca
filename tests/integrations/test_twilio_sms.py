"""The Messaging API client at TWILIO_API_BASE, against the local stand-in; payloads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.integrations import twilio_sms
from callcenter.integrations.twilio_sms import SmsRejected, SmsUnavailable, TwilioSms
from tests.twilio_standin import TwilioStandIn

SID, TOKEN = "AC" + "1" * 32, "secret"


@pytest.fixture
def standin():
    server = TwilioStandIn(SID, TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def client(standin):
    return twilio_sms.from_config({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
                                   "TWILIO_API_BASE": standin.base_url})


def _send(client, to="+442079460000", key="k1", sender="+14155550100"):
    return client.send(to=to, sender=sender, body="Hi", status_callback="https://x/cb?m=1",
                       idempotency_key=key)


def test_send_goes_to_the_base_url_with_the_idempotency_token(client, standin):
    accepted = _send(client)
    assert accepted.sid == standin.messages[0]["sid"] and accepted.status == "queued"
    assert standin.requests[0]["token"] == "k1"
    assert standin.requests[0]["form"] == {"To": "+442079460000", "From": "+14155550100",
                                           "Body": "Hi", "StatusCallback": "https://x/cb?m=1"}
    assert _send(client).sid == accepted.sid and len(standin.messages) == 1


def test_refusals_and_outages_are_told_apart(client, standin):
    standin.reject["+442079460001"] = (400, 21211, "Invalid 'To' Phone Number")
    with pytest.raises(SmsRejected) as refused:
        _send(client, to="+442079460001", key="k2")
    assert refused.value.code == "21211"
    standin.fail_next = 1
    with pytest.raises(SmsUnavailable):
        _send(client, key="k3")
    dead = TwilioSms(SID, TOKEN, base_url="http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(SmsUnavailable):
        _send(dead, key="k4")


def test_find_lists_messages_to_a_number_with_the_text_since_a_moment(client, standin):
    first = _send(client, key="a").sid
    _send(client, to="+442079460002", key="b")
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert client.find(to="+442079460000", sender="+14155550100", body="Hi",
                       since=since) == [first]
    assert client.find(to="+442079460000", sender="+14155550100", body="Other",
                       since=since) == []
    assert client.find(to="+442079460000", sender="+14155550100", body="Hi",
                       since=since + timedelta(hours=1)) == []


def test_no_credentials_no_client():
    assert twilio_sms.from_config({"TWILIO_API_BASE": "http://x"}) is None


def test_status_and_inbound_payloads():
    status = twilio_sms.parse_status({"MessageSid": "SM1", "MessageStatus": "Failed",
                                      "ErrorCode": "30003"})
    assert (status.event_id, status.status, status.error_code) == ("sms:SM1:failed",
                                                                  "failed", "30003")
    reply = twilio_sms.parse_inbound({"MessageSid": "SM2", "From": "+1", "To": "+2",
                                      "Body": "STOP"})
    assert (reply.event_id, reply.body) == ("sms-in:SM2", "STOP")
    with pytest.raises(InvalidInput):
        twilio_sms.parse_status({"MessageStatus": "sent"})
    with pytest.raises(InvalidInput):
        twilio_sms.parse_inbound({"MessageSid": "SM3"})
    assert "<Response" in twilio_sms.empty_reply()


def test_call_look_ups_use_the_same_base_url():
    from callcenter.integrations.twilio_voice import calls_from_config

    calls = calls_from_config({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN,
                               "TWILIO_API_BASE": "http://127.0.0.1:9999/"})
    http = calls._client.http_client
    assert http.rebase("https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA1.json?x=1") \
        == "http://127.0.0.1:9999/2010-04-01/Accounts/AC1/Calls/CA1.json?x=1"
