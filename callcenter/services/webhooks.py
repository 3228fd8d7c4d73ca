"""Tenants' webhook endpoints: register (secret shown once), list, delete, test, log."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.integrations import outbound_http
from callcenter.integrations.outbound_http import RefusedUrl, UrlPolicy
from callcenter.models import (
    Tenant,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from callcenter.services import audit, events
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.snapshot import HINTS

MAX_ENDPOINTS = 10
ROLES = ("owner",)


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint to register: its URL and the event types it wants."""

    url: str
    events: list[str]


def _endpoints(session: Session, tenant_id: int):
    return (sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.deleted_at.is_(None)))


def _check_types(types: list[str]) -> list[str]:
    unknown = sorted(set(types) - set(events.EVENT_TYPES))
    if unknown or not types:
        raise InvalidInput(f"events must be some of: {', '.join(events.EVENT_TYPES)}",
                           details={"field": "events", "unknown": unknown})
    return [t for t in events.EVENT_TYPES if t in types]  # canonical order, no repeats


def create_endpoint(session: Session, actor: Actor, tenant: Tenant, new: NewEndpoint, *,
                    policy: UrlPolicy, now: datetime,
                    resolve: Callable[..., list] | None = None) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (never shown again)."""
    require_tenant_role(actor, tenant.id, ROLES)
    url = (new.url or "").strip()
    if not url or len(url) > 2000:
        raise InvalidInput("url is required (at most 2000 characters)", details={"field": "url"})
    try:
        outbound_http.check(url, policy, **({"resolve": resolve} if resolve else {}))
    except RefusedUrl as exc:
        raise InvalidInput(str(exc), details={"field": "url"}) from None
    types = _check_types(new.events)
    count = session.scalar(sa.select(sa.func.count()).select_from(
        _endpoints(session, tenant.id).subquery()))
    if count >= MAX_ENDPOINTS:
        raise InvalidState(f"a tenant has at most {MAX_ENDPOINTS} webhook endpoints")
    secret = f"whsec_{secrets.token_hex(24)}"
    endpoint = WebhookEndpoint(tenant_id=tenant.id, url=url, events=types, secret=secret,
                               created_by_user_id=actor.user_id, created_at=now)
    session.add(endpoint)
    session.flush()
    audit.record(session, actor, "webhook_endpoint.create", tenant_id=tenant.id, now=now,
                 endpoint_id=endpoint.id, url=url, events=types)
    HINTS.clear_after_commit(session)
    return endpoint, secret


def list_endpoints(session: Session, tenant_id: int) -> list[WebhookEndpoint]:
    """The tenant's endpoints, oldest first."""
    return list(session.scalars(_endpoints(session, tenant_id).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, tenant_id: int, endpoint_id: int) -> WebhookEndpoint:
    """One of the tenant's endpoints; another tenant's (or a deleted one) is not found."""
    found = session.scalars(_endpoints(session, tenant_id)
                            .where(WebhookEndpoint.id == endpoint_id)).first()
    if found is None:
        raise NotFound("webhook endpoint not found")
    return found


def delete_endpoint(session: Session, actor: Actor, tenant: Tenant, endpoint_id: int, *,
                    now: datetime) -> None:
    """Stop sending to an endpoint; its pending deliveries end as failed."""
    require_tenant_role(actor, tenant.id, ROLES)
    endpoint = get_endpoint(session, tenant.id, endpoint_id)
    endpoint.deleted_at = now
    audit.record(session, actor, "webhook_endpoint.delete", tenant_id=tenant.id, now=now,
                 endpoint_id=endpoint.id)
    HINTS.clear_after_commit(session)


def send_test(session: Session, actor: Actor, tenant: Tenant, endpoint_id: int, *,
              now: datetime) -> WebhookDelivery:
    """Queue a `webhook.test` event to this endpoint only."""
    require_tenant_role(actor, tenant.id, ROLES)
    endpoint = get_endpoint(session, tenant.id, endpoint_id)
    event = events.emit(session, tenant.id, events.TEST_EVENT,
                        {"message": "A test event from callcenter."}, now=now,
                        endpoint_ids=(endpoint.id,))
    return session.scalars(sa.select(WebhookDelivery)
                           .where(WebhookDelivery.event_id == event.id)).one()


@dataclass(frozen=True)
class LogLine:
    """One attempt in an endpoint's delivery log."""

    attempt: WebhookAttempt
    event_type: str
    event_id: str
    delivery_status: str


def delivery_log(session: Session, tenant_id: int, endpoint_id: int, *,
                 limit: int = 100) -> list[LogLine]:
    """The endpoint's latest attempts, newest first, with their events."""
    endpoint = get_endpoint(session, tenant_id, endpoint_id)
    rows = session.execute(
        sa.select(WebhookAttempt, WebhookEvent.type, WebhookEvent.public_id,
                  WebhookDelivery.status)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookAttempt.endpoint_id == endpoint.id)
        .order_by(WebhookAttempt.id.desc()).limit(limit))
    return [LogLine(*row) for row in rows]


def pending_deliveries(session: Session, tenant_id: int, endpoint_id: int) -> int:
    """Deliveries of this endpoint still waiting for a 2xx."""
    return session.scalar(sa.select(sa.func.count(WebhookDelivery.id)).where(
        WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.endpoint_id == endpoint_id,
        WebhookDelivery.status == "pending"))
