"""Tenant pages under /portal: dashboard, seats, agents, calls, compliance lists, messages,
payments, statements, erasure on request."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from callcenter.web.pages.portal import (  # noqa: E402,F401
    agents,
    auto_topup,
    calls,
    care,
    compliance,
    dashboard,
    erasure,
    invoices,
    messages,
    payments,
    seats,
    statements,
    webhooks,
)
