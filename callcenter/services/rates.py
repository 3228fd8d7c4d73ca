"""Rate plans: a new version per change, so every call and message keeps the rates it was
sold at."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict
from callcenter.domain.rating import Increment
from callcenter.models import RatePlan, Tenant
from callcenter.services import audit
from callcenter.services.access import Actor, require_admin
from callcenter.services.tenants import current_rate_plan

MAX_PREFIXES = 5000


@dataclass(frozen=True)
class Rates:
    """A whole rate plan, parsed: prices in micro-units per minute (calls) and per segment
    (SMS), prefixes as digits."""

    default_per_minute_micros: int
    increment: Increment
    connect_fee_micros: int
    prefixes: dict[str, int]  # leading digits of the E.164 number (no +) -> per minute
    sms_per_segment_micros: int | None = None  # None: this plan sells no SMS
    sms_prefixes: dict[str, int] = field(default_factory=dict)  # prefix -> per segment


def set_rates(session: Session, actor: Actor, tenant: Tenant, new: Rates, *,
              now: datetime) -> RatePlan:
    """Store a whole plan as the tenant's next version."""
    require_admin(actor)
    plan = RatePlan(
        tenant_id=tenant.id, default_per_minute_micros=new.default_per_minute_micros,
        initial_increment=new.increment.initial,
        subsequent_increment=new.increment.subsequent,
        connect_fee_micros=new.connect_fee_micros, prefixes=dict(new.prefixes),
        sms_per_segment_micros=new.sms_per_segment_micros,
        sms_prefixes=dict(new.sms_prefixes), created_at=now,
    )
    current = current_rate_plan(session, tenant.id)
    plan.version = (current.version if current else 0) + 1
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("the rates were changed at the same time; reload and retry") from exc
    audit.record(session, actor, "rates.set", tenant_id=tenant.id, now=now,
                 version=plan.version, prefixes=len(plan.prefixes),
                 sms_prefixes=len(plan.sms_prefixes))
    return plan
