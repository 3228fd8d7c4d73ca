"""The provider-neutral CDR webhook, signed `t=<unix>,v1=<hmac-sha256 of "t.body">`."""

from __future__ import annotations

from flask import Response, abort, current_app, request

from callcenter import metrics
from callcenter.integrations import cdr
from callcenter.services import call_events
from callcenter.web.common.context import commit, now, session
from callcenter.web.webhooks import bp


@bp.post("/cdr")
def cdr_webhook():
    """Any carrier's call detail record for a call authorized via the API."""
    secret = current_app.config.get("CDR_WEBHOOK_SECRET")
    if not secret:
        abort(503, "the CDR webhook is not configured")
    body = request.get_data()
    try:
        cdr.verify(secret, request.headers.get(cdr.HEADER), body, now=now().timestamp())
    except cdr.SignatureError as exc:
        abort(403, str(exc))
    outcome = call_events.cdr(session(), cdr.parse(body), now=now())
    commit()
    metrics.INBOUND_WEBHOOKS.labels("cdr", outcome).inc()
    return Response(status=204)
