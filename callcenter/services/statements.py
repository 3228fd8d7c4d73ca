"""Monthly statements: figures computed from the ledger and the calls table, so they
always tie out (closing = opening + the month's entries; a month's closing is the next
month's opening), and issued by the billing run for the month just ended.

A month is a calendar month in the tenant's timezone; an entry belongs to the month its
`created_at` falls in, a call to the month it was placed in. Statements of terminated
tenants stay available (the ledger is kept for accounting); erasure deactivates the
tenant's users, after which only admins read them, with numbers tokenized.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import NotFound
from callcenter.domain.money import format_amount
from callcenter.domain.statement import (
    TOTALS,
    CallFigures,
    Period,
    SmsFigures,
    months_between,
    parse_period,
    period_of,
    totals,
)
from callcenter.models import Call, LedgerEntry, Statement, Tenant
from callcenter.services import mail, mail_texts, sms
from callcenter.services.access import Actor, tenant_for
from callcenter.services.uow import UnitOfWork

ROLES = ("admin", "owner")


@dataclass
class MonthStatement:
    """One month of a tenant's account: balances, totals per kind, calls, entries."""

    tenant: Tenant
    period: Period
    start: datetime
    end: datetime
    opening: int
    totals: dict[str, int]
    calls: CallFigures
    complete: bool  # the month has ended
    sms: SmsFigures = field(default_factory=SmsFigures)
    lines: list[LedgerEntry] = field(default_factory=list)
    entries: int = 0
    issued: Statement | None = None

    @property
    def closing(self) -> int:
        return self.opening + sum(self.totals.values())

    def money(self) -> dict[str, str]:
        """Opening, closing and every total as decimal strings."""
        out = {"opening_balance": format_amount(self.opening),
               "closing_balance": format_amount(self.closing)}
        out.update((name, format_amount(self.totals[name])) for name in TOTALS)
        return out


def _in_month(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


def _calls(session: Session, tenant_id: int, start: datetime, end: datetime) -> CallFigures:
    placed = Call.status != "refused"
    answered = sa.and_(Call.status == "completed", Call.duration_seconds > 0)

    def total(cond, value):
        return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)

    row = session.execute(sa.select(
        total(placed, 1), total(answered, 1),
        total(placed, sa.func.coalesce(Call.billed_seconds, 0)),
        total(answered, Call.duration_seconds))
        .where(Call.tenant_id == tenant_id, _in_month(Call.created_at, start, end))).one()
    return CallFigures(*(int(v) for v in row))


def compute(session: Session, tenant: Tenant, period: Period, *, now: datetime,
            with_lines: bool = True) -> MonthStatement:
    """The month's statement from the ledger and the calls table."""
    start, end = period.bounds(tenant.timezone)
    amount = LedgerEntry.amount_micros
    mine = LedgerEntry.tenant_id == tenant.id
    opening = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(amount), 0))
                             .where(mine, LedgerEntry.created_at < start))
    by_kind = {kind: int(total) for kind, total in session.execute(  # PostgreSQL: numeric
        sa.select(LedgerEntry.kind, sa.func.sum(amount))
        .where(mine, _in_month(LedgerEntry.created_at, start, end))
        .group_by(LedgerEntry.kind))}
    st = MonthStatement(tenant=tenant, period=period, start=start, end=end,
                        opening=int(opening), totals=totals(by_kind),
                        calls=_calls(session, tenant.id, start, end), complete=end <= now,
                        sms=SmsFigures(**sms.usage(session, tenant.id, start, end)))
    st.entries = session.scalar(sa.select(sa.func.count(LedgerEntry.id))
                                .where(mine, _in_month(LedgerEntry.created_at, start, end)))
    if with_lines:
        st.lines = list(session.scalars(
            sa.select(LedgerEntry).where(mine, _in_month(LedgerEntry.created_at, start, end))
            .order_by(LedgerEntry.created_at, LedgerEntry.id)))
    st.issued = session.scalars(sa.select(Statement).where(
        Statement.tenant_id == tenant.id, Statement.period == str(period))).first()
    return st


