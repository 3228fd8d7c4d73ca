"""The tenant dashboard's figures: one query per figure, days in the tenant's timezone.

Spend is what the tenant was charged (calls, SMS, seat rent, late fees); the burn rate
that estimates the days of calling left counts usage only (calls and SMS) over the last
7 x 24 hours, since rent is charged in lumps at renewals. Agents see their own seats'
calls only, and no money figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle, usage
from callcenter.models import Call, LedgerEntry, Seat, Tenant
from callcenter.services.access import Actor

SPEND_KINDS = ("call", "sms", "seat_rental", "late_fee")
USAGE_KINDS = ("call", "sms")


@dataclass(frozen=True)
class Figures:
    """Everything the dashboard shows beyond the tenant's own row."""

    today: date
    spend: list[usage.DayValue]  # micro-units charged per local day (owners only)
    minutes: list[usage.DayValue]  # billed seconds per local day
    balance: list[usage.DayValue]  # the balance at each day's end (owners only)
    burn_per_day_micros: int
    days_left: Decimal | None
    placed: int
    answered: int
    answer_rate: Decimal | None


def _day_index(column, bounds: list[datetime]):
    """SQL: which of the days delimited by `bounds` a moment falls in (0 = the first)."""
    whens = [(column < bound, i) for i, bound in enumerate(bounds[1:-1])]
    return sa.case(*whens, else_=len(bounds) - 2) if whens else sa.literal(0)


def _own_calls(actor: Actor, tenant_id: int):
    """The calls the actor may see: an agent's seats' only."""
    where = [Call.tenant_id == tenant_id]
    if actor.role == "agent":
        where.append(Call.seat_id.in_(sa.select(Seat.id)
                                      .where(Seat.agent_user_id == actor.user_id)))
    return where


def spend_by_day(session: Session, tenant_id: int, bounds: list[datetime]) -> dict[int, int]:
    """Micro-units charged per day (positive numbers)."""
    idx = _day_index(LedgerEntry.created_at, bounds)
    rows = session.execute(
        sa.select(idx, sa.func.sum(-LedgerEntry.amount_micros))
        .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.kind.in_(SPEND_KINDS),
               LedgerEntry.created_at >= bounds[0], LedgerEntry.created_at < bounds[-1])
        .group_by(idx))
    return {int(i): int(v or 0) for i, v in rows}


def billed_seconds_by_day(session: Session, actor: Actor, tenant_id: int,
                          bounds: list[datetime]) -> dict[int, int]:
    """Billed seconds of the calls placed each day."""
    idx = _day_index(Call.created_at, bounds)
    rows = session.execute(
        sa.select(idx, sa.func.sum(sa.func.coalesce(Call.billed_seconds, 0)))
        .where(*_own_calls(actor, tenant_id), Call.created_at >= bounds[0],
               Call.created_at < bounds[-1])
        .group_by(idx))
    return {int(i): int(v or 0) for i, v in rows}


def balance_by_day(session: Session, tenant_id: int, bounds: list[datetime]
                   ) -> tuple[int, dict[int, int]]:
    """(the balance before the first day, the balance after each day's last entry)."""
    opening = session.scalar(
        sa.select(LedgerEntry.balance_after_micros)
        .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.created_at < bounds[0])
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()).limit(1)) or 0
    idx = _day_index(LedgerEntry.created_at, bounds).label("day")
    last = (sa.select(idx, sa.func.max(LedgerEntry.id).label("last_id"))
            .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.created_at >= bounds[0],
                   LedgerEntry.created_at < bounds[-1])
            .group_by(idx).subquery())
    rows = session.execute(sa.select(last.c.day, LedgerEntry.balance_after_micros)
                           .join(LedgerEntry, LedgerEntry.id == last.c.last_id))
    return int(opening), {int(i): int(v) for i, v in rows}


def usage_since(session: Session, tenant_id: int, since: datetime) -> int:
    """Micro-units charged for calls and SMS since `since`."""
    return int(session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(-LedgerEntry.amount_micros), 0))
        .where(LedgerEntry.tenant_id == tenant_id, LedgerEntry.kind.in_(USAGE_KINDS),
               LedgerEntry.created_at >= since)) or 0)


def call_counts(session: Session, actor: Actor, tenant_id: int, since: datetime
                ) -> tuple[int, int]:
    """(placed, answered) since `since`, as statements count them: placed = not refused
    (answered, unanswered and failed alike), answered = completed with a duration."""
    placed = Call.status != "refused"
    answered = sa.and_(Call.status == "completed", Call.duration_seconds > 0)
    row = session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(sa.case((placed, 1), else_=0)), 0),
                  sa.func.coalesce(sa.func.sum(sa.case((answered, 1), else_=0)), 0))
        .where(*_own_calls(actor, tenant_id), Call.created_at >= since)).one()
    return int(row[0]), int(row[1])


def figures(session: Session, actor: Actor, tenant: Tenant, *, now: datetime) -> Figures:
    """The dashboard's figures for `tenant` as `actor` may see them."""
    today = lifecycle.local_date(tenant, now)
    bounds = usage.day_bounds(tenant.timezone, today, usage.CHART_DAYS)
    first = today - timedelta(days=usage.CHART_DAYS - 1)
    owner = actor.role != "agent"
    spend: list[usage.DayValue] = []
    balance: list[usage.DayValue] = []
    burn = 0
    if owner:
        spend = usage.series(first, spend_by_day(session, tenant.id, bounds),
                             usage.CHART_DAYS)
        opening, ends = balance_by_day(session, tenant.id, bounds)
        balance = usage.carried(first, ends, opening, usage.CHART_DAYS)
        burn = usage.burn_rate(usage_since(session, tenant.id,
                                           now - timedelta(days=usage.BURN_DAYS)))
    minutes = usage.series(first, billed_seconds_by_day(session, actor, tenant.id, bounds),
                           usage.CHART_DAYS)
    placed, answered = call_counts(session, actor, tenant.id, bounds[0])
    return Figures(today=today, spend=spend, minutes=minutes, balance=balance,
                   burn_per_day_micros=burn,
                   days_left=usage.days_left(tenant.available_micros, burn) if owner else None,
                   placed=placed, answered=answered,
                   answer_rate=usage.answer_rate(placed, answered))


@dataclass(frozen=True)
class Consequence:
    """What the tenant's status means and the next date something happens."""

    status: str
    key: str  # which explanation the page shows
    on: date | None


def next_consequence(tenant: Tenant, *, next_renewal_on: date | None,
                     suspends_on: date | None, terminates_on: date | None) -> Consequence:
    """The status's meaning: renewal for active, suspension for past due, termination
    for a suspension that auto-terminates."""
    status = tenant.status
    if status == lifecycle.ACTIVE:
        return Consequence(status, "renews", next_renewal_on)
    if status == lifecycle.PAST_DUE:
        return Consequence(status, "suspends", suspends_on)
    if status == lifecycle.SUSPENDED:
        if tenant.suspension_cause == lifecycle.TERMINATION:
            return Consequence(status, "terminating", None)
        key = "suspended_unpaid" if tenant.suspension_cause == lifecycle.UNPAID \
            else "suspended_admin"
        return Consequence(status, key, terminates_on)
    return Consequence(status, status, None)
