"""Tenant lifecycle: creation with an owner, settings, suspension and resumption."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import Conflict, InvalidState
from callcenter.domain.rating import Increment
from callcenter.models import RatePlan, Seat, Tenant, User
from callcenter.services import alerts, audit, events
from callcenter.services.access import Actor, require_admin
from callcenter.services.auth import create_user


@dataclass(frozen=True)
class NewTenant:
    """A tenant to create, its values already parsed (micro-units, an Increment)."""

    name: str
    currency: str
    timezone: str
    owner_email: str
    owner_password: str
    rate_per_minute_micros: int
    increment: Increment
    connect_fee_micros: int
    seat_price_monthly_micros: int
    billing_period_months: int


class Unset:
    """The value of a setting a change leaves alone."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


@dataclass(frozen=True)
class SettingsChange:
    """New values for some of a tenant's settings (named as the Tenant's columns)."""

    name: str | Unset = UNSET
    consent_required: bool | Unset = UNSET
    script_required: bool | Unset = UNSET
    calling_window: dict | None | Unset = UNSET  # schedule JSON; None: no own window
    no_calls_on_holidays: bool | Unset = UNSET
    low_balance_threshold_micros: int | Unset = UNSET
    grace_days: int | Unset = UNSET
    caller_id: str | Unset = UNSET
    timezone: str | Unset = UNSET
    seat_price_monthly_micros: int | Unset = UNSET
    billing_period_months: int | Unset = UNSET
    late_fee_ppm_per_day: int | Unset = UNSET
    auto_terminate_after_days: int | None | Unset = UNSET
    sms_sender: str | None | Unset = UNSET  # E.164 number or Messaging Service SID
    sms_signature: str | None | Unset = UNSET
    sms_opt_out_text: str | None | Unset = UNSET
    sms_opt_out_text_cn: str | None | Unset = UNSET
    tax_rate_ppm: int | Unset = UNSET  # VAT-style, prices tax-inclusive
    legal_name: str | None | Unset = UNSET
    tax_id: str | None | Unset = UNSET
    address: str | None | Unset = UNSET
    invoice_usage_monthly: bool | Unset = UNSET  # usage invoices instead of per payment

    def given(self) -> dict[str, object]:
        """The settings this change sets."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not UNSET}


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
                         initial_increment=new.increment.initial,
                         subsequent_increment=new.increment.subsequent,
                         connect_fee_micros=new.connect_fee_micros, prefixes={},
                         seat_price_monthly_micros=new.seat_price_monthly_micros,
                         created_at=now, effective_at=now))
    session.flush()
    audit.record(session, actor, "tenant.create", tenant_id=tenant.id, now=now,
                 name=tenant.name, owner_email=new.owner_email.lower())
    return tenant


def update_settings(session: Session, actor: Actor, tenant: Tenant, change: SettingsChange,
                    *, now: datetime) -> Tenant:
    """Apply a change of settings, all of it or, on a refused rule, none."""
    require_admin(actor)
    changes = change.given()
    months = changes.get("billing_period_months", tenant.billing_period_months)
    if months != tenant.billing_period_months and tenant.status != lifecycle.PENDING:
        # Periods are counted from the anchor with one length; a change mid-cycle
        # would need a re-anchoring that is not built.
        raise InvalidState("the billing period can only be changed before activation")
    seat_price = changes.get("seat_price_monthly_micros", tenant.seat_price_monthly_micros)
    if seat_price != tenant.seat_price_monthly_micros:
        if tenant.status != lifecycle.PENDING:
            # Tenants are owed notice of a raise: the price changes with a dated plan.
            raise InvalidState("after activation the seat price changes with a new rate plan "
                               "(PUT /tenants/{id}/rates), which gives notice of a raise")
        # Nobody has paid rent yet: every version so far carries the new price.
        session.execute(sa.update(RatePlan).where(RatePlan.tenant_id == tenant.id)
                        .values(seat_price_monthly_micros=seat_price))
    sender = changes.get("sms_sender")
    if sender is not None and session.scalar(sa.select(Tenant.id).where(
            Tenant.sms_sender == sender, Tenant.id != tenant.id)) is not None:
        # Replies to a sender are its tenant's: two tenants cannot share one.
        raise Conflict("another tenant already sends from this number")
    for field, value in changes.items():
        setattr(tenant, field, value)
    tenant.updated_at = now
    if "low_balance_threshold_micros" in changes:
        alerts.threshold_changed(session, tenant, now=now)
    audit.record(session, actor, "tenant.update", tenant_id=tenant.id, now=now,
                 fields=sorted(changes))
    return tenant


def suspend(session: Session, actor: Actor, tenant: Tenant, reason: str, *,
            now: datetime) -> Tenant:
    """Suspend service by an admin decision, with a reason."""
    require_admin(actor)
    previous = tenant.status
    lifecycle.suspend(tenant, lifecycle.ADMIN, reason, now=now)
    events.tenant_status(session, tenant, "tenant.suspended", now=now)
    audit.record(session, actor, "tenant.suspend", tenant_id=tenant.id, now=now,
                 reason=reason.strip(), previous=previous)
    return tenant


def resume(session: Session, actor: Actor, tenant: Tenant, reason: str, *,
           now: datetime) -> Tenant:
    """Lift a suspension, with a reason."""
    require_admin(actor)
    lifecycle.resume(tenant, reason, now=now)
    events.tenant_status(session, tenant, "tenant.resumed", now=now)
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


def rate_plan_at(session: Session, tenant_id: int, at: datetime) -> RatePlan | None:
    """The rate plan in force at `at`: the newest version effective by then.

    A newer version replaces every older one from its effective date on, scheduled or
    not (services/rates.py); this one query is the only place that decides it.
    """
    return session.scalars(sa.select(RatePlan).where(RatePlan.tenant_id == tenant_id,
                                                     RatePlan.effective_at <= at)
                           .order_by(RatePlan.version.desc()).limit(1)).first()


@dataclass(frozen=True)
class TenantFacts:
    """What a tenant's view shows beyond its own row."""

    active_seats: int
    rate_plan: RatePlan | None


def facts_for(session: Session, tenant_ids: list[int], *,
              at: datetime) -> dict[int, TenantFacts]:
    """Active seat counts and rate plans in force at `at` for many tenants, in two
    queries."""
    if not tenant_ids:
        return {}
    seats = dict(session.execute(
        sa.select(Seat.tenant_id, sa.func.count(Seat.id))
        .where(Seat.tenant_id.in_(tenant_ids), Seat.status == "active")
        .group_by(Seat.tenant_id)).all())
    newest = (sa.select(RatePlan.tenant_id, sa.func.max(RatePlan.version).label("version"))
              .where(RatePlan.tenant_id.in_(tenant_ids), RatePlan.effective_at <= at)
              .group_by(RatePlan.tenant_id).subquery())
    plans = {plan.tenant_id: plan for plan in session.scalars(
        sa.select(RatePlan).join(newest, sa.and_(RatePlan.tenant_id == newest.c.tenant_id,
                                                 RatePlan.version == newest.c.version)))}
    return {tid: TenantFacts(seats.get(tid, 0), plans.get(tid)) for tid in tenant_ids}

