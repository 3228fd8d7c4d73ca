"""Do-not-call lists: the tenant's own and the platform's."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.services import dnc
from callcenter.services import number_lists as lists
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.compliance import LIST_ROLES
from callcenter.web.api.inputs import DNC_NUMBERS, NUMBER_REF
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.params import list_window, offset_page


@bp.post("/tenants/<int:tenant_id>/dnc")
@accepts(DNC_NUMBERS)
def add_tenant_dnc(tenant_id: int):
    """Add to the tenant's do-not-call list.
    ---
    post:
      summary: Add numbers to the tenant's do-not-call list (JSON or CSV); per-row report
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{valid, duplicate, invalid, rows}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=LIST_ROLES)
    batch = read(DNC_NUMBERS)
    dnc.add(session(), who, tenant.id, batch.rows, reason=batch.reason, now=now())
    commit()
    return jsonify(lists.summary(batch.rows))


@bp.get("/tenants/<int:tenant_id>/dnc")
def list_tenant_dnc(tenant_id: int):
    """List the tenant's do-not-call numbers.
    ---
    get:
      summary: The tenant's do-not-call list
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: q, in: query, schema: {type: string}}
        - {name: offset, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 5000}}
      responses:
        200: {description: "{items, next_offset}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=LIST_ROLES)
    offset, limit = list_window()
    rows = dnc.search(session(), tenant.id, q=request.args.get("q"), offset=offset,
                      limit=limit + 1)
    return jsonify(offset_page(rows, offset, limit, serialize.dnc_entry))


def _remove(tenant_id: int | None, number: str | None):
    who = actor()
    if tenant_id is None:
        require_admin(who)
    else:
        tenant_for(session(), who, tenant_id, roles=LIST_ROLES)
    number = number if number is not None else read(NUMBER_REF).number
    dnc.remove(session(), who, tenant_id, number)
    commit()
    return "", 204


@bp.post("/tenants/<int:tenant_id>/dnc/removals")
@accepts(NUMBER_REF)
def remove_tenant_dnc_by_body(tenant_id: int):
    """Remove from the tenant's do-not-call list.
    ---
    post:
      summary: Take a number off the tenant's do-not-call list
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        204: {description: removed}
    """
    return _remove(tenant_id, None)


@bp.post("/dnc/removals")
@accepts(NUMBER_REF)
def remove_platform_dnc_by_body():
    """Remove from the platform do-not-call list.
    ---
    post:
      summary: Take a number off the platform-wide list (admin)
      responses:
        204: {description: removed}
    """
    return _remove(None, None)


@bp.delete("/tenants/<int:tenant_id>/dnc/<path:number>")
def remove_tenant_dnc(tenant_id: int, number: str):
    """Remove from the tenant's do-not-call list (the number in the path: old clients).
    ---
    delete:
      summary: Take a number off the tenant's list; prefer POST .../dnc/removals
      deprecated: true
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        204: {description: removed}
    """
    return _remove(tenant_id, number)


@bp.post("/dnc")
@accepts(DNC_NUMBERS)
def add_platform_dnc():
    """Add to the platform do-not-call list.
    ---
    post:
      summary: Add numbers to the platform-wide do-not-call list (admin)
      responses:
        200: {description: "{valid, duplicate, invalid, rows}"}
    """
    who = actor()
    require_admin(who)
    batch = read(DNC_NUMBERS)
    dnc.add(session(), who, None, batch.rows, reason=batch.reason, now=now())
    commit()
    return jsonify(lists.summary(batch.rows))


@bp.get("/dnc")
def list_platform_dnc():
    """List the platform do-not-call numbers.
    ---
    get:
      summary: The platform-wide do-not-call list (admin)
      parameters:
        - {name: q, in: query, schema: {type: string}}
        - {name: offset, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 5000}}
      responses:
        200: {description: "{items, next_offset}"}
    """
    require_admin(actor())
    offset, limit = list_window()
    rows = dnc.search(session(), None, q=request.args.get("q"), offset=offset,
                      limit=limit + 1)
    return jsonify(offset_page(rows, offset, limit, serialize.dnc_entry))


@bp.delete("/dnc/<path:number>")
def remove_platform_dnc(number: str):
    """Remove from the platform do-not-call list (the number in the path: old clients).
    ---
    delete:
      summary: Take a number off the platform-wide list (admin); prefer POST /dnc/removals
      deprecated: true
      parameters:
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        204: {description: removed}
    """
    return _remove(None, number)
