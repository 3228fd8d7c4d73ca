"""Demo data for `make run`: an admin and a tenant with some history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from callcenter.services import ledger, seats, tenants, topups
from callcenter.services.access import Actor
from callcenter.services.auth import create_user


@dataclass(frozen=True)
class DemoResult:
    admin_email: str
    owner_email: str
    tenant_name: str
    tenant_id: int


def seed(session: Session, *, admin_password: str, owner_password: str,
         now: datetime) -> DemoResult:
    """Create the demo admin and tenant; the caller commits."""
    admin = create_user(session, email="admin@demo.example", password=admin_password,
                        role="admin", tenant_id=None, now=now)
    actor = Actor(user_id=admin.id, role="admin", tenant_id=None)
    new = tenants.parse_new_tenant({
        "name": "Demo Outreach Ltd", "currency": "USD", "timezone": "America/New_York",
        "owner_email": "owner@demo.example", "owner_password": owner_password,
        "rate_per_minute": "0.013", "billing_increment": "6/6",
        "seat_price_monthly": "30.00",
    })
    start = now - timedelta(days=20)
    tenant = tenants.create_tenant(session, actor, new, now=start)
    topups.record_bank_transfer(session, actor, tenant, 200_000_000, "DEMO-BANK-0001",
                                now=start + timedelta(hours=2))
    topups.record_bank_transfer(session, actor, tenant, 50_000_000, "DEMO-BANK-0002",
                                now=start + timedelta(days=10))
    seats.provision(session, actor, tenant, count=3, now=start + timedelta(days=1))
    seats.provision(session, actor, tenant, label="Night shift",
                    now=start + timedelta(days=12))
    ledger.post(session, tenant.id, kind="adjustment", amount=-1_500_000,
                key="demo:goodwill-correction", now=start + timedelta(days=11),
                memo="Correction of a duplicated transfer fee", actor_id=admin.id)
    return DemoResult(admin.email, "owner@demo.example", tenant.name, tenant.id)
