"""Tax invoices: one per payment received, or one per month of usage.

A tenant either prepays (the default: an invoice for every payment, bank transfer or
card, issued in the transaction that credits it, once per ledger entry) or books usage
(`invoice_usage_monthly`: no invoice per payment; the billing run issues one invoice
for last month's charges, once per month). Either way the platform never invoices the
same money twice. Amounts are tax-inclusive; see domain/invoicing.py for the split.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidInput, NotFound
from callcenter.domain.invoicing import split_tax
from callcenter.domain.statement import Period, period_of
from callcenter.models import Invoice, LedgerEntry, Tenant
from callcenter.services import audit, documents
from callcenter.services.access import Actor, require_admin, tenant_for
from callcenter.services.uow import UnitOfWork

ROLES = ("admin", "owner")
# The month's charges by ledger kind, in the order an invoice lists them.
USAGE_KINDS = {"call": "Calls", "sms": "Text messages", "seat_rental": "Seat rental",
               "late_fee": "Late fees"}
MAX_FAPIAO = 64


def _write(session: Session, tenant: Tenant, *, kind: str, gross: int, lines: list[dict],
           now: datetime, period: str | None = None,
           ledger_entry_id: int | None = None) -> Invoice | None:
    """Number and write an invoice; None if its payment or month has one already."""
    split = split_tax(gross, tenant.tax_rate_ppm, tenant.currency)
    try:
        with session.begin_nested():  # a duplicate takes its number back with it
            invoice = Invoice(
                tenant_id=tenant.id, number=documents.next_number(session, "invoice", now),
                kind=kind, period=period, ledger_entry_id=ledger_entry_id,
                currency=tenant.currency, tax_rate_ppm=tenant.tax_rate_ppm,
                gross_micros=split.gross, net_micros=split.net, tax_micros=split.tax,
                lines=lines, seller=documents.seller(), buyer=documents.buyer(tenant),
                issued_at=now)
            session.add(invoice)
            session.flush()
    except IntegrityError:
        return None
    return invoice


def for_payment(session: Session, tenant: Tenant, entry: LedgerEntry, *,
                now: datetime) -> Invoice | None:
    """The invoice of a payment just credited (prepaying tenants); once per entry."""
    if tenant.invoice_usage_monthly or entry.amount_micros <= 0:
        return None
    description = "Prepaid calling credit"
    if entry.memo or entry.reference:
        description += f" ({entry.memo or ''}{' ' if entry.memo and entry.reference else ''}"
        description += f"{entry.reference or ''})"
    return _write(session, tenant, kind="payment", gross=entry.amount_micros,
                  lines=[{"description": description, "amount_micros": entry.amount_micros}],
                  now=now, ledger_entry_id=entry.id)


def usage_lines(session: Session, tenant: Tenant, period: Period) -> list[dict]:
    """The month's charges per kind as invoice lines (refunds of a kind net it down)."""
    start, end = period.bounds(tenant.timezone)
    sums = dict(session.execute(
        sa.select(LedgerEntry.kind, sa.func.sum(LedgerEntry.amount_micros))
        .where(LedgerEntry.tenant_id == tenant.id, LedgerEntry.kind.in_(USAGE_KINDS),
               LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
        .group_by(LedgerEntry.kind)).all())
    return [{"description": f"{label} {period}", "amount_micros": -int(sums[kind])}
            for kind, label in USAGE_KINDS.items() if int(sums.get(kind) or 0) < 0]


def for_usage(session: Session, tenant: Tenant, period: Period, *,
              now: datetime) -> Invoice | None:
    """The usage invoice of an ended month; None if nothing was charged or it exists."""
    if period.bounds(tenant.timezone)[1] > now:
        raise InvalidInput("the month has not ended", details={"field": "period"})
    lines = usage_lines(session, tenant, period)
    gross = sum(line["amount_micros"] for line in lines)
    if gross <= 0:
        return None
    return _write(session, tenant, kind="usage", gross=gross, lines=lines, now=now,
                  period=str(period))


def issue_due_usage(uow: UnitOfWork, *, now: datetime) -> list[int]:
    """The billing run's step: last month's usage invoice of every tenant that books
    usage; once per tenant and month, each committed on its own. Returns the tenants."""
    session = uow.session
    issued = []
    for tenant in session.scalars(sa.select(Tenant).where(
            Tenant.invoice_usage_monthly.is_(True), Tenant.status != lifecycle.PURGED)
            .order_by(Tenant.id)).all():
        month = period_of(now, tenant.timezone).previous()
        if session.scalar(sa.select(Invoice.id).where(
                Invoice.tenant_id == tenant.id, Invoice.kind == "usage",
                Invoice.period == str(month))) is not None:
            continue
        if for_usage(session, tenant, month, now=now) is not None:
            issued.append(tenant.id)
        uow.commit()
    return issued


def list_for(session: Session, actor: Actor, tenant_id: int, *,
             limit: int = 200) -> list[Invoice]:
    """The tenant's invoices, newest first (admins and the tenant's owners)."""
    tenant_for(session, actor, tenant_id, roles=ROLES)
    return list(session.scalars(sa.select(Invoice).where(Invoice.tenant_id == tenant_id)
                                .order_by(Invoice.id.desc()).limit(limit)))


def get(session: Session, actor: Actor, tenant_id: int, number: str) -> Invoice:
    """One of the tenant's invoices by number; another tenant's is not found."""
    tenant_for(session, actor, tenant_id, roles=ROLES)
    invoice = session.scalars(sa.select(Invoice).where(Invoice.tenant_id == tenant_id,
                                                       Invoice.number == number)).first()
    if invoice is None:
        raise NotFound("invoice not found")
    return invoice


def record_fapiao(session: Session, actor: Actor, tenant_id: int, number: str,
                  fapiao_number: str | None, *, now: datetime) -> Invoice:
    """An admin records the official fapiao number issued in the tax system (or clears
    it with None); audited with the previous value."""
    require_admin(actor)
    if fapiao_number is not None:
        if not isinstance(fapiao_number, str) or not fapiao_number.strip():
            raise InvalidInput("fapiao_number is required", details={"field": "fapiao_number"})
        fapiao_number = fapiao_number.strip()
        if len(fapiao_number) > MAX_FAPIAO or not fapiao_number.isascii() or not all(
                c.isalnum() or c in "-/" for c in fapiao_number):
            raise InvalidInput("fapiao_number takes up to 64 letters, digits, - or /",
                               details={"field": "fapiao_number"})
    invoice = get(session, actor, tenant_id, number)
    previous = invoice.fapiao_number
    invoice.fapiao_number = fapiao_number
    invoice.fapiao_recorded_at = now if fapiao_number else None
    audit.record(session, actor, "invoice.fapiao", tenant_id=tenant_id, now=now,
                 invoice=invoice.number, fapiao_number=fapiao_number, previous=previous)
    return invoice

