"""Writing services check the acting user themselves, whoever calls them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.domain.errors import Forbidden, NotFound
from callcenter.models import Base, Seat, Tenant
from callcenter.services import (
    billing_job,
    calls,
    consents,
    dnc,
    erasure,
    export,
    notices,
    outbox,
    payments,
    rates,
    scripts,
    sms,
    termination,
)
from callcenter.services.access import Actor
from callcenter.services.compliance import DEFAULT_POLICY
from callcenter.services.number_lists import rows_from_numbers
from callcenter.services.uow import UnitOfWork

UK = "+442079460123"


def _rates():
    from callcenter.domain.rating import Increment

    return rates.Rates(1, Increment(60, 60), 0, {})


CASES = {
    "consents.grant": lambda s, t, who, now: consents.grant(
        s, who, t, rows_from_numbers([UK]), source="web", now=now),
    "consents.revoke": lambda s, t, who, now: consents.revoke(s, who, t, UK, now=now),
    "dnc.add (tenant)": lambda s, t, who, now: dnc.add(
        s, who, t.id, rows_from_numbers([UK]), now=now),
    "dnc.add (platform)": lambda s, t, who, now: dnc.add(
        s, who, None, rows_from_numbers([UK]), now=now),
    "dnc.remove": lambda s, t, who, now: dnc.remove(s, who, t.id, UK),
    "scripts.submit": lambda s, t, who, now: scripts.submit(s, who, t, "Hi", "Hello.", now=now),
    "rates.set_rates": lambda s, t, who, now: rates.set_rates(s, who, t, _rates(), now=now),
    "payments.create_intent": lambda s, t, who, now: payments.create_intent(
        s, None, who, t, 10_000_000, limits=payments.TopupLimits(1, 10**12),
        request_key="k", now=now),
    "calls.authorize_for": lambda s, t, who, now: calls.authorize_for(
        s, who, seat_identity=s.scalars(sa.select(Seat.identity)).first(), to=UK, now=now,
        max_call_seconds=60),
    "billing_job.run": lambda s, t, who, now: billing_job.run(
        UnitOfWork(s), who, as_of=now, now=now, retention_days=1, secret="s", gateway=None),
    "export.build": lambda s, t, who, now: export.build(s, who, t, now=now),
    "erasure.erase": lambda s, t, who, now: erasure.erase(s, who, t.id, secret="s", now=now),
    "termination.request": lambda s, t, who, now: termination.request(s, who, t, None,
                                                                      now=now),
    "notices.schedule": lambda s, t, who, now: notices.schedule(
        UnitOfWork(s), who, notices.NoticeDraft(now + timedelta(days=2),
                                                now + timedelta(days=3), "Maintenance"),
        now=now, min_notice_hours=24),
    "outbox.retry": lambda s, t, who, now: outbox.retry(UnitOfWork(s), who, 1, now=now),
    "sms.create": lambda s, t, who, now: sms.create(
        UnitOfWork(s), who, t, sms.NewBatch([UK], "Hello"), now=now,
        setup=sms.SmsSetup(True, "+14155550100", "https://x/cb"), policy=DEFAULT_POLICY),
    "sms.cancel": lambda s, t, who, now: sms.cancel(UnitOfWork(s), who, t, 1, now=now),
    # The check comes before the line or the gateway is looked at.
    "termination.retry_refund": lambda s, t, who, now: termination.retry_refund(
        s, who, None, None, now=now),
}
# Who may not: a tenant's agent (role) and the owner of another tenant (scope) always;
# admins where the write is the owner's alone; owners where it is the platform's.
OWNER_ONLY = {"payments.create_intent", "termination.request", "sms.create"}
ADMIN_ONLY = {"dnc.add (platform)", "rates.set_rates", "billing_job.run", "erasure.erase",
              "termination.retry_refund", "notices.schedule", "outbox.retry"}


def _counts(session) -> dict[str, int]:
    session.flush()
    return {t.name: session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_wrong_actor_is_refused_by_the_service_itself(session, factory, clock, name):
    a, b = factory.tenant(balance="100.00"), factory.tenant()
    tenant = session.get(Tenant, a.id)
    from callcenter.services import seats

    seats.provision(session, factory.admin_actor(), tenant, now=clock(), count=1)
    session.commit()
    actors = {"agent": Actor(user_id=a.owner_id, role="agent", tenant_id=a.id),
              "other_owner": Actor(user_id=b.owner_id, role="owner", tenant_id=b.id),
              "owner": Actor(user_id=a.owner_id, role="owner", tenant_id=a.id),
              "admin": factory.admin_actor()}
    refused = ["agent", "other_owner"] + (["admin"] if name in OWNER_ONLY else []) \
        + (["owner"] if name in ADMIN_ONLY else [])
    before = _counts(session)
    for who in refused:
        with pytest.raises((Forbidden, NotFound)):
            CASES[name](session, tenant, actors[who], clock())
        assert _counts(session) == before, who
