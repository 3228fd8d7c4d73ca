"""Tenants: create, list, read, change settings, suspend and resume."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.services import tenants as tenant_service
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import NEW_TENANT, REASON, TENANT_SETTINGS
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read


@bp.post("/tenants")
@accepts(NEW_TENANT)
def create_tenant():
    """Create a tenant.
    ---
    post:
      summary: Create a tenant (status pending) with its owner and rate plan
      responses:
        201: {description: the tenant}
        400: {description: invalid input}
        403: {description: admins only}
        409: {description: owner email already used}
    """
    who = actor()
    require_admin(who)  # before the body: other roles learn nothing of its fields
    tenant = tenant_service.create_tenant(session(), who, read(NEW_TENANT), now=now())
    commit()
    return jsonify(serialize.tenant(tenant)), 201


@bp.get("/tenants")
def list_tenants():
    """List tenants.
    ---
    get:
      summary: Tenants the caller may see (admins all, with search)
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string}}
      responses:
        200: {description: "{items: [tenant]}"}
    """
    items = tenant_service.list_tenants(session(), actor(), q=request.args.get("q"),
                                        status=request.args.get("status"))
    facts = tenant_service.facts_for(session(), [t.id for t in items], at=now())
    return jsonify({"items": [serialize.tenant(t, facts[t.id]) for t in items]})


@bp.get("/tenants/<int:tenant_id>")
def get_tenant(tenant_id: int):
    """Read a tenant.
    ---
    get:
      summary: One tenant with balance, available funds and settings
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the tenant}
        404: {description: not found (or another tenant's)}
    """
    return jsonify(serialize.tenant(tenant_for(session(), actor(), tenant_id)))


@bp.patch("/tenants/<int:tenant_id>")
@accepts(TENANT_SETTINGS)
def patch_tenant(tenant_id: int):
    """Change settings.
    ---
    patch:
      summary: Change a tenant's settings (admin)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the tenant}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    tenant_service.update_settings(session(), who, tenant, read(TENANT_SETTINGS), now=now())
    commit()
    return jsonify(serialize.tenant(tenant))


@bp.post("/tenants/<int:tenant_id>/suspension")
@accepts(REASON)
def suspend_tenant(tenant_id: int):
    """Suspend a tenant.
    ---
    post:
      summary: Suspend a tenant (admin), with a reason
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the tenant}
        409: {description: not in a state that can be suspended}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    tenant_service.suspend(session(), who, tenant, read(REASON).reason, now=now())
    commit()
    return jsonify(serialize.tenant(tenant))


@bp.delete("/tenants/<int:tenant_id>/suspension")
@accepts(REASON)
def resume_tenant(tenant_id: int):
    """Resume a tenant.
    ---
    delete:
      summary: Lift a suspension (admin), with a reason
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the tenant}
        409: {description: not suspended}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    tenant_service.resume(session(), who, tenant, read(REASON).reason, now=now())
    commit()
    return jsonify(serialize.tenant(tenant))
