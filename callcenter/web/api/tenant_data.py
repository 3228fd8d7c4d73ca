"""The tenant's data: export as a zip, and erasure after termination."""

from __future__ import annotations

from flask import current_app, jsonify

from callcenter.services import erasure
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.responses import export_response


def erase_tenant(tenant_id: int):
    """Erase a terminated tenant's customer data (admin); returns the record."""
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    record = erasure.erase(session(), who, tenant.id, secret=current_app.config["SECRET_KEY"],
                           now=now())
    commit()
    return record


@bp.get("/tenants/<int:tenant_id>/export")
def export_tenant(tenant_id: int):
    """Export the tenant's data.
    ---
    get:
      summary: A zip of JSON and CSV files, one pair per table, with a manifest
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200:
          description: the zip
          content: {application/zip: {schema: {type: string, format: binary}}}
        409: {description: the data was erased}
    """
    return export_response(tenant_id)


@bp.post("/tenants/<int:tenant_id>/erasure")
def erase(tenant_id: int):
    """Erase a terminated tenant's customer data.
    ---
    post:
      summary: Delete customer data, tokenize phone numbers, deactivate users (admin)
      description: The ledger, payments and settlement stay. The tenant becomes purged.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: "the erasure record: what was removed, when, by whom"}
        409: {description: "not terminated, or already erased"}
    """
    return jsonify(serialize.erasure(erase_tenant(tenant_id))), 201
