"""Tenant pages under /portal: dashboard, seats, calls, compliance lists, messages,
payments, statements."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")

from callcenter.web.pages.portal import (  # noqa: E402,F401
    auto_topup,
    calls,
    care,
    compliance,
    dashboard,
    invoices,
    messages,
    payments,
    statements,
    webhooks,
)
