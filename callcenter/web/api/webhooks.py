"""Outbound webhook endpoints of a tenant: register, list, delete, test, delivery log."""

from __future__ import annotations

from flask import Response, jsonify

from callcenter.services import webhooks
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import WEBHOOK_ENDPOINT
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.providers import resolver, url_policy

ROLES = ("owner",)


@bp.post("/tenants/<int:tenant_id>/webhook-endpoints")
@accepts(WEBHOOK_ENDPOINT)
def create_webhook_endpoint(tenant_id: int):
    """Register an endpoint.
    ---
    post:
      summary: Register an outbound webhook endpoint (owner)
      description: >
        Deliveries are POSTs of `{id, type, created_at, tenant_id, data}` signed
        `X-Callcenter-Signature: t=<unix>,v1=<hex hmac-sha256 of "t.body">` with the
        secret, which this answer shows once; retried until a 2xx, for a day.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: "{id, url, events, secret, created_at}"}
        400: {description: "bad URL (not https in production, a private address) or events"}
        409: {description: too many endpoints}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=ROLES)
    endpoint, secret = webhooks.create_endpoint(session(), who, tenant, read(WEBHOOK_ENDPOINT),
                                                policy=url_policy(), now=now(),
                                                resolve=resolver())
    commit()
    return jsonify(serialize.webhook_endpoint(endpoint, secret)), 201


@bp.get("/tenants/<int:tenant_id>/webhook-endpoints")
def list_webhook_endpoints(tenant_id: int):
    """Endpoints.
    ---
    get:
      summary: The tenant's webhook endpoints, without their secrets (owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [{id, url, events, created_at}]}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=ROLES)
    return jsonify({"items": [serialize.webhook_endpoint(e)
                              for e in webhooks.list_endpoints(session(), tenant.id)]})


@bp.delete("/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>")
def delete_webhook_endpoint(tenant_id: int, endpoint_id: int):
    """Delete an endpoint.
    ---
    delete:
      summary: Stop sending to an endpoint (owner); its pending deliveries end failed
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: endpoint_id, in: path, required: true, schema: {type: integer}}
      responses:
        204: {description: deleted}
        404: {description: no such endpoint of this tenant}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=ROLES)
    webhooks.delete_endpoint(session(), who, tenant, endpoint_id, now=now())
    commit()
    return Response(status=204)


@bp.get("/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>/deliveries")
def webhook_delivery_log(tenant_id: int, endpoint_id: int):
    """Delivery log.
    ---
    get:
      summary: The endpoint's latest delivery attempts with their status codes (owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: endpoint_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [{at, event_id, type, status_code, error, ...}]}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=ROLES)
    return jsonify({"items": [serialize.webhook_attempt(line) for line in
                              webhooks.delivery_log(session(), tenant.id, endpoint_id)]})


@bp.post("/tenants/<int:tenant_id>/webhook-endpoints/<int:endpoint_id>/test")
def test_webhook_endpoint(tenant_id: int, endpoint_id: int):
    """Send a test event.
    ---
    post:
      summary: Queue a `webhook.test` event to this endpoint (owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: endpoint_id, in: path, required: true, schema: {type: integer}}
      responses:
        202: {description: "{delivery_id}: delivered in the background"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=ROLES)
    delivery = webhooks.send_test(session(), who, tenant, endpoint_id, now=now())
    commit()
    return jsonify({"delivery_id": delivery.id}), 202
