"""The provider-neutral CDR webhook, signed `t=<unix>,v1=<hmac-sha256 of "t.body">`."""

from __future__ import annotations

import hashlib
import hmac
import json

from flask import Response, abort, current_app, request

from callcenter.extensions import db
from callcenter.models import TERMINAL_STATUSES
from callcenter.services import call_events
from callcenter.web.common.context import commit, now
from callcenter.web.webhooks import bp, whole_seconds

TOLERANCE_SECONDS = 300


def _verified(secret: str) -> dict:
    header = request.headers.get("X-Callcenter-Signature", "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        abort(403, "missing or malformed X-Callcenter-Signature")
    if abs(now().timestamp() - int(stamp)) > TOLERANCE_SECONDS:
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
    data = _verified(secret)
    status = data.get("status")
    if status not in TERMINAL_STATUSES:
        abort(400, f"status must be one of {', '.join(TERMINAL_STATUSES)}")
    call_events.cdr(db.session, call_id=whole_seconds(data.get("call_id"), "call_id"),
                    to=data.get("to") or "", status=status,
                    duration=whole_seconds(data.get("duration_seconds"), "duration_seconds"),
                    payload=data, now=now())
    commit()
    return Response(status=204)
