"""Delivering events to tenants' endpoints: one background job per delivery.

The job signs the event's JSON like our own CDR webhook (`X-Callcenter-Signature:
t=<unix>,v1=<hex hmac-sha256 of "t.body">` with the endpoint's secret), POSTs it, and
logs the attempt with its status code. Anything but a 2xx is retried by the background
mechanism with a doubling delay from `OUTBOUND_WEBHOOK_RETRY_SECONDS`; once the next
try would fall more than a day after the event, the delivery is `failed` and the job
dead. A delivered event is never sent again, so a receiver sees it once after its
failures (it may still see a retry whose 2xx was lost, and dedupes on the event id).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from callcenter import metrics
from callcenter.domain.clock import system_clock
from callcenter.integrations import cdr, outbound_http
from callcenter.integrations.outbound_http import Outcome, UrlPolicy
from callcenter.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from callcenter.services import background, events
from callcenter.services.background import Claimed
from callcenter.services.uow import UnitOfWork

RETRY_WINDOW = timedelta(days=1)
USER_AGENT = "callcenter-webhooks/1"


def url_policy(config: Any) -> UrlPolicy:
    """The URL rules of these settings: https in production, private addresses opt-in."""
    return UrlPolicy(require_https=bool(config.get("OUTBOUND_WEBHOOKS_REQUIRE_HTTPS", True)),
                     allow_private=bool(config.get("OUTBOUND_WEBHOOKS_ALLOW_PRIVATE", False)))


def signed_request(secret: str, event: WebhookEvent, now: datetime
                   ) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt (signed at `now`)."""
    body = json.dumps(events.envelope(event), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               cdr.HEADER: cdr.sign(secret, body, int(now.timestamp())),
               "X-Callcenter-Event": event.type, "X-Callcenter-Event-Id": event.public_id}
    return body, headers


def _record(uow: UnitOfWork, delivery_id: int, outcome: Outcome, now: datetime,
            status: str) -> None:
    session = uow.session
    delivery = session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    delivery.status = status
    if status != "pending":
        delivery.finished_at = now
    session.add(WebhookAttempt(delivery_id=delivery.id, endpoint_id=delivery.endpoint_id,
                               tenant_id=delivery.tenant_id, at=now,
                               status_code=outcome.status_code, error=outcome.error,
                               duration_ms=outcome.duration_ms))
    uow.commit()
    metrics.OUTBOUND_DELIVERIES.labels({"pending": "retry"}.get(status, status)).inc()


@background.handler(events.DELIVER, first_retry_setting="OUTBOUND_WEBHOOK_RETRY_SECONDS")
def deliver(uow: UnitOfWork, job: Claimed, context: dict[str, Any]) -> None:
    """POST one event to one endpoint; Retry on failure, GiveUp after the window."""
    session = uow.session
    clock = context.get("clock") or system_clock
    delivery = session.get(WebhookDelivery, job.payload["delivery_id"])
    if delivery is None or delivery.status != "pending":
        return  # delivered already (a lease expired mid-job), or failed for good
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint.deleted_at is not None:
        _record(uow, delivery.id, Outcome(None, "the endpoint was deleted", 0), clock(),
                "failed")
        return
    event = session.get(WebhookEvent, delivery.event_id)
    url, delivery_id, created_at = endpoint.url, delivery.id, delivery.created_at
    body, headers = signed_request(endpoint.secret, event, clock())
    uow.rollback()  # no transaction stays open while the receiver answers
    send = context.get("http_post") or outbound_http.post
    outcome = send(url, body, headers, policy=url_policy(context.get("config") or {}),
                   **({"resolve": context["resolve"]} if context.get("resolve") else {}))
    now = clock()
    if outcome.ok:
        _record(uow, delivery_id, outcome, now, "delivered")
        return
    wait = background.backoff(job.attempts, background.first_retry_for(job.kind, context))
    if now + wait - created_at > RETRY_WINDOW:
        _record(uow, delivery_id, outcome, now, "failed")
        raise background.GiveUp(_why(outcome) + "; retried for a day")
    _record(uow, delivery_id, outcome, now, "pending")
    raise background.Retry(_why(outcome))


def _why(outcome: Outcome) -> str:
    return outcome.error or f"HTTP {outcome.status_code}"
