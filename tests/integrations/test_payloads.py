"""Provider payloads parsed into plain objects (no database, no network)."""

from __future__ import annotations

import json

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.integrations import cdr, stripe_events, twilio_voice
from callcenter.integrations.stripe_events import Charge
from callcenter.integrations.stripe_gateway import Intent, Refund


def test_twilio_status_callback():
    report = twilio_voice.parse_status({"CallSid": "CA2", "ParentCallSid": "CA1",
                                        "CallStatus": "completed", "CallDuration": "61"})
    assert (report.parent_call_sid, report.status, report.duration_seconds,
            report.event_id) == ("CA1", "completed", 61, "CA2:completed")
    assert twilio_voice.parse_status({"CallSid": "CA2"}).duration_seconds == 0
    with pytest.raises(InvalidInput):
        twilio_voice.parse_status({"CallSid": "CA2", "CallDuration": "-5"})


def test_twilio_voice_request_names_a_seat_only_for_clients():
    assert twilio_voice.parse_voice({"From": "client:seat-1", "To": "+44", "CallSid": "CA"}
                                    ).seat_identity == "seat-1"
    assert twilio_voice.parse_voice({"From": "+14155550123"}).seat_identity is None


def test_cdr_signature():
    body = b'{"call_id": 1}'
    header = cdr.sign("s3cret", body, 1_000)
    cdr.verify("s3cret", header, body, now=1_100)
    for secret, sent, at, message in (("other", header, 1_100, "invalid"),
                                      ("s3cret", header, 1_400, "tolerance"),
                                      ("s3cret", "v1=abc", 1_000, "malformed"),
                                      ("s3cret", None, 1_000, "malformed")):
        with pytest.raises(cdr.SignatureError, match=message):
            cdr.verify(secret, sent, body, now=at)
    with pytest.raises(cdr.SignatureError):
        cdr.verify("s3cret", header, body + b" ", now=1_000)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"call_id": 1, "status": "ringing"}',
                                  b'{"call_id": "x", "status": "completed"}',
                                  b'{"call_id": 1, "status": "busy", "duration_seconds": 1.5}',
                                  b'{"call_id": 1, "status": "busy", "duration_seconds": true}'])
def test_cdr_bad_bodies(body):
    with pytest.raises(InvalidInput):
        cdr.parse(body)


def test_cdr_report():
    data = {"call_id": "12", "to": "+442079460000", "duration_seconds": 30,
            "status": "completed"}
    report = cdr.parse(json.dumps(data).encode())
    assert (report.call_id, report.to, report.duration_seconds, report.event_id,
            report.payload) == (12, "+442079460000", 30, "12:completed", data)


def _event(obj: dict, kind: str = "payment_intent.succeeded") -> dict:
    return {"id": "evt_1", "type": kind, "created": 5, "data": {"object": obj}}


def test_stripe_event_subjects():
    intent = stripe_events.parse(_event({
        "id": "pi_1", "object": "payment_intent", "amount": 500, "currency": "usd",
        "status": "succeeded", "client_secret": "pi_1_secret_x"}))
    assert isinstance(intent.subject, Intent) and intent.subject.currency == "USD"
    assert (intent.id, intent.created, intent.object_id) == ("evt_1", 5, "pi_1")
    assert "client_secret" not in json.dumps(intent.payload)
    charge = stripe_events.parse(_event({
        "id": "ch_1", "object": "charge", "payment_intent": "pi_1", "amount_refunded": 200,
        "refunds": {"data": [{"id": "re_1", "status": "succeeded", "amount": 200,
                              "metadata": {"refund_key": "k"}}]}}, "charge.refunded"))
    assert charge.subject == Charge("ch_1", "pi_1", 200, (
        Refund("re_1", "succeeded", 200, None, {"refund_key": "k"}),))
    other = stripe_events.parse(_event({"id": "cus_1", "object": "customer"},
                                       "customer.created"))
    assert other.subject is None and other.object_id == "cus_1"


@pytest.mark.parametrize("data", [{}, {"type": "x"}, _event({"object": "payment_intent"}),
                                  {**_event({}), "created": "soon"}])
def test_stripe_unusable_events(data):
    with pytest.raises(InvalidInput):
        stripe_events.parse(data)


@pytest.mark.parametrize("to, caller_id, url", [
    ("+442079460000", None, "https://cc.example.com/webhooks/twilio/status"),
    ("+14155550123", "+14155550100", "https://cc.example.com:8443/webhooks/twilio/status"),
    ('+1&<>"\'x', '+1"&<>\n\t\r\'', 'https://a/b?x=1&y="2"<>'),
])
def test_twiml_is_what_the_twilio_library_writes(to, caller_id, url):
    from twilio.twiml.voice_response import Dial, VoiceResponse

    from callcenter.integrations.twilio_voice import dial_twiml, reject_twiml

    expected = VoiceResponse()
    dial = Dial(time_limit=300, caller_id=caller_id) if caller_id else Dial(time_limit=300)
    dial.number(to, status_callback=url, status_callback_event="completed",
                status_callback_method="POST")
    expected.append(dial)
    assert dial_twiml(to, time_limit=300, caller_id=caller_id, status_url=url) == \
        str(expected)
    rejected = VoiceResponse()
    rejected.reject()
    assert reject_twiml() == str(rejected)


@pytest.mark.parametrize("params", [
    {},
    {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000", "Called": ""},
    {"b": "2", "a": "1", "A": "0", "é": "€ ü", "x y": "a+b&c=d"},
])
def test_twilio_signature_is_the_librarys(params):
    from twilio.request_validator import RequestValidator

    url = "https://cc.example.com/webhooks/twilio/status?m=1"
    signed = RequestValidator("token-1").compute_signature(url, params)
    assert twilio_voice.signature_valid("token-1", url, params, signed)
    assert not twilio_voice.signature_valid("token-2", url, params, signed)
    assert not twilio_voice.signature_valid("token-1", url, {**params, "z": "1"}, signed)
    # The library's full check still runs on a mismatch: the URL with its default port.
    with_port = "https://cc.example.com:443/webhooks/twilio/status?m=1"
    assert twilio_voice.signature_valid(
        "token-1", url, params, RequestValidator("token-1").compute_signature(with_port,
                                                                             params))
