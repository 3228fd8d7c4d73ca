"""Rate plans: a new version per change, each in force from its effective date, so every
call and message keeps the rates in force when it was authorized.

A version replaces every older one from its `effective_at` on, whether the older one is
in force or only scheduled: publishing today's prices again cancels a scheduled change.
A plan that raises any price (per minute, any prefix, the increment, the connect fee,
SMS, the seat) takes effect no sooner than `notice_days` after it is published unless an
admin records that the tenant agreed (audited); a lowering may take effect at once. The
tenant's owners are mailed the old and new prices, and the dashboard shows them side by
side until the effective date passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain import price_change
from callcenter.domain.errors import Conflict, InvalidInput, ShortNotice
from callcenter.domain.money import format_amount
from callcenter.domain.rating import Increment
from callcenter.models import RatePlan, Tenant
from callcenter.services import audit, mail, mail_texts
from callcenter.services.access import Actor, require_admin
from callcenter.services.tenants import rate_plan_at
from callcenter.services.uow import UnitOfWork

MAX_PREFIXES = 5000
PRICE_NOTICE_DAYS = 30  # the default of the PRICE_NOTICE_DAYS setting
# An effective date this little in the past (clock skew, a slow form) means "now".
PAST_TOLERANCE = timedelta(minutes=5)


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
    seat_price_monthly_micros: int | None = None  # None: the seat price stays as it is
    effective_at: datetime | None = None  # None: now
    tenant_consent: bool = False  # to a raise on shorter notice, recorded by an admin
    consent_note: str | None = None  # how the tenant agreed


@dataclass(frozen=True)
class Scheduled:
    """A published plan not yet in force, and the plan it will replace."""

    plan: RatePlan
    replaces: RatePlan | None
    changes: list[price_change.Change]


def seat_price(plan: RatePlan | None, tenant: Tenant) -> int:
    """A seat's monthly rent under `plan` (older plans carry none: the tenant's)."""
    if plan is None or plan.seat_price_monthly_micros is None:
        return tenant.seat_price_monthly_micros
    return plan.seat_price_monthly_micros


def seat_price_at(session: Session, tenant: Tenant, at: datetime) -> int:
    """A seat's monthly rent under the plan in force at `at`."""
    return seat_price(rate_plan_at(session, tenant.id, at), tenant)


def seat_price_on(session: Session, tenant: Tenant, day) -> int:
    """A seat's monthly rent under the plan in force when `day` starts in the tenant's
    timezone (a renewal date)."""
    start = datetime.combine(day, time(0), ZoneInfo(tenant.timezone)).astimezone(UTC)
    return seat_price_at(session, tenant, start)


def prices(plan: RatePlan | None, tenant: Tenant) -> price_change.Prices:
    """What a tenant pays under `plan`, for comparisons."""
    if plan is None:
        return price_change.Prices(0, (60, 60), 0, seat_price_monthly=seat_price(None, tenant))
    return price_change.Prices(
        plan.default_per_minute_micros, (plan.initial_increment, plan.subsequent_increment),
        plan.connect_fee_micros, dict(plan.prefixes or {}), plan.sms_per_segment_micros,
        dict(plan.sms_prefixes or {}), seat_price(plan, tenant))


def _versions(session: Session, tenant_id: int) -> list[RatePlan]:
    return list(session.scalars(sa.select(RatePlan).where(RatePlan.tenant_id == tenant_id)
                                .order_by(RatePlan.version)))


def _in_force(versions: list[RatePlan], at: datetime) -> RatePlan | None:
    """The rule of `tenants.rate_plan_at`, over versions already loaded."""
    found = [p for p in versions if p.effective_at <= at]
    return found[-1] if found else None


def scheduled(session: Session, tenant: Tenant, *, now: datetime) -> list[Scheduled]:
    """Published plans that will come into force (not replaced first), soonest first."""
    versions = _versions(session, tenant.id)
    out = []
    for plan in versions:
        if plan.effective_at <= now or _in_force(versions, plan.effective_at) is not plan:
            continue
        before = _in_force(versions, plan.effective_at - timedelta(microseconds=1))
        out.append(Scheduled(plan, before, price_change.changes(prices(before, tenant),
                                                                prices(plan, tenant))))
    return sorted(out, key=lambda s: s.plan.effective_at)


def _baselines(versions: list[RatePlan], effective_at: datetime) -> list[RatePlan]:
    """The plans a new version effective at `effective_at` replaces: the one in force
    then and every scheduled one due later (each would otherwise have applied)."""
    out = [p for p in [_in_force(versions, effective_at)] if p is not None]
    out += [p for p in versions if p.effective_at > effective_at
            and _in_force(versions, p.effective_at) is p]
    return out


