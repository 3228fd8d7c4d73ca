"""Helpers for telephony tests: signed Twilio and CDR requests, seats with funds."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

from twilio.request_validator import RequestValidator

from callcenter.extensions import db
from callcenter.services import seats

TWILIO_TOKEN = "twilio-test-token"
CDR_SECRET = "cdr-test-secret"
BASE = "https://cc.example.com"
CONFIG = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
          "PUBLIC_BASE_URL": BASE, "CDR_WEBHOOK_SECRET": CDR_SECRET, "MAX_CALL_SECONDS": 3600}


def twilio_post(client, path: str, params: dict, *, token: str = TWILIO_TOKEN,
                signed_url: str | None = None, sign: bool = True):
    """POST form params as Twilio would, signed over PUBLIC_BASE_URL + path."""
    headers = {}
    if sign:
        url = signed_url or BASE + path
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(url, params)
    return client.post(path, data=params, headers=headers)


def place_call(client, identity: str, to: str, sid: str):
    return twilio_post(client, "/webhooks/twilio/voice",
                       {"CallSid": sid, "From": f"client:{identity}", "To": to,
                        "Direction": "inbound", "AccountSid": CONFIG["TWILIO_ACCOUNT_SID"]})


def end_call(client, parent_sid: str, status: str = "completed", duration: int = 0,
             child_sid: str | None = None):
    return twilio_post(client, "/webhooks/twilio/status",
                       {"CallSid": child_sid or f"CA-child-{parent_sid}",
                        "ParentCallSid": parent_sid, "CallStatus": status,
                        "CallDuration": str(duration)})


def cdr_post(client, body: dict, *, at: datetime, secret: str = CDR_SECRET, raw: bytes = b""):
    data = raw or json.dumps(body).encode()
    stamp = str(int(at.timestamp()))
    mac = hmac.new(secret.encode(), stamp.encode() + b"." + data, hashlib.sha256).hexdigest()
    return client.post("/webhooks/cdr", data=data, content_type="application/json",
                       headers={"X-Callcenter-Signature": f"t={stamp},v1={mac}"})


def seat_with_funds(factory, clock, *, balance: str = "10.00", rate: str = "0.60",
                    increment: str = "60/60", seat_price: str = "0",
                    compliance: bool = False) -> tuple[int, str]:
    """An active tenant (UTC) with one seat; returns (tenant id, seat identity).

    The clock is set to 17:00 UTC on a Monday: inside 09:00-18:00 in London and in
    California. `compliance=False` turns off the consent and script requirements so
    billing tests need no lists.
    """
    clock.now = datetime(2026, 3, 2, 17, tzinfo=UTC)
    info = factory.tenant(timezone="UTC", balance=balance, rate=rate, increment=increment,
                          seat_price=seat_price)
    with factory.app.app_context():
        from callcenter.models import Tenant

        tenant = db.session.get(Tenant, info.id)
        tenant.consent_required = tenant.script_required = compliance
        seat = seats.provision(db.session, factory.admin_actor(), tenant, now=clock(),
                               count=1)[0]
        db.session.commit()
        return info.id, seat.identity
