"""Twilio SMS: message status callbacks and incoming replies, signed like the voice ones."""

from __future__ import annotations

from flask import Response, request

from callcenter.integrations import twilio_sms
from callcenter.services import sms_events
from callcenter.web.common.context import commit, now, session
from callcenter.web.webhooks import bp
from callcenter.web.webhooks.twilio import verified_form


@bp.post("/twilio/sms")
def twilio_sms_status():
    """A message's status: delivered, or failed/undelivered (refunded once)."""
    report = twilio_sms.parse_status(verified_form())
    message_id = request.args.get("m", type=int)  # inside the signed URL
    sms_events.status_callback(session(), report, message_id=message_id, now=now())
    commit()
    return Response(status=204)


@bp.post("/twilio/sms-inbound")
def twilio_sms_inbound():
    """Someone wrote to one of our senders: record it; an opt-out lists the number."""
    message = twilio_sms.parse_inbound(verified_form())
    sms_events.inbound(session(), message, now=now())
    commit()
    return Response(twilio_sms.empty_reply(), mimetype="application/xml")
