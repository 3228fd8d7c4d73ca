"""The tenant's data: export as a zip, and erasure after termination."""

from __future__ import annotations

from flask import current_app, jsonify, send_file

from callcenter.extensions import db
from callcenter.services import erasure, export
from callcenter.services.access import tenant_for
from callcenter.web.api import bp, serialize
from callcenter.web.context import actor, commit, now


def export_response(tenant_id: int):
    """Build the zip for an admin or the tenant's owner and send it."""
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin", "owner"))
    moment = now()
    archive = export.build(db.session, who, tenant, now=moment)
    commit()
    name = f"{tenant.account_code or tenant.id}-export-{moment:%Y%m%d%H%M%S}.zip"
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=name)


def erase_tenant(tenant_id: int):
    """Erase a terminated tenant's customer data (admin); returns the record."""
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin",))
    record = erasure.erase(db.session, who, tenant.id, secret=current_app.config["SECRET_KEY"],
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
