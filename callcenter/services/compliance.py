"""Compliance decisions for a call, asked before any money moves.

Calling hours in the callee's own time (every zone of the number must allow), public
holidays when the tenant opts in, do-not-call lists (platform and tenant), consent and
an approved script. The list checks are three EXISTS conditions: the call hot path reads
them in the same query as the seat and its tenant (`list_conditions`), the check
endpoint in one query of their own. Parsed calling windows are cached per process by
their stored text, so an admin's change is seen by the next call.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

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


class CallingRules(Protocol):
    """The tenant settings compliance reads: a Tenant, or a row of the hot-path query."""

    timezone: str
    no_calls_on_holidays: bool
    consent_required: bool
    script_required: bool


def tenant_schedule(tenant: Tenant) -> Schedule:
    """The tenant's weekly window; the agreement's 09:00-18:00 every day when unset."""
    return parse_schedule(tenant.calling_window) if tenant.calling_window else DEFAULT_SCHEDULE


def window_text(tenant: Tenant) -> str | None:
    """The tenant's calling window as stored text: the key of the parsed-window cache."""
    return json.dumps(tenant.calling_window, sort_keys=True) if tenant.calling_window else None


@functools.lru_cache(maxsize=1024)
def capped_schedule(window: str | None, cap: Schedule) -> Schedule:
    """The stored calling window (JSON text; None or JSON null: the default) clipped to
    the cap."""
    stored = json.loads(window) if window else None
    return effective_schedule(parse_schedule(stored) if stored else DEFAULT_SCHEDULE, cap)


def platform_key() -> str:
    return "platform"


def tenant_key(tenant_id: int) -> str:
    return f"t{tenant_id}"


def list_conditions(tenant_id: sa.ColumnElement[int] | int,
                    e164: sa.ColumnElement[str] | str) -> tuple[sa.Exists, sa.Exists, sa.Exists]:
    """(on a do-not-call list, consent on record, an approved script) as SQL conditions.

    `tenant_id` may be a column, so the hot path asks them in its one query.
    """
    if isinstance(tenant_id, int):
        own_list: sa.ColumnElement[str] | str = tenant_key(tenant_id)
    else:  # tenant_key() in SQL
        own_list = sa.literal("t") + sa.cast(tenant_id, sa.String)
    # Plain tables rather than the mapped classes: the hot path stays a Core query.
    dnc, consents, scripts = DncEntry.__table__.c, Consent.__table__.c, Script.__table__.c
    listed = sa.exists().where(dnc.number == e164,
                               sa.or_(dnc.list_key == platform_key(), dnc.list_key == own_list))
    consented = sa.exists().where(consents.tenant_id == tenant_id, consents.number == e164,
                                  consents.revoked_at.is_(None))
    scripted = sa.exists().where(scripts.tenant_id == tenant_id, scripts.status == "approved")
    return listed, consented, scripted


def decide(rules: CallingRules, window: str | None, e164: str, at: datetime,
           policy: CompliancePolicy, lists: Sequence[bool]) -> ComplianceDecision:
    """Every rule, given the stored window and the answers of `list_conditions`."""
    hours = check_calling_hours(
        e164, at, capped_schedule(window, policy.cap),
        tenant_timezone=rules.timezone, max_zones=policy.max_zones,
        unknown_zone_policy=policy.unknown_zone_policy,
        no_calls_on_holidays=rules.no_calls_on_holidays)
    reasons = list(hours.reasons)
    on_dnc, has_consent, has_script = lists
    if on_dnc:
        reasons.append("do_not_call")  # even with consent
    if rules.consent_required and not has_consent:
        reasons.append("no_consent")
    if rules.script_required and not has_script:
        reasons.append("no_approved_script")
    return ComplianceDecision(not reasons, reasons, hours.timezones)


def evaluate(session: Session, tenant: Tenant, e164: str, at: datetime,
             policy: CompliancePolicy = DEFAULT_POLICY) -> ComplianceDecision:
    """Every compliance rule for one call to `e164` at `at`."""
    lists = session.execute(sa.select(*list_conditions(tenant.id, e164))).one()
    return decide(tenant, window_text(tenant), e164, at, policy, lists)


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
