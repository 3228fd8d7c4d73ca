"""Operator pages under /admin: tenants, calls and rates, compliance review, terminations."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from callcenter.web.pages.admin import calls, compliance, tenants, termination  # noqa: E402,F401
