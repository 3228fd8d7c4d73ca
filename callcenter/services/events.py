"""Events for tenants' own systems: `emit` writes an event and its deliveries.

Any service calls `emit(uow, tenant_id, type, data, now=...)` in the transaction of
the event's cause: the event row, one delivery per endpoint that wants the type and
one background job per delivery are written with the cause, or not at all, and the
jobs run after the commit (services/webhook_delivery.py). When no endpoint of the
tenant wants the type, `emit` runs no statement at all (a per-process snapshot of
the subscriptions answers), so the call hot path pays nothing for tenants without
webhooks.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.money import format_amount
from callcenter.models import Tenant, WebhookDelivery, WebhookEndpoint, WebhookEvent
from callcenter.services import background
from callcenter.services.snapshot import HINTS
from callcenter.services.uow import UnitOfWork

EVENT_TYPES = ("call.settled", "call.refused", "balance.low", "tenant.suspended",
               "tenant.resumed", "payment.received", "sms.delivered", "sms.failed",
               "statement.ready")
TEST_EVENT = "webhook.test"  # sent to one endpoint by its "send test event" button
DELIVER = "webhook.deliver"  # the background job kind of one delivery
MAX_ATTEMPTS = 100  # a backstop: the retry window (a day) ends deliveries first


def wanted(session: Session, tenant_id: int, type: str) -> bool:  # noqa: A002
    """Whether some endpoint of the tenant may want `type` (no statement when cached)."""
    return type in HINTS.get(session).subscriptions.get(tenant_id, ())


def _uow(target: UnitOfWork | Session) -> UnitOfWork:
    return target if isinstance(target, UnitOfWork) else UnitOfWork.of(target)


def emit(uow: UnitOfWork | Session, tenant_id: int, type: str,  # noqa: A002
         data: dict[str, Any], *, now: datetime,
         endpoint_ids: tuple[int, ...] | None = None) -> WebhookEvent | None:
    """Write the event and a delivery job per endpoint that wants it; None if none does.

    `endpoint_ids` limits the deliveries to those endpoints (a test event).
    """
    uow = _uow(uow)
    session = uow.session
    if endpoint_ids is None and not wanted(session, tenant_id, type):
        return None
    stmt = sa.select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id,
                                            WebhookEndpoint.deleted_at.is_(None))
    if endpoint_ids is not None:
        stmt = stmt.where(WebhookEndpoint.id.in_(endpoint_ids))
    endpoints = [e for e in session.scalars(stmt.order_by(WebhookEndpoint.id))
                 if endpoint_ids is not None or type in (e.events or ())]
    if not endpoints:
        return None
    event = WebhookEvent(public_id=f"evt_{secrets.token_hex(12)}", tenant_id=tenant_id,
                         type=type, data=data, created_at=now)
    session.add(event)
    session.flush()
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id,
                                   tenant_id=tenant_id, status="pending", attempts=0,
                                   created_at=now)
        session.add(delivery)
        session.flush()
        background.enqueue(uow, DELIVER, {"delivery_id": delivery.id}, now=now,
                           tenant_id=tenant_id, dedupe_key=f"webhook:{delivery.id}",
                           max_attempts=MAX_ATTEMPTS)
    return event


def envelope(event: WebhookEvent) -> dict[str, Any]:
    """The JSON body of a delivery: `{id, type, created_at, tenant_id, data}`."""
    return {"id": event.public_id, "type": event.type,
            "created_at": event.created_at.isoformat().replace("+00:00", "Z"),
            "tenant_id": event.tenant_id, "data": event.data}


def tenant_status(session: Session, tenant: Tenant, type: str, *,  # noqa: A002
                  now: datetime) -> WebhookEvent | None:
    """`tenant.suspended` / `tenant.resumed` with the status it moved to and why."""
    return emit(session, tenant.id, type,
                {"status": tenant.status, "cause": tenant.suspension_cause,
                 "reason": tenant.status_reason}, now=now)


def call_settled(session: Session, call: Any, status: str, duration: int, billed: int,
                 charge: int, *, now: datetime) -> None:
    """`call.settled` for a call just settled (nothing runs when nobody listens).

    `call` is a `Call` or a row with its id, tenant_id, seat_id, callee and
    max_duration_seconds (the hot path reads no ORM object)."""
    if not wanted(session, call.tenant_id, "call.settled"):
        return
    currency = session.scalar(sa.select(Tenant.currency).where(Tenant.id == call.tenant_id))
    emit(session, call.tenant_id, "call.settled",
         {"call_id": call.id, "seat_id": call.seat_id, "to": call.callee, "status": status,
          "duration_seconds": duration, "billed_seconds": billed,
          "charge": format_amount(charge), "currency": currency,
          "over_limit": duration > call.max_duration_seconds}, now=now)


def call_refused(session: Session, tenant_id: int, *, call_id: int, seat_id: int,
                 callee: str, reasons: list[str], now: datetime) -> None:
    """`call.refused` with the reasons (nothing runs when nobody listens)."""
    if wanted(session, tenant_id, "call.refused"):
        emit(session, tenant_id, "call.refused",
             {"call_id": call_id, "seat_id": seat_id, "to": callee,
              "reasons": list(reasons or [])}, now=now)
