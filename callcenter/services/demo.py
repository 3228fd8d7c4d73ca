"""Demo data for `make run`: an admin and a tenant with some history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from callcenter.domain.rating import Increment
from callcenter.services import call_store, calls, ledger, rates, seats, tenants, topups
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
    new = tenants.NewTenant(
        name="Demo Outreach Ltd", currency="USD", timezone="America/New_York",
        owner_email="owner@demo.example", owner_password=owner_password,
        rate_per_minute_micros=13_000, increment=Increment(6, 6), connect_fee_micros=0,
        seat_price_monthly_micros=30_000_000, billing_period_months=1)
    start = now - timedelta(days=20)
    tenant = tenants.create_tenant(session, actor, new, now=start)
    topups.record_bank_transfer(session, actor, tenant, 200_000_000, "DEMO-BANK-0001",
                                now=start + timedelta(hours=2))
    topups.record_bank_transfer(session, actor, tenant, 50_000_000, "DEMO-BANK-0002",
                                now=start + timedelta(days=10))
    agents = seats.provision(session, actor, tenant, count=3, now=start + timedelta(days=1))
    seats.provision(session, actor, tenant, label="Night shift",
                    now=start + timedelta(days=12))
    ledger.post(session, tenant.id, kind="adjustment", amount=-1_500_000,
                key="demo:goodwill-correction", now=start + timedelta(days=11),
                memo="Correction of a duplicated transfer fee", actor_id=admin.id)
    rates.set_rates(session, actor, tenant, rates.Rates(  # and SMS: 0.0079 a segment, +86 0.045
        13_000, Increment(6, 6), 0, {}, sms_per_segment_micros=7_900,
        sms_prefixes={"86": 45_000}), now=start + timedelta(days=1))
    _demo_compliance(session, actor, tenant, start + timedelta(days=2))
    _demo_calls(session, agents[0].identity, start + timedelta(days=13))
    return DemoResult(admin.email, "owner@demo.example", tenant.name, tenant.id)


def _demo_compliance(session: Session, actor: Actor, tenant, when: datetime) -> None:
    """Consent for the demo callees, one do-not-call entry, an approved script."""
    from callcenter.services import consents, dnc, scripts
    from callcenter.services.number_lists import rows_from_numbers

    consents.grant(session, actor, tenant, rows_from_numbers(
        ["+12125550147", "+13105550199", "+442079460123", "+16175550110"]),
        source="demo web form", now=when)
    dnc.add(session, actor, tenant.id, rows_from_numbers(["+16175550111"]), reason="asked",
            now=when)
    scripts.submit(session, actor, tenant, "Appointment reminder", (
        "Hello, this is Demo Outreach calling to confirm your appointment tomorrow at "
        "10am. Press 1 to confirm or 2 to reschedule. Thank you."), now=when)


def _demo_calls(session: Session, identity: str, when: datetime) -> None:
    """A few finished calls and one refusal, through the real authorization path."""
    outcomes = [("+12125550147", "completed", 184), ("+13105550199", "no-answer", 0),
                ("+442079460123", "completed", 47), ("+12125550147", "busy", 0),
                ("+15555", None, 0), ("+16175550110", "completed", 612)]
    for i, (to, status, duration) in enumerate(outcomes):
        at = when.replace(hour=17, minute=0) + timedelta(minutes=i * 20)
        decision = calls.authorize(session, seat_identity=identity, to=to, now=at,
                                   provider="cdr", max_call_seconds=3600)
        if decision.allowed and status:
            call = call_store.call_facts(session, call_id=decision.call_id)
            calls.settle(session, call, status=status, duration=duration, held=call.held,
                         now=at + timedelta(seconds=duration + 20))