def set_rates(session: Session, actor: Actor, tenant: Tenant, new: Rates, *,
              now: datetime, notice_days: int = PRICE_NOTICE_DAYS) -> RatePlan:
    """Publish a whole plan as the tenant's next version, in force from its
    `effective_at` (default now); a raise sooner than `notice_days` ahead needs the
    tenant's consent."""
    require_admin(actor)
    effective_at, tenant_consent = new.effective_at, new.tenant_consent
    when = now if effective_at is None or now - PAST_TOLERANCE <= effective_at <= now \
        else effective_at
    if when < now:
        raise InvalidInput("effective_at is in the past", details={"field": "effective_at"})
    note = (new.consent_note or "").strip() or None
    if tenant_consent and note is None:
        raise InvalidInput("say how the tenant agreed (consent_note)",
                           details={"field": "consent_note"})
    session.execute(sa.select(Tenant.id).where(Tenant.id == tenant.id).with_for_update())
    versions = _versions(session, tenant.id)
    replaced = _in_force(versions, when)
    seat = new.seat_price_monthly_micros
    if seat is None:
        seat = seat_price(replaced, tenant)
    plan = RatePlan(
        tenant_id=tenant.id, default_per_minute_micros=new.default_per_minute_micros,
        initial_increment=new.increment.initial,
        subsequent_increment=new.increment.subsequent,
        connect_fee_micros=new.connect_fee_micros, prefixes=dict(new.prefixes),
        sms_per_segment_micros=new.sms_per_segment_micros,
        sms_prefixes=dict(new.sms_prefixes), seat_price_monthly_micros=seat,
        created_at=now, effective_at=when, tenant_consent=bool(tenant_consent),
        consent_note=note if tenant_consent else None,
    )
    raised = sorted({c.item for old in _baselines(versions, when)
                     for c in price_change.raises(prices(old, tenant), prices(plan, tenant))})
    earliest = now + timedelta(days=notice_days)
    short = bool(raised) and when < earliest
    if short and not tenant_consent:
        raise ShortNotice(
            f"this plan raises prices ({', '.join(raised)}): it can take effect on "
            f"{earliest.isoformat()} at the earliest, or sooner with the tenant's consent "
            "(tenant_consent with a consent_note)",
            details={"field": "effective_at", "earliest_effective_at": earliest.isoformat(),
                     "notice_days": notice_days, "raised": raised})
    plan.version = (versions[-1].version if versions else 0) + 1
    try:
        with session.begin_nested():
            session.add(plan)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("the rates were changed at the same time; reload and retry") from exc
    audit.record(session, actor, "rates.set", tenant_id=tenant.id, now=now,
                 version=plan.version, prefixes=len(plan.prefixes),
                 sms_prefixes=len(plan.sms_prefixes), effective_at=when.isoformat(),
                 raised=raised, short_notice_consent=note if short else None)
    _tell_tenant(session, tenant, replaced, plan, now=now)
    return plan


def _tell_tenant(session: Session, tenant: Tenant, old: RatePlan | None, new: RatePlan, *,
                 now: datetime) -> None:
    """Mail the owners the old and new prices (nothing when no price changes)."""
    changed = price_change.changes(prices(old, tenant), prices(new, tenant))
    groups = mail.owners_by_locale(session, tenant.id)
    if not groups or all(c.old is None for c in changed):
        return  # nothing changed, or only a service offered for the first time
    local = new.effective_at.astimezone(ZoneInfo(tenant.timezone))
    for n, (locale, to) in enumerate(groups.items()):
        subject, body = mail_texts.price_change(
            locale=locale, name=tenant.name, currency=tenant.currency,
            timezone=tenant.timezone, effective=local.strftime("%Y-%m-%d %H:%M"), lines=[
                (label(c.item), show(c.old, c), show(c.new, c)) for c in changed])
        mail.queue(UnitOfWork.of(session), to=to, subject=subject, body=body,
                   topic="price_change", now=now, tenant_id=tenant.id, path="/portal/",
                   dedupe_key=mail.dedupe_for(f"price-change:{new.id}", locale, n == 0))


_LABELS = {"per_minute": "Calls, per minute", "billing_increment": "Billing increment",
           "connect_fee": "Connect fee", "sms_per_segment": "SMS, per segment",
           "seat_price_monthly": "Seat, per month"}


def label(item: str) -> str:
    """An English name of a price item ("per_minute:44" -> "Calls, per minute: +44")."""
    base, _, prefix = item.partition(":")
    return f"{_LABELS[base]}: +{prefix}" if prefix else _LABELS[base]


def show(value: int | str | None, change: price_change.Change) -> str:
    """A price for people: a decimal amount, the increment as is, or "-" (not sold)."""
    if value is None:
        return "-"
    return format_amount(value) if change.is_money and isinstance(value, int) else str(value)
