"""JSON shapes of API resources; money leaves as decimal strings."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.domain.money import format_amount
from callcenter.extensions import db
from callcenter.models import LedgerEntry, RatePlan, Tenant
from callcenter.services.tenants import current_rate_plan


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def rate_plan(plan: RatePlan | None) -> dict | None:
    if plan is None:
        return None
    return {
        "version": plan.version,
        "default_per_minute": format_amount(plan.default_per_minute_micros),
        "billing_increment": f"{plan.initial_increment}/{plan.subsequent_increment}",
        "connect_fee": format_amount(plan.connect_fee_micros),
        "prefixes": [{"prefix": p, "per_minute": format_amount(r)}
                     for p, r in sorted(plan.prefixes.items())],
    }


def seat_count(tenant: Tenant) -> int:
    """Active seats; the seats table arrives with seat rental."""
    table = db.metadata.tables.get("seats")
    if table is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
        table.c.tenant_id == tenant.id, table.c.status == "active"))


def tenant(t: Tenant) -> dict:
    return {
        "id": t.id,
        "account_code": t.account_code,
        "name": t.name,
        "status": t.status,
        "status_reason": t.status_reason,
        "currency": t.currency,
        "timezone": t.timezone,
        "balance": format_amount(t.balance_micros),
        "available": format_amount(t.available_micros),
        "held": format_amount(t.held_micros),
        "seats": seat_count(t),
        "seat_price_monthly": format_amount(t.seat_price_monthly_micros),
        "activated_on": _iso(t.activated_on),
        "settings": {
            "consent_required": t.consent_required,
            "script_required": t.script_required,
            "calling_window": t.calling_window,
            "low_balance_threshold": format_amount(t.low_balance_threshold_micros),
            "grace_days": t.grace_days,
            "caller_id": t.caller_id,
        },
        "rate_plan": rate_plan(current_rate_plan(db.session, t.id)),
        "created_at": _iso(t.created_at),
    }


def ledger_entry(e: LedgerEntry, currency: str) -> dict:
    return {
        "id": e.id,
        "kind": e.kind,
        "amount": format_amount(e.amount_micros),
        "balance_after": format_amount(e.balance_after_micros),
        "currency": currency,
        "reference": e.reference,
        "memo": e.memo,
        "created_at": _iso(e.created_at),
    }
