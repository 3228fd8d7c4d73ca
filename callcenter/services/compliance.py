"""Compliance decisions for a call: the seam call authorization asks before any money moves.

Calling hours, consent, do-not-call lists and approved scripts are checked here; until
those rules are built (the compliance issue), every call passes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.models import Tenant


def call_refusals(session: Session, tenant: Tenant, e164: str, at: datetime) -> list[str]:
    """Contract reason codes refusing a call to `e164` at `at`; empty means allowed."""
    return []
