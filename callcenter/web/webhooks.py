"""Telephony webhooks: Twilio voice and status callbacks, and the signed CDR webhook.

Each one verifies its signature before reading anything, records the provider's event
under a unique key (a duplicate is a 2xx no-op), applies it, commits once, answers 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import Blueprint, Response, abort, current_app, request

from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.extensions import csrf, db
from callcenter.integrations import twilio_voice
from callcenter.models import TERMINAL_STATUSES, Call
from callcenter.services import calls
from callcenter.web.context import commit, compliance_policy, now
from callcenter.web.errors import error_response

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # authenticated by provider signatures, not cookies

CDR_TOLERANCE_SECONDS = 300


def public_url(path: str, *, with_query: bool = False) -> str:
    """`path` under PUBLIC_BASE_URL (behind a proxy the request URL differs), or under
    the host the request came to when that is not configured."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    query = request.query_string.decode() if with_query else ""
    return base.rstrip("/") + path + (f"?{query}" if query else "")


def _twilio_verified() -> dict:
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        abort(503, "Twilio is not configured")
    params = request.form.to_dict()
    signature = request.headers.get("X-Twilio-Signature")
    url = public_url(request.path, with_query=True)
    if not twilio_voice.signature_valid(token, url, params, signature):
        abort(403, "invalid Twilio signature")
    return params


def _twiml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.post("/twilio/voice")
def twilio_voice_webhook():
    """A seat places a call: authorize it and answer <Dial timeLimit> or <Reject/>."""
    params = _twilio_verified()
    sender, call_sid = params.get("From", ""), params.get("CallSid", "")
    if not sender.startswith("client:") or not call_sid:
        return _twiml(twilio_voice.reject_twiml())
    decision = calls.authorize(
        db.session, seat_identity=sender.removeprefix("client:"), to=params.get("To", ""),
        now=now(), provider="twilio", provider_call_id=call_sid,
        max_call_seconds=current_app.config["MAX_CALL_SECONDS"], policy=compliance_policy())
    commit()
    if not decision.allowed:
        return _twiml(twilio_voice.reject_twiml())
    caller_id = decision.tenant.caller_id if decision.tenant else None
    return _twiml(twilio_voice.dial_twiml(
        decision.call.callee, time_limit=decision.max_duration_seconds, caller_id=caller_id,
        status_url=public_url("/webhooks/twilio/status")))


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not (isinstance(value, int) or
                                       (isinstance(value, str) and value.isdigit())):
        abort(400, f"{name} must be a whole number of seconds")
    number = int(value)
    if number > 7 * 24 * 3600:
        abort(400, f"{name} is not plausible")
    return number


def _apply(provider: str, key: str, payload: dict, call: Call | None, status: str,
           duration: int, dialed: str | None = None) -> Response:
    """Record the event once, settle the call if it is final; 200 either way."""
    if call is None:
        outcome = "unknown_call"
    elif status not in TERMINAL_STATUSES:
        outcome = "ignored"
    else:
        outcome = "applied"
    event = calls.record_event(db.session, provider, key, payload, now(),
                               call_id=call.id if call else None, outcome=outcome)
    if event is not None and outcome == "applied":
        if not calls.settle(db.session, call, status=status, duration=duration, now=now(),
                            dialed_call_id=dialed):
            event.outcome = "duplicate"
    commit()
    return Response(status=204)


@bp.post("/twilio/status")
def twilio_status_webhook():
    """The dialed leg ended: rate `CallDuration` and settle the hold, exactly once."""
    params = _twilio_verified()
    status = params.get("CallStatus", "")
    duration = _int(params.get("CallDuration") or "0", "CallDuration")
    parent = params.get("ParentCallSid") or ""
    call = calls.find_call(db.session, "twilio", parent) if parent else None
    key = f"{params.get('CallSid', '')}:{status}"
    return _apply("twilio", key, params, call, status, duration, params.get("CallSid"))


def _cdr_verified(secret: str) -> dict:
    header = request.headers.get("X-Callcenter-Signature", "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        abort(403, "missing or malformed X-Callcenter-Signature")
    if abs(now().timestamp() - int(stamp)) > CDR_TOLERANCE_SECONDS:
        abort(403, "signature timestamp outside the 5-minute tolerance")
    body = request.get_data()
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        abort(403, "invalid signature")
    try:
        data = json.loads(body)
    except ValueError:
        abort(400, "the body must be JSON")
    if not isinstance(data, dict):
        abort(400, "the body must be a JSON object")
    return data


@bp.post("/cdr")
def cdr_webhook():
    """Any carrier's call detail record for a call authorized via the API."""
    secret = current_app.config.get("CDR_WEBHOOK_SECRET")
    if not secret:
        abort(503, "the CDR webhook is not configured")
    data = _cdr_verified(secret)
    status = data.get("status")
    if status not in TERMINAL_STATUSES:
        abort(400, f"status must be one of {', '.join(TERMINAL_STATUSES)}")
    call_id = _int(data.get("call_id"), "call_id")
    duration = _int(data.get("duration_seconds"), "duration_seconds")
    call = db.session.get(Call, call_id)
    if call is not None and call.provider != "cdr":
        call = None  # only calls authorized through the provider-neutral API
    if call is not None:
        try:
            to = normalize_number(data.get("to") or "")
        except InvalidNumber:
            to = None
        if to != call.callee:
            return error_response("conflict", "to does not match the authorized call", 409)
    return _apply("cdr", f"{call_id}:{status}", data, call, status, duration)

