"""Operator pages under /admin: tenants, calls and rates, messages, compliance review,
terminations, statements, notices and the mail outbox."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from callcenter.web.pages.admin import (  # noqa: E402,F401
    calls,
    care,
    compliance,
    documents,
    messages,
    reports,
    tenant_forms,
    tenants,
    termination,
)
