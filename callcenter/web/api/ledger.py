"""Top-ups recorded by admins, and the ledger with cursor pagination."""

from __future__ import annotations

from flask import jsonify

from callcenter.services import ledger as ledger_service
from callcenter.services import topups
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import BANK_TRANSFER
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, manual_topup_limit, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.params import cursor_page


@bp.post("/tenants/<int:tenant_id>/topups")
@accepts(BANK_TRANSFER)
def create_topup(tenant_id: int):
    """Record a bank transfer.
    ---
    post:
      summary: Record a bank transfer (admin); idempotent on the bank's reference
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: credited}
        200: {description: already recorded (same reference and amount)}
        400: {description: "invalid input, or above MAX_MANUAL_TOPUP"}
        409: {description: reference already used with another amount}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    transfer = read(BANK_TRANSFER)
    posting = topups.record_bank_transfer(session(), who, tenant, transfer.amount,
                                          transfer.reference, now=now(),
                                          max_micros=manual_topup_limit())
    commit()
    body = {"entry": serialize.ledger_entry(posting.entry, tenant.currency),
            "tenant": serialize.tenant(tenant)}
    return jsonify(body), 201 if posting.created else 200


@bp.get("/tenants/<int:tenant_id>/ledger")
def list_ledger(tenant_id: int):
    """Ledger entries.
    ---
    get:
      summary: The tenant's ledger, newest first
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 200}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=("admin", "owner"))
    return jsonify(cursor_page(
        lambda before, limit: ledger_service.entries(session(), tenant.id, before_id=before,
                                                     limit=limit),
        lambda e: serialize.ledger_entry(e, tenant.currency)))
