"""Provider webhooks: verify the signature, hand the event to its service, commit, 2xx.

`twilio` (voice and status callbacks), `cdr` (any carrier, HMAC-signed) and `stripe`.
Payloads are parsed in `callcenter.integrations` (a malformed one is a 400), events go
through the inbox (`services.inbox`). A bad signature is 403 and changes nothing; a
duplicate is a 2xx no-op.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request

from callcenter.extensions import csrf

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
csrf.exempt(bp)  # authenticated by provider signatures, not cookies


def public_url(path: str, *, with_query: bool = False) -> str:
    """`path` under PUBLIC_BASE_URL (behind a proxy the request URL differs), or under
    the host the request came to when that is not configured."""
    req = request._get_current_object()  # once: every provider webhook runs this
    base = current_app.config.get("PUBLIC_BASE_URL") or req.host_url
    query = req.query_string.decode() if with_query else ""
    return base.rstrip("/") + path + (f"?{query}" if query else "")


from callcenter.web.webhooks import cdr, stripe, twilio, twilio_sms  # noqa: E402,F401
