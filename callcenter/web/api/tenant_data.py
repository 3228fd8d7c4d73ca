"""The tenant's data: export as a zip, and erasure after termination."""

from __future__ import annotations

from flask import current_app, jsonify

from callcenter.services import erasure, erasure_request
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import ERASURE_REQUEST
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, now, session
from callcenter.web.common.inputs import accepts, read
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
@accepts(ERASURE_REQUEST)
def erase(tenant_id: int):
    """Erase a terminated tenant's customer data.
    ---
    post:
      summary: Delete customer data, tokenize phone numbers, deactivate users (admin; the
        owner after settlement, on request)
      description: The ledger, payments and settlement stay. The tenant becomes purged.
        An owner asks for immediate erasure once its termination is settled, with
        `confirm` true, after downloading the export (`GET .../export`) or with
        `declined_export` true; its users are deactivated at once, this one included.
        Without a request, the billing job erases after the retention period.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: "the erasure record: what was removed, when, by whom"}
        409: {description: "not terminated and settled, already erased, or (owner) the
          export neither downloaded nor declined"}
    """
    who = actor()
    if who.role != "owner":
        return jsonify(serialize.erasure(erase_tenant(tenant_id))), 201
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    wanted = read(ERASURE_REQUEST)
    record = erasure_request.request(session(), who, tenant, confirm=wanted.confirm,
                                     declined_export=wanted.declined_export,
                                     secret=current_app.config["SECRET_KEY"], now=now())
    commit()
    return jsonify(serialize.erasure(record)), 201
