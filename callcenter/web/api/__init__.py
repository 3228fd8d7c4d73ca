"""The JSON API under /api/v1, authenticated by bearer tokens."""

from __future__ import annotations

from flask import Blueprint, g, request

from callcenter.domain.errors import Unauthorized
from callcenter.extensions import csrf
from callcenter.services import auth as auth_service
from callcenter.web.common.context import now, session

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, not cookies: no cross-site request can carry one

PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}


@bp.before_request
def authenticate() -> None:
    """Resolve the bearer token to its user before any view runs."""
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>")
    user = auth_service.user_for_token(session(), token.strip(), now=now())
    if user is None:
        raise Unauthorized("the token is invalid or revoked")
    if session().dirty:
        session().commit()  # last_used_at, at most every few minutes: reads must keep it
    g.api_user = user


from callcenter.web.api import (  # noqa: E402,F401
    calls,
    care,
    compliance,
    dnc,
    invoices,
    ledger,
    messages,
    notices,
    openapi,
    payments,
    seats,
    statements,
    tenant_data,
    tenants,
    termination,
    tokens,
    users,
    webhooks,
)