def for_month(session: Session, actor: Actor, tenant_id: int, period: str, *,
              now: datetime) -> MonthStatement:
    """A month's statement for an admin or the tenant's owner; a month that has not
    started has none."""
    tenant = tenant_for(session, actor, tenant_id, roles=ROLES)
    month = parse_period(period)
    if month > period_of(now, tenant.timezone):
        raise NotFound("there is no statement for a month that has not started")
    return compute(session, tenant, month, now=now)


def months(session: Session, actor: Actor, tenant_id: int, *, now: datetime
           ) -> list[tuple[Period, Statement | None]]:
    """The months with a statement, newest first (from the account's creation to this
    month), each with its issue record if the billing run issued it."""
    tenant = tenant_for(session, actor, tenant_id, roles=ROLES)
    issued = {row.period: row for row in session.scalars(
        sa.select(Statement).where(Statement.tenant_id == tenant.id))}
    return [(p, issued.get(str(p))) for p in months_between(
        period_of(tenant.created_at, tenant.timezone), period_of(now, tenant.timezone))]


def description(entry: LedgerEntry) -> str:
    """What a statement line says about an entry."""
    return entry.memo or entry.reference or entry.kind.replace("_", " ")


def _mail(uow: UnitOfWork, st: MonthStatement, row: Statement, now: datetime) -> None:
    t = st.tenant
    key = f"statement:{t.id}:{st.period}"
    for n, (locale, owners) in enumerate(mail.owners_by_locale(uow.session, t.id).items()):
        subject, body = mail_texts.statement(
            locale=locale, period=str(st.period), name=t.name,
            account_code=t.account_code or "", currency=t.currency,
            placed=str(st.calls.placed), answered=str(st.calls.answered),
            minutes=st.calls.minutes, **st.money())
        job = mail.queue(uow, to=owners, subject=subject, body=body, topic="statement",
                         now=now, tenant_id=t.id, path=f"/portal/statements/{st.period}",
                         dedupe_key=mail.dedupe_for(key, locale, n == 0))
        if n == 0:
            row.mail_job_id = job.id if job else None


def issue(uow: UnitOfWork, tenant: Tenant, period: Period, *, now: datetime) -> Statement | None:
    """Record the month's statement as issued and mail it to the owners (when the month
    had a balance or entries); None if it was issued already. The caller commits."""
    session = uow.session
    st = compute(session, tenant, period, now=now, with_lines=False)
    row = Statement(tenant_id=tenant.id, period=str(period), opening_micros=st.opening,
                    closing_micros=st.closing, issued_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None  # another billing run issued it first
    if st.opening or st.entries:
        _mail(uow, st, row, now)
    session.flush()
    return row


def issue_due(uow: UnitOfWork, *, now: datetime) -> list[int]:
    """The billing run's step: issue last month's statement (in each tenant's timezone)
    of every tenant that existed then and was not erased; once per tenant and month.
    Returns the tenants issued, each committed on its own."""
    session = uow.session
    wanted: dict[int, Period] = {}
    for tid, zone, created in session.execute(
            sa.select(Tenant.id, Tenant.timezone, Tenant.created_at)
            .where(Tenant.status != lifecycle.PURGED).order_by(Tenant.id)):
        month = period_of(now, zone).previous()
        if created < month.bounds(zone)[1]:
            wanted[tid] = month
    done = set(session.execute(sa.select(Statement.tenant_id, Statement.period).where(
        Statement.period.in_({str(p) for p in wanted.values()}))).all())
    issued = []
    for tid, month in wanted.items():
        if (tid, str(month)) in done:
            continue
        if issue(uow, session.get(Tenant, tid), month, now=now) is not None:
            issued.append(tid)
        uow.commit()
    return issued
