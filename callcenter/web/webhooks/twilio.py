"""Twilio: the voice webhook authorizes a seat's call; status callbacks settle it."""

from __future__ import annotations

from flask import Response, abort, current_app, request

from callcenter import metrics
from callcenter.integrations import twilio_voice
from callcenter.services import call_events, calls
from callcenter.web.common.context import commit, compliance_policy, group_committer, now, session
from callcenter.web.webhooks import bp, public_url


def verified_form() -> dict[str, str]:
    """The form Twilio signed for this URL; 503 unconfigured, 403 on a bad signature."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if not token:
        abort(503, "Twilio is not configured")
    req = request._get_current_object()  # once: every webhook runs this (hot path)
    params = req.form.to_dict()
    signature = req.headers.get("X-Twilio-Signature")
    url = public_url(req.path, with_query=True)
    if not twilio_voice.signature_valid(token, url, params, signature):
        abort(403, "invalid Twilio signature")
    return params


def _twiml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


@bp.post("/twilio/voice")
def twilio_voice_webhook():
    """A seat places a call: authorize it and answer <Dial timeLimit> or <Reject/>."""
    placed = twilio_voice.parse_voice(verified_form())
    if placed.seat_identity is None or not placed.call_sid:
        return _twiml(twilio_voice.reject_twiml())
    decision = calls.authorize(
        session(), seat_identity=placed.seat_identity, to=placed.to, now=now(),
        provider="twilio", provider_call_id=placed.call_sid,
        max_call_seconds=current_app.config["MAX_CALL_SECONDS"], policy=compliance_policy())
    commit()
    metrics.authorization("twilio", decision.allowed, decision.reasons)
    if not decision.allowed:
        return _twiml(twilio_voice.reject_twiml())
    return _twiml(twilio_voice.dial_twiml(
        decision.callee, time_limit=decision.max_duration_seconds,
        caller_id=decision.caller_id, status_url=public_url("/webhooks/twilio/status")))


@bp.post("/twilio/status")
def twilio_status_webhook():
    """The dialed leg ended: rate `CallDuration` and settle the hold, exactly once."""
    work = call_events.TwilioStatus(twilio_voice.parse_status(verified_form()), now())
    committer = group_committer()
    if committer is not None:  # with the other threads' callbacks, in one transaction
        outcome = committer.run(work)
    else:
        outcome = work.run(session())
        commit()
    metrics.INBOUND_WEBHOOKS.labels("twilio", outcome).inc()
    return Response(status=204)
