"""The admins' tenant list: status, balance, available, arrears and days left at a glance,
sorted and filtered in the database, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import usage
from callcenter.domain.errors import InvalidInput
from callcenter.models import TENANT_STATUSES, Arrear, LedgerEntry, Tenant, User
from callcenter.services.access import Actor, require_admin
from callcenter.services.dashboard import USAGE_KINDS

_ARREARS = (sa.select(sa.func.coalesce(sa.func.sum(Arrear.amount_micros), 0))
            .where(Arrear.tenant_id == Tenant.id, Arrear.paid_at.is_(None))
            .correlate(Tenant).scalar_subquery())
SORTS = {
    "account": Tenant.account_code, "name": Tenant.name, "status": Tenant.status,
    "balance": Tenant.balance_micros, "available": Tenant.balance_micros - Tenant.held_micros,
    "arrears": _ARREARS, "created": Tenant.created_at,
}
FILTERS = ("arrears", "low")  # owing arrears; available below the alert threshold


@dataclass(frozen=True)
class Query:
    """What the list shows: search text, status, a filter, the sort key and direction."""

    q: str | None = None
    status: str | None = None
    only: str | None = None
    sort: str = "account"
    descending: bool = False


def parse_query(args) -> Query:
    """Query-string values -> Query; unknown values are refused naming the field."""
    status = args.get("status") or None
    if status is not None and status not in TENANT_STATUSES:
        raise InvalidInput("unknown status", details={"field": "status"})
    only = args.get("show") or None
    if only is not None and only not in FILTERS:
        raise InvalidInput("unknown filter", details={"field": "show"})
    sort = args.get("sort") or "account"
    descending = sort.startswith("-")
    sort = sort.removeprefix("-")
    if sort not in SORTS:
        raise InvalidInput("unknown sort", details={"field": "sort"})
    return Query((args.get("q") or "").strip() or None, status, only, sort, descending)


@dataclass(frozen=True)
class Row:
    """One tenant in the list."""

    tenant: Tenant
    arrears_micros: int
    days_left: Decimal | None


def page(session: Session, actor: Actor, query: Query, *, now: datetime, offset: int = 0,
         limit: int = 50) -> tuple[list[Row], bool]:
    """A page of tenants and whether more follow (two queries however long the page)."""
    require_admin(actor)
    stmt = sa.select(Tenant, _ARREARS)
    if query.q:
        like = f"%{query.q.lower()}%"
        owner_match = sa.select(User.tenant_id).where(sa.func.lower(User.email).like(like))
        stmt = stmt.where(sa.or_(sa.func.lower(Tenant.name).like(like),
                                 sa.func.lower(Tenant.account_code).like(like),
                                 Tenant.id.in_(owner_match)))
    if query.status:
        stmt = stmt.where(Tenant.status == query.status)
    if query.only == "arrears":
        stmt = stmt.where(_ARREARS > 0)
    elif query.only == "low":
        stmt = stmt.where(Tenant.low_balance_threshold_micros > 0,
                          Tenant.balance_micros - Tenant.held_micros
                          < Tenant.low_balance_threshold_micros)
    key = SORTS[query.sort]
    stmt = stmt.order_by(key.desc() if query.descending else key.asc(), Tenant.id.asc())
    found = session.execute(stmt.offset(offset).limit(limit + 1)).all()
    rows = found[:limit]
    spent = usage_by_tenant(session, [t.id for t, _ in rows],
                            since=now - timedelta(days=usage.BURN_DAYS))
    out = [Row(t, int(owed or 0),
               usage.days_left(t.available_micros, usage.burn_rate(spent.get(t.id, 0))))
           for t, owed in rows]
    return out, len(found) > limit


def usage_by_tenant(session: Session, tenant_ids: list[int], *, since: datetime
                    ) -> dict[int, int]:
    """Micro-units charged for calls and SMS since `since`, per tenant (one query)."""
    if not tenant_ids:
        return {}
    return {tid: int(v or 0) for tid, v in session.execute(
        sa.select(LedgerEntry.tenant_id, sa.func.sum(-LedgerEntry.amount_micros))
        .where(LedgerEntry.tenant_id.in_(tenant_ids), LedgerEntry.kind.in_(USAGE_KINDS),
               LedgerEntry.created_at >= since)
        .group_by(LedgerEntry.tenant_id))}
