"""Rate plans: a new version per change, so every call keeps the rates it was sold at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain.errors import Conflict, InvalidInput
from callcenter.domain.money import parse_amount
from callcenter.models import RatePlan, Tenant
from callcenter.services import audit
from callcenter.services.access import Actor, require_admin
from callcenter.services.tenants import current_rate_plan, increment_from

MAX_PREFIXES = 5000


def parse_prefixes(items: object) -> dict[str, int]:
    """[{prefix: "4420", per_minute: "0.02"}] -> {"4420": 20000}; digits only, unique."""
    if not isinstance(items, list) or len(items) > MAX_PREFIXES:
        raise InvalidInput(f"prefixes must be a list of at most {MAX_PREFIXES} entries",
                           details={"field": "prefixes"})
    result: dict[str, int] = {}
    for i, item in enumerate(items):
        prefix = item.get("prefix") if isinstance(item, dict) else None
        if not isinstance(prefix, str) or not prefix.isdigit() or not 1 <= len(prefix) <= 15 \
                or not prefix.isascii():
            raise InvalidInput(f"prefixes[{i}].prefix must be 1-15 digits (no +)",
                               details={"field": f"prefixes[{i}].prefix"})
        if prefix in result:
            raise InvalidInput(f"prefix {prefix} is listed twice",
                               details={"field": f"prefixes[{i}].prefix"})
        result[prefix] = parse_amount(item.get("per_minute"), field=f"prefixes[{i}].per_minute",
                                      allow_zero=True)
    return result


def set_rates(session: Session, actor: Actor, tenant: Tenant, data: dict, *,
              now: datetime) -> RatePlan:
    """Validate a whole plan and store it as the next version."""
    require_admin(actor)
    increment = increment_from(data.get("billing_increment", "60/60"))
    plan = RatePlan(
        tenant_id=tenant.id,
        default_per_minute_micros=parse_amount(data.get("default_per_minute"),
                                               field="default_per_minute", allow_zero=True),
        initial_increment=increment.initial, subsequent_increment=increment.subsequent,
        connect_fee_micros=parse_amount(data.get("connect_fee", "0"), field="connect_fee",
                                        allow_zero=True),
        prefixes=parse_prefixes(data.get("prefixes", [])), created_at=now,
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
                 version=plan.version, prefixes=len(plan.prefixes))
    return plan
