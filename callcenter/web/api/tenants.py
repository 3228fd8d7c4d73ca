"""Tenants: create, list, read, change settings, suspend and resume."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.domain.errors import InvalidInput
from callcenter.extensions import db
from callcenter.services import tenants as tenant_service
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, json_body, now


@bp.post("/tenants")
def create_tenant():
    """Create a tenant.
    ---
    post:
      summary: Create a tenant (status pending) with its owner and rate plan
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name, currency, timezone, owner_email, owner_password,
                         rate_per_minute, seat_price_monthly]
              properties:
                name: {type: string}
                currency: {type: string, example: USD}
                timezone: {type: string, example: Asia/Shanghai}
                owner_email: {type: string}
                owner_password: {type: string}
                rate_per_minute: {type: string, example: "0.013"}
                billing_increment: {type: string, example: "60/60"}
                connect_fee: {type: string, example: "0.00"}
                seat_price_monthly: {type: string, example: "30.00"}
      responses:
        201: {description: the tenant}
        400: {description: invalid input}
        403: {description: admins only}
        409: {description: owner email already used}
    """
    new = tenant_service.parse_new_tenant(json_body())
    tenant = tenant_service.create_tenant(db.session, actor(), new, now=now())
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
    items = tenant_service.list_tenants(db.session, actor(), q=request.args.get("q"),
                                        status=request.args.get("status"))
    facts = tenant_service.facts_for(db.session, [t.id for t in items])
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
    return jsonify(serialize.tenant(tenant_for(db.session, actor(), tenant_id)))


@bp.patch("/tenants/<int:tenant_id>")
def patch_tenant(tenant_id: int):
    """Change settings.
    ---
    patch:
      summary: Change a tenant's settings (admin)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                consent_required: {type: boolean}
                script_required: {type: boolean}
                calling_window: {type: object}
                low_balance_threshold: {type: string}
                grace_days: {type: integer}
                caller_id: {type: string}
      responses:
        200: {description: the tenant}
    """
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin",))
    tenant_service.update_settings(db.session, who, tenant, json_body(), now=now())
    commit()
    return jsonify(serialize.tenant(tenant))


def _reason() -> str:
    reason = json_body().get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("reason is required", details={"field": "reason"})
    return reason


@bp.post("/tenants/<int:tenant_id>/suspension")
def suspend_tenant(tenant_id: int):
    """Suspend a tenant.
    ---
    post:
      summary: Suspend a tenant (admin), with a reason
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string}}}
      responses:
        200: {description: the tenant}
        409: {description: not in a state that can be suspended}
    """
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin",))
    tenant_service.suspend(db.session, who, tenant, _reason(), now=now())
    commit()
    return jsonify(serialize.tenant(tenant))


@bp.delete("/tenants/<int:tenant_id>/suspension")
def resume_tenant(tenant_id: int):
    """Resume a tenant.
    ---
    delete:
      summary: Lift a suspension (admin), with a reason
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [reason], properties: {reason: {type: string}}}
      responses:
        200: {description: the tenant}
        409: {description: not suspended}
    """
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin",))
    tenant_service.resume(db.session, who, tenant, _reason(), now=now())
    commit()
    return jsonify(serialize.tenant(tenant))
