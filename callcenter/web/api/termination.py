"""Termination with its final settlement, refund lines, and the tenant's request."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.domain.errors import Conflict, NotFound
from callcenter.models import Tenant
from callcenter.services import settlement, termination
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import LINE_CLOSURE, TERMINATION, TERMINATION_REQUEST
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session, uow
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.providers import gateway, require_gateway, twilio_lookup


def settlement_json(tenant: Tenant) -> dict:
    """The tenant's termination with every line, or NotFound."""
    term = termination.for_tenant(session(), tenant.id)
    if term is None:
        raise NotFound("this tenant has no termination")
    rows = termination.lines(session(), term.id)
    return serialize.termination(term, rows, termination.intent_ids(session(), rows))


@bp.post("/tenants/<int:tenant_id>/termination")
@accepts(TERMINATION)
def terminate_tenant(tenant_id: int):
    """Terminate a tenant.
    ---
    post:
      summary: Terminate and settle (admin); card refunds go out newest payment first
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: the settlement with every line}
        200: {description: already settled; the settlement}
        409: {description: "open holds, listed in error.details.open_holds; calls stopped"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    order = read(TERMINATION)
    outcome = termination.terminate_tenant(
        uow(), who, tenant.id, order.reason, now=now(), gateway=gateway(),
        lookup=twilio_lookup(), force=order.force)
    if outcome.blocked_by:
        # The stop of new calls is committed; the settlement waits for the holds.
        raise Conflict("open holds must be settled first (calls stopped meanwhile)",
                       details={"open_holds": [serialize.hold(h, tenant.currency)
                                               for h in outcome.blocked_by]})
    return jsonify(settlement_json(tenant)), 201 if outcome.created else 200


@bp.get("/tenants/<int:tenant_id>/termination")
def get_termination(tenant_id: int):
    """Read the settlement.
    ---
    get:
      summary: The tenant's termination and settlement lines with their states
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the termination}
        404: {description: none requested or made}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=("admin", "owner"))
    return jsonify(settlement_json(tenant))


@bp.get("/tenants/<int:tenant_id>/termination/preview")
def preview_termination(tenant_id: int):
    """Preview the settlement.
    ---
    get:
      summary: What terminating now with this reason would book; nothing changes
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: reason, in: query, required: true, schema: {type: string}}
      responses:
        200: {description: the planned lines and any open holds}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=("admin",))
    plan = settlement.plan(session(), tenant, request.args.get("reason"), now=now())
    return jsonify(serialize.settlement_plan(plan))


@bp.post("/tenants/<int:tenant_id>/termination-request")
@accepts(TERMINATION_REQUEST)
def request_termination(tenant_id: int):
    """Ask for termination.
    ---
    post:
      summary: The tenant's owner asks to end the service; an admin confirms
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: the requested termination}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    termination.request(session(), who, tenant, read(TERMINATION_REQUEST).note, now=now())
    commit()
    return jsonify(settlement_json(tenant)), 201


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/retry")
def retry_refund(tenant_id: int, line_id: int):
    """Retry a card refund.
    ---
    post:
      summary: Send a failed or unconfirmed card refund again (same idempotency key)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: line_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the settlement; the line's new state}
        409: {description: the line is not a pending or failed card refund}
        503: {description: card payments are not configured}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    line = termination.line_of(session(), tenant.id, line_id)
    termination.retry_refund(session(), who, require_gateway(), line, now=now())
    commit()
    return jsonify(settlement_json(tenant))


@bp.post("/tenants/<int:tenant_id>/termination/lines/<int:line_id>/close")
@accepts(LINE_CLOSURE)
def close_line(tenant_id: int, line_id: int):
    """Record a bank refund as paid.
    ---
    post:
      summary: Mark a bank refund paid (with the bank's reference), or a receivable paid/waived
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: line_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the settlement}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    closure = read(LINE_CLOSURE)
    line = termination.line_of(session(), tenant.id, line_id)
    termination.close_line(session(), who, line, closure.status, closure.reference,
                           now=now())
    commit()
    return jsonify(settlement_json(tenant))
