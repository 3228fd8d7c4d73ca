"""Who may get an SMS now, and what it costs: the checks of every recipient of a batch.

The same rules as calls, asked for many numbers at once: a valid number, not on the
platform's or the tenant's do-not-call list, a consent on record when the tenant
requires one, and the sending window in the callee's own time (08:00-21:00, narrowed
by the tenant's calling window and the platform cap; holidays when the tenant opts in).
The lists are read in chunks, not one query per number. Sending re-asks for each
message just before it goes, since a reply may have opted someone out meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.calling_hours import (
    Schedule,
    check_calling_hours,
    effective_schedule,
    parse_schedule,
)
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.rating import rate_for
from callcenter.models import Consent, DncEntry, RatePlan, Tenant
from callcenter.services.compliance import (
    CompliancePolicy,
    platform_key,
    tenant_key,
    tenant_schedule,
)

CHUNK = 500
SMS_WINDOW = parse_schedule({day: [["08:00", "21:00"]]
                             for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})


@dataclass
class Recipient:
    """One recipient as given, its E.164 form if valid, and the reasons it is refused."""

    input: str
    number: str | None
    reasons: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.reasons


def sms_schedule(tenant: Tenant, policy: CompliancePolicy) -> Schedule:
    """The SMS window: 08:00-21:00 callee time within the tenant's window and the cap."""
    return effective_schedule(effective_schedule(tenant_schedule(tenant), policy.cap),
                              SMS_WINDOW)


def parse_recipients(inputs: list[str]) -> list[Recipient]:
    """Normalize every input; a number given twice is messaged once (its first place)."""
    seen: set[str] = set()
    out: list[Recipient] = []
    for raw in inputs:
        try:
            number = normalize_number(raw)
        except InvalidNumber:
            out.append(Recipient(raw, None, ["invalid_number"]))
            continue
        if number not in seen:
            seen.add(number)
            out.append(Recipient(raw, number))
    return out


def _listed(session: Session, tenant: Tenant, numbers: list[str]) -> tuple[set[str], set[str]]:
    """Of `numbers`: those on a do-not-call list, and those with an active consent."""
    listed: set[str] = set()
    consented: set[str] = set()
    keys = (platform_key(), tenant_key(tenant.id))
    for i in range(0, len(numbers), CHUNK):
        part = numbers[i:i + CHUNK]
        listed.update(session.scalars(sa.select(DncEntry.number).where(
            DncEntry.list_key.in_(keys), DncEntry.number.in_(part))))
        if tenant.consent_required:
            consented.update(session.scalars(sa.select(Consent.number).where(
                Consent.tenant_id == tenant.id, Consent.number.in_(part),
                Consent.revoked_at.is_(None))))
    return listed, consented


def check(session: Session, tenant: Tenant, recipients: list[Recipient], at: datetime,
          policy: CompliancePolicy) -> list[Recipient]:
    """Add the refusal reasons of every valid recipient at `at` (in the contract's codes)."""
    valid = [r for r in recipients if r.number is not None]
    listed, consented = _listed(session, tenant, [r.number for r in valid])
    schedule = sms_schedule(tenant, policy)
    for r in valid:
        hours = check_calling_hours(
            r.number, at, schedule, tenant_timezone=tenant.timezone,
            max_zones=policy.max_zones, unknown_zone_policy=policy.unknown_zone_policy,
            no_calls_on_holidays=tenant.no_calls_on_holidays)
        r.reasons = list(hours.reasons)
        if r.number in listed:
            r.reasons.append("do_not_call")
        if tenant.consent_required and r.number not in consented:
            r.reasons.append("no_consent")
    return recipients


def refusals(session: Session, tenant: Tenant, number: str, at: datetime,
             policy: CompliancePolicy) -> list[str]:
    """The reasons one message may not go now (empty: it may)."""
    return check(session, tenant, [Recipient(number, number)], at, policy)[0].reasons


def price(plan: RatePlan, number: str) -> tuple[str | None, int]:
    """The longest SMS prefix matching `number` and its price per segment."""
    return rate_for(number, plan.sms_prefixes or {}, plan.sms_per_segment_micros or 0)
