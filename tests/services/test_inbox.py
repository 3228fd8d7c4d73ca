"""The inbound-event inbox: one row per (provider, event id), whatever the provider."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from callcenter.models import InboundEvent, Tenant
from callcenter.services import erasure, inbox
from callcenter.services.access import SYSTEM

NUMBER = "+14155550123"


def _rows(session) -> list[InboundEvent]:
    return list(session.scalars(sa.select(InboundEvent).order_by(InboundEvent.id)))


@pytest.mark.parametrize("provider", ["twilio", "cdr", "stripe"])
def test_a_redelivered_event_is_a_no_op(session, clock, provider):
    first = inbox.record(session, provider, "evt-1", type="t", payload={"n": 1}, now=clock(),
                         outcome="applied")
    again = inbox.record(session, provider, "evt-1", type="t", payload={"n": 2},
                         now=clock() + timedelta(minutes=1), outcome="ignored")
    session.commit()
    assert first is not None and again is None
    [row] = _rows(session)
    assert (row.id, row.outcome, row.payload, row.received_at) == (
        first, "applied", {"n": 1}, clock())


def test_the_same_event_id_from_two_providers_is_two_events(session, clock):
    ids = [inbox.record(session, provider, "1:completed", type="call.status", payload={},
                        now=clock()) for provider in ("twilio", "cdr")]
    session.commit()
    assert None not in ids and ids[0] != ids[1]
    assert [(r.provider, r.event_id) for r in _rows(session)] == [
        ("twilio", "1:completed"), ("cdr", "1:completed")]


def test_the_outcome_and_the_tenant_are_recorded(session, clock, factory):
    tenant = factory.tenant()
    row_id = inbox.record(session, "stripe", "evt_9", type="payment_intent.succeeded",
                          payload={"id": "evt_9"}, now=clock(), object_id="pi_9",
                          provider_created=1_700_000_000)
    assert session.get(InboundEvent, row_id).outcome == "received"
    inbox.set_outcome(session, row_id, "credited", tenant_id=tenant.id)
    inbox.set_outcome(session, row_id, "already_credited")  # the tenant stays
    session.commit()
    session.expire_all()
    row = session.get(InboundEvent, row_id)
    assert (row.outcome, row.tenant_id, row.object_id, row.provider_created, row.type) == (
        "already_credited", tenant.id, "pi_9", 1_700_000_000, "payment_intent.succeeded")


def test_unclaimed_lists_reports_about_unknown_calls_newest_first(session, clock):
    for n, outcome in enumerate(["unknown_call", "applied", "unknown_call", "unknown_intent"]):
        inbox.record(session, "twilio", f"CA{n}:completed", type="call.status", payload={},
                     now=clock(), outcome=outcome)
    session.commit()
    assert [e.event_id for e in inbox.unclaimed(session)] == ["CA2:completed",
                                                              "CA0:completed"]


def test_erasure_clears_the_tenants_event_payloads_only(session, clock, factory, app):
    gone, kept = factory.tenant(), factory.tenant()
    for provider, tenant_id in (("twilio", gone.id), ("stripe", gone.id),
                                ("twilio", kept.id)):
        inbox.record(session, provider, f"e-{provider}-{tenant_id}", type="t",
                     payload={"To": NUMBER}, now=clock(), tenant_id=tenant_id)
    session.get(Tenant, gone.id).status = "terminated"
    session.commit()
    erasure.erase(session, SYSTEM, gone.id, secret="k", now=clock(), trigger="retention")
    session.commit()
    payloads = {(r.provider, r.tenant_id): r.payload for r in _rows(session)}
    assert payloads == {("twilio", gone.id): {}, ("stripe", gone.id): {},
                        ("twilio", kept.id): {"To": NUMBER}}
