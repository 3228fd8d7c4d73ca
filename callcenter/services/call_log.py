"""Reading calls: filters, agent scoping, pages and CSV rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput
from callcenter.domain.money import format_amount
from callcenter.domain.untrusted import parse_id
from callcenter.models import CALL_STATUSES, Call, Seat
from callcenter.services.access import Actor


@dataclass(frozen=True)
class CallFilter:
    """Validated filters of a call listing; dates are calendar days in `zone` (the API's
    are UTC, the pages' the tenant's timezone), inclusive."""

    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    seat_id: int | None = None
    number: str | None = None
    zone: str = "UTC"


def parse_filter(args: dict, zone: str = "UTC") -> CallFilter:
    """Query-string values -> CallFilter, or InvalidInput naming the field."""
    def day(name: str) -> date | None:
        value = args.get(name) or None
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(f"{name} must be a date like 2026-03-01",
                               details={"field": name}) from exc

    status = args.get("status") or None
    if status is not None and status not in CALL_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(CALL_STATUSES)}",
                           details={"field": "status"})
    seat = args.get("seat_id") or None
    seat_id = parse_id(seat, "seat_id") if seat is not None else None
    number = (args.get("number") or "").strip() or None
    return CallFilter(day("from"), day("to"), status, seat_id, number, zone)


def _scoped(actor: Actor, tenant_id: int, f: CallFilter):
    stmt = sa.select(Call).where(Call.tenant_id == tenant_id)
    if actor.role == "agent":
        # Agents see the calls of the seats assigned to them, nothing else.
        mine = sa.select(Seat.id).where(Seat.agent_user_id == actor.user_id)
        stmt = stmt.where(Call.seat_id.in_(mine))
    tz = ZoneInfo(f.zone)
    if f.date_from:
        start = datetime.combine(f.date_from, time(), tz).astimezone(UTC)
        stmt = stmt.where(Call.created_at >= start)
    if f.date_to:
        end = datetime.combine(f.date_to + timedelta(days=1), time(), tz).astimezone(UTC)
        stmt = stmt.where(Call.created_at < end)
    if f.status:
        stmt = stmt.where(Call.status == f.status)
    if f.seat_id:
        stmt = stmt.where(Call.seat_id == f.seat_id)
    if f.number:
        digits = "".join(ch for ch in f.number if ch.isdigit())
        stmt = stmt.where(Call.callee.contains(digits or f.number, autoescape=True))
    return stmt


def calls(session: Session, actor: Actor, tenant_id: int, f: CallFilter, *,
          before_id: int | None = None, limit: int = 50) -> list[Call]:
    """A page of calls, newest first."""
    stmt = _scoped(actor, tenant_id, f)
    if before_id is not None:
        stmt = stmt.where(Call.id < before_id)
    return list(session.scalars(stmt.order_by(Call.id.desc()).limit(limit)))


@dataclass(frozen=True)
class CallTotals:
    """The totals of a filtered listing: calls, billed seconds, charges."""

    calls: int
    billed_seconds: int
    charge_micros: int


def totals(session: Session, actor: Actor, tenant_id: int, f: CallFilter) -> CallTotals:
    """Totals of every call the filter matches (not just the page shown), in one query."""
    sub = _scoped(actor, tenant_id, f).subquery()
    row = session.execute(sa.select(
        sa.func.count(sub.c.id), sa.func.coalesce(sa.func.sum(sub.c.billed_seconds), 0),
        sa.func.coalesce(sa.func.sum(sub.c.charge_micros), 0))).one()
    return CallTotals(int(row[0]), int(row[1]), int(row[2]))


def iter_all(session: Session, actor: Actor, tenant_id: int, f: CallFilter,
             batch: int = 1000):
    """Every matching call, newest first, in bounded batches (for CSV export)."""
    before = None
    while rows := calls(session, actor, tenant_id, f, before_id=before, limit=batch):
        yield from rows
        before = rows[-1].id


CSV_HEADER = ["id", "created_at", "seat_id", "callee", "status", "reasons", "duration_seconds",
              "billed_seconds", "rate_per_minute", "charge", "over_limit"]


def csv_row(c: Call) -> list[str]:
    """One call as CSV cells; money as decimal strings."""
    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    def money(value: int | None) -> str:
        return "" if value is None else format_amount(value)

    return [str(c.id), c.created_at.isoformat(), text(c.seat_id), c.callee, c.status,
            " ".join(c.reasons or []), text(c.duration_seconds), text(c.billed_seconds),
            money(c.rate_per_minute_micros), money(c.charge_micros),
            "yes" if c.over_limit else ""]
