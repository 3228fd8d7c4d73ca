"""Tenant lifecycle: creation with an owner, settings, suspension and resumption."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.calling_hours import parse_schedule, schedule_to_json
from callcenter.domain.errors import InvalidInput, InvalidState
from callcenter.domain.money import normalize_currency, parse_amount
from callcenter.domain.rating import Increment, parse_increment
from callcenter.models import RatePlan, Seat, Tenant, User
from callcenter.services import audit
from callcenter.services.access import Actor, require_admin
from callcenter.services.auth import check_password_rules, create_user, normalize_email

_TIMEZONES = frozenset(available_timezones())


@dataclass(frozen=True)
class NewTenant:
    """Validated input for `create_tenant`."""

    name: str
    currency: str
    timezone: str
    owner_email: str
    owner_password: str
    rate_per_minute_micros: int
    initial_increment: int
    subsequent_increment: int
    connect_fee_micros: int
    seat_price_monthly_micros: int
    billing_period_months: int


def increment_from(value: object) -> Increment:
    """"60/60" -> Increment(60, 60), or InvalidInput naming the field."""
    try:
        return parse_increment(value if isinstance(value, str) else "")
    except ValueError as exc:
        raise InvalidInput(f"billing_increment: {exc}",
                           details={"field": "billing_increment"}) from exc


def _text(data: dict, field: str, max_len: int = 200) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip() or len(value) > max_len:
        raise InvalidInput(f"{field} is required (text up to {max_len} characters)",
                           details={"field": field})
    return value.strip()


def validate_timezone(value: object) -> str:
    """An IANA timezone name, or InvalidInput."""
    if not isinstance(value, str) or value not in _TIMEZONES:
        raise InvalidInput("timezone must be an IANA name such as \"Asia/Shanghai\"",
                           details={"field": "timezone"})
    return value


def parse_new_tenant(data: dict) -> NewTenant:
    """Validate the body of `POST /tenants` without touching the database."""
    increment = increment_from(data.get("billing_increment", "60/60"))
    connect_fee = data.get("connect_fee", "0")
    return NewTenant(
        name=_text(data, "name"),
        currency=normalize_currency(data.get("currency")),
        timezone=validate_timezone(data.get("timezone")),
        owner_email=normalize_email(data.get("owner_email")),
        owner_password=check_password_rules(data.get("owner_password"), "owner_password"),
        rate_per_minute_micros=parse_amount(data.get("rate_per_minute"),
                                            field="rate_per_minute", allow_zero=True),
        initial_increment=increment.initial,
        subsequent_increment=increment.subsequent,
        connect_fee_micros=parse_amount(connect_fee, field="connect_fee", allow_zero=True),
        seat_price_monthly_micros=parse_amount(data.get("seat_price_monthly"),
                                               field="seat_price_monthly", allow_zero=True),
        billing_period_months=_period_months(data.get("billing_period_months", 1)),
    )


def _period_months(value: object) -> int:
    if value not in (1, 3, 12) or isinstance(value, bool):
        raise InvalidInput("billing_period_months must be 1, 3 or 12",
                           details={"field": "billing_period_months"})
    return value  # type: ignore[return-value]


def _percent_ppm(value: object, field: str) -> int:
    """A percentage string such as "0.5" as parts per million (5000)."""
    micros = parse_amount(value, field=field, allow_zero=True)  # 6 decimals, a string
    if micros > 100 * 1_000_000:
        raise InvalidInput(f"{field} must be at most 100", details={"field": field})
    if micros % 100:
        raise InvalidInput(f"{field} takes at most 4 decimals", details={"field": field})
    return micros // 100


def create_tenant(session: Session, actor: Actor, new: NewTenant, *, now: datetime) -> Tenant:
    """Create a pending tenant, its owner and its first rate plan."""
    require_admin(actor)
    tenant = Tenant(name=new.name, currency=new.currency, timezone=new.timezone,
                    status=lifecycle.PENDING,
                    seat_price_monthly_micros=new.seat_price_monthly_micros,
                    billing_period_months=new.billing_period_months,
                    created_at=now, updated_at=now)
    session.add(tenant)
    session.flush()
    tenant.account_code = f"T{tenant.id:06d}"
    create_user(session, email=new.owner_email, password=new.owner_password, role="owner",
                tenant_id=tenant.id, now=now)
    session.add(RatePlan(tenant_id=tenant.id, version=1,
                         default_per_minute_micros=new.rate_per_minute_micros,
                         initial_increment=new.initial_increment,
                         subsequent_increment=new.subsequent_increment,
                         connect_fee_micros=new.connect_fee_micros, prefixes={},
                         created_at=now))
    session.flush()
    audit.record(session, actor, "tenant.create", tenant_id=tenant.id, now=now,
                 name=tenant.name, owner_email=new.owner_email.lower())
    return tenant


def _bool(data: dict, field: str) -> bool:
    value = data[field]
    if not isinstance(value, bool):
        raise InvalidInput(f"{field} must be true or false", details={"field": field})
    return value


def update_settings(session: Session, actor: Actor, tenant: Tenant, data: dict, *,
                    now: datetime) -> Tenant:
    """Apply `PATCH /tenants/{id}`: only known fields, all validated before any change."""
    require_admin(actor)
    known = {"name", "consent_required", "script_required", "calling_window",
             "no_calls_on_holidays",
             "low_balance_threshold", "grace_days", "caller_id", "timezone",
             "seat_price_monthly", "billing_period_months", "late_fee_percent_per_day",
             "auto_terminate_after_days"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(unknown)}", details={"fields": unknown})
    changes: dict[str, object] = {}
    if "name" in data:
        changes["name"] = _text(data, "name")
    for flag in ("consent_required", "script_required"):
        if flag in data:
            changes[flag] = _bool(data, flag)
    if "calling_window" in data:
        window = data["calling_window"]
        try:
            # Stored as given; the platform cap narrows it when calls are checked.
            changes["calling_window"] = (None if window is None
                                         else schedule_to_json(parse_schedule(window)))
        except ValueError as exc:
            raise InvalidInput(f"calling_window: {exc}",
                               details={"field": "calling_window"}) from exc
    if "no_calls_on_holidays" in data:
        changes["no_calls_on_holidays"] = _bool(data, "no_calls_on_holidays")
    if "low_balance_threshold" in data:
        changes["low_balance_threshold_micros"] = parse_amount(
            data["low_balance_threshold"], field="low_balance_threshold", allow_zero=True)
    if "grace_days" in data:
        days = data["grace_days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 90:
            raise InvalidInput("grace_days must be a whole number from 0 to 90",
                               details={"field": "grace_days"})
        changes["grace_days"] = days
    if "caller_id" in data:
        changes["caller_id"] = _text(data, "caller_id", 32)
    if "timezone" in data:
        changes["timezone"] = validate_timezone(data["timezone"])
    if "seat_price_monthly" in data:
        changes["seat_price_monthly_micros"] = parse_amount(
            data["seat_price_monthly"], field="seat_price_monthly", allow_zero=True)
    if "billing_period_months" in data:
        months = _period_months(data["billing_period_months"])
        if months != tenant.billing_period_months and tenant.status != lifecycle.PENDING:
            # Periods are counted from the anchor with one length; a change mid-cycle
            # would need a re-anchoring that is not built.
            raise InvalidState("the billing period can only be changed before activation")
        changes["billing_period_months"] = months
    if "late_fee_percent_per_day" in data:
        changes["late_fee_ppm_per_day"] = _percent_ppm(data["late_fee_percent_per_day"],
                                                       "late_fee_percent_per_day")
    if "auto_terminate_after_days" in data:
        days = data["auto_terminate_after_days"]
        if days is not None and (not isinstance(days, int) or isinstance(days, bool)
                                 or not 1 <= days <= 365):
            raise InvalidInput("auto_terminate_after_days must be null or 1 to 365",
                               details={"field": "auto_terminate_after_days"})
        changes["auto_terminate_after_days"] = days
    for field, value in changes.items():
        setattr(tenant, field, value)
    tenant.updated_at = now
    audit.record(session, actor, "tenant.update", tenant_id=tenant.id, now=now,
                 fields=sorted(changes))
    return tenant


def suspend(session: Session, actor: Actor, tenant: Tenant, reason: str, *,
            now: datetime) -> Tenant:
    """Suspend service by an admin decision, with a reason."""
    require_admin(actor)
    previous = tenant.status
    lifecycle.suspend(tenant, lifecycle.ADMIN, reason, now=now)
    audit.record(session, actor, "tenant.suspend", tenant_id=tenant.id, now=now,
                 reason=reason.strip(), previous=previous)
    return tenant


def resume(session: Session, actor: Actor, tenant: Tenant, reason: str, *,
           now: datetime) -> Tenant:
    """Lift a suspension, with a reason."""
    require_admin(actor)
    lifecycle.resume(tenant, reason, now=now)
    audit.record(session, actor, "tenant.resume", tenant_id=tenant.id, now=now,
                 reason=reason.strip())
    return tenant


def list_tenants(session: Session, actor: Actor, *, q: str | None = None,
                 status: str | None = None, limit: int = 100) -> list[Tenant]:
    """Tenants the actor may see: all for admins (searchable), only its own otherwise."""
    stmt = sa.select(Tenant).order_by(Tenant.id)
    if not actor.is_admin:
        stmt = stmt.where(Tenant.id == actor.tenant_id)
    if q:
        like = f"%{q.strip().lower()}%"
        owner_match = sa.select(User.tenant_id).where(sa.func.lower(User.email).like(like))
        stmt = stmt.where(sa.or_(sa.func.lower(Tenant.name).like(like),
                                 sa.func.lower(Tenant.account_code).like(like),
                                 Tenant.id.in_(owner_match)))
    if status:
        stmt = stmt.where(Tenant.status == status)
    return list(session.scalars(stmt.limit(limit)))


def current_rate_plan(session: Session, tenant_id: int) -> RatePlan | None:
    """The rate plan in force: the highest version."""
    return session.scalars(sa.select(RatePlan).where(RatePlan.tenant_id == tenant_id)
                           .order_by(RatePlan.version.desc()).limit(1)).first()


@dataclass(frozen=True)
class TenantFacts:
    """What a tenant's view shows beyond its own row."""

    active_seats: int
    rate_plan: RatePlan | None


def facts_for(session: Session, tenant_ids: list[int]) -> dict[int, TenantFacts]:
    """Active seat counts and rate plans in force for many tenants, in two queries."""
    if not tenant_ids:
        return {}
    seats = dict(session.execute(
        sa.select(Seat.tenant_id, sa.func.count(Seat.id))
        .where(Seat.tenant_id.in_(tenant_ids), Seat.status == "active")
        .group_by(Seat.tenant_id)).all())
    newest = (sa.select(RatePlan.tenant_id, sa.func.max(RatePlan.version).label("version"))
              .where(RatePlan.tenant_id.in_(tenant_ids)).group_by(RatePlan.tenant_id)
              .subquery())
    plans = {plan.tenant_id: plan for plan in session.scalars(
        sa.select(RatePlan).join(newest, sa.and_(RatePlan.tenant_id == newest.c.tenant_id,
                                                 RatePlan.version == newest.c.version)))}
    return {tid: TenantFacts(seats.get(tid, 0), plans.get(tid)) for tid in tenant_ids}

