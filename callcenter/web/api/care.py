"""Disputes of charges and complaints about calls."""

from __future__ import annotations

from flask import current_app, jsonify, request

from callcenter.domain.errors import InvalidInput
from callcenter.models import DISPUTE_STATUSES
from callcenter.services import complaints, disputes
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import COMPLAINT, DISPUTE, DISPUTE_RESOLUTION
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.params import cursor_page


def _dispute_json(d) -> dict:
    tenant = disputes.tenant_of(session(), d)
    return serialize.dispute(d, tenant.currency,
                             credit_note=disputes.credit_note_number(session(), d))


@bp.post("/tenants/<int:tenant_id>/disputes")
@accepts(DISPUTE)
def open_dispute(tenant_id: int):
    """Dispute a charge.
    ---
    post:
      summary: Dispute a ledger entry or a call's charge (owner)
      description: >
        Refused (409) if the charge is older than DISPUTE_WINDOW_DAYS or already has an
        open dispute; another tenant's entry or call is 404.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: "the dispute, status open"}
        404: {description: no such entry or call of this tenant}
        409: {description: "invalid_state: outside the window; conflict: already open"}
    """
    who = actor()
    tenant_for(session(), who, tenant_id, roles=("owner",))
    dispute = disputes.open_dispute(session(), who, tenant_id, read(DISPUTE), now=now(),
                                    window_days=current_app.config["DISPUTE_WINDOW_DAYS"])
    commit()
    return jsonify(_dispute_json(dispute)), 201


@bp.get("/tenants/<int:tenant_id>/disputes")
def tenant_disputes(tenant_id: int):
    """A tenant's disputes.
    ---
    get:
      summary: The tenant's disputes and their resolutions, newest first (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    return jsonify(cursor_page(
        lambda before, limit: disputes.for_tenant(session(), who, tenant.id, before_id=before,
                                                  limit=limit), _dispute_json))


@bp.get("/disputes")
def list_disputes():
    """Every dispute.
    ---
    get:
      summary: Every tenant's disputes, newest first, optionally by status (admin)
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, rejected, credited]}}
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    who = actor()
    require_admin(who)
    status = request.args.get("status")
    if status is not None and status not in DISPUTE_STATUSES:
        raise InvalidInput("status must be open, rejected or credited",
                           details={"field": "status"})
    return jsonify(cursor_page(
        lambda before, limit: disputes.all_disputes(session(), who, status=status,
                                                    before_id=before, limit=limit),
        _dispute_json))


@bp.get("/disputes/<int:dispute_id>")
def get_dispute(dispute_id: int):
    """One dispute.
    ---
    get:
      summary: One dispute (admin; owner of its tenant)
      parameters:
        - {name: dispute_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the dispute}
        404: {description: not found (or another tenant's)}
    """
    return jsonify(_dispute_json(disputes.get(session(), actor(), dispute_id)))


@bp.post("/disputes/<int:dispute_id>/resolution")
@accepts(DISPUTE_RESOLUTION)
def resolve_dispute(dispute_id: int):
    """Resolve a dispute.
    ---
    post:
      summary: Reject a dispute with a note, or credit it (admin)
      description: >
        A credit posts a ledger entry of kind credit and a credit note, exactly once even
        if the resolution is sent twice; the same resolution again answers 200, another
        one 409.
      parameters:
        - {name: dispute_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the resolved dispute}
        409: {description: "invalid_state: already resolved otherwise"}
    """
    who = actor()
    require_admin(who)  # before the body: other roles learn nothing of its fields
    dispute = disputes.resolve(session(), who, dispute_id, read(DISPUTE_RESOLUTION),
                               now=now())
    commit()
    return jsonify(_dispute_json(dispute))


@bp.post("/tenants/<int:tenant_id>/complaints")
@accepts(COMPLAINT)
def record_complaint(tenant_id: int):
    """Record a complaint.
    ---
    post:
      summary: Record a complaint about a tenant's calls to a number (admin)
      description: The number goes onto the tenant's do-not-call list at once.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: the complaint}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))  # before the body
    complaint = complaints.record(session(), who, tenant, read(COMPLAINT), now=now())
    commit()
    return jsonify(serialize.complaint(complaint)), 201


@bp.get("/tenants/<int:tenant_id>/complaints")
def tenant_complaints(tenant_id: int):
    """A tenant's complaints.
    ---
    get:
      summary: Complaints about the tenant's calls, newest first (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    return jsonify(cursor_page(
        lambda before, limit: complaints.for_tenant(session(), who, tenant.id, before_id=before,
                                                    limit=limit), serialize.complaint))
