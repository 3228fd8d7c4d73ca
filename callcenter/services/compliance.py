"""Compliance decisions for a call, asked before any money moves.

Calling hours in the callee's own time (every zone of the number must allow), public
holidays when the tenant opts in, do-not-call lists (platform and tenant), consent and
an approved script. The list checks are one round trip: this runs on the hot path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.calling_hours import (
    DEFAULT_SCHEDULE,
    PLATFORM_CAP,
    Schedule,
    check_calling_hours,
    effective_schedule,
    parse_schedule,
)
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.models import Consent, DncEntry, Script, Tenant


@dataclass(frozen=True)
class CompliancePolicy:
    """Platform settings: the hard cap on calling hours and the unknown-zone fallback."""

    cap: Schedule = PLATFORM_CAP
    unknown_zone_policy: str = "tenant_timezone"  # or "refuse"
    max_zones: int = 5


DEFAULT_POLICY = CompliancePolicy()


def policy_from_config(config: Mapping[str, Any]) -> CompliancePolicy:
    """The platform policy from the settings (CALLING_HOURS_CAP as a JSON schedule)."""
    cap = config.get("CALLING_HOURS_CAP")
    return CompliancePolicy(
        cap=parse_schedule(json.loads(cap)) if cap else PLATFORM_CAP,
        unknown_zone_policy=config.get("CALLING_HOURS_UNKNOWN_ZONE", "tenant_timezone"),
        max_zones=config.get("CALLING_HOURS_MAX_ZONES", 5))


@dataclass(frozen=True)
class ComplianceDecision:
    """Allowed or not, every reason why not, and the zones the callee's time was read in."""

    allowed: bool
    reasons: list[str]
    callee_timezones: tuple[str, ...]


def tenant_schedule(tenant: Tenant) -> Schedule:
    """The tenant's weekly window; the agreement's 09:00-18:00 every day when unset."""
    return parse_schedule(tenant.calling_window) if tenant.calling_window else DEFAULT_SCHEDULE


def platform_key() -> str:
    return "platform"


def tenant_key(tenant_id: int) -> str:
    return f"t{tenant_id}"


def evaluate(session: Session, tenant: Tenant, e164: str, at: datetime,
             policy: CompliancePolicy = DEFAULT_POLICY) -> ComplianceDecision:
    """Every compliance rule for one call to `e164` at `at`."""
    hours = check_calling_hours(
        e164, at, effective_schedule(tenant_schedule(tenant), policy.cap),
        tenant_timezone=tenant.timezone, max_zones=policy.max_zones,
        unknown_zone_policy=policy.unknown_zone_policy,
        no_calls_on_holidays=tenant.no_calls_on_holidays)
    reasons = list(hours.reasons)
    listed = sa.exists().where(DncEntry.number == e164,
                               DncEntry.list_key.in_((platform_key(), tenant_key(tenant.id))))
    consented = sa.exists().where(Consent.tenant_id == tenant.id, Consent.number == e164,
                                  Consent.revoked_at.is_(None))
    scripted = sa.exists().where(Script.tenant_id == tenant.id, Script.status == "approved")
    on_dnc, has_consent, has_script = session.execute(
        sa.select(listed, consented, scripted)).one()
    if on_dnc:
        reasons.append("do_not_call")  # even with consent
    if tenant.consent_required and not has_consent:
        reasons.append("no_consent")
    if tenant.script_required and not has_script:
        reasons.append("no_approved_script")
    return ComplianceDecision(not reasons, reasons, hours.timezones)


def check(session: Session, tenant: Tenant, to: str, at: datetime,
          policy: CompliancePolicy = DEFAULT_POLICY) -> ComplianceDecision:
    """The same decision a call would get, for any number and moment (campaign planning)."""
    try:
        e164 = normalize_number(to)
    except InvalidNumber:
        return ComplianceDecision(False, ["invalid_number"], ())
    return evaluate(session, tenant, e164, at, policy)


def call_refusals(session: Session, tenant: Tenant, e164: str, at: datetime,
                  policy: CompliancePolicy = DEFAULT_POLICY) -> list[str]:
    """Contract reason codes refusing a call to `e164` at `at`; empty means allowed."""
    return evaluate(session, tenant, e164, at, policy).reasons
