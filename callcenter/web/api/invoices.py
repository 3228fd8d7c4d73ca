"""Invoices, credit notes, service credits and balance adjustments."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.domain.errors import InvalidInput
from callcenter.services import credits, invoices
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import ADJUSTMENT, CREDIT, FAPIAO
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, idempotency_key, now, session
from callcenter.web.common.documents import credit_note_json, invoice_json, pdf_response
from callcenter.web.common.inputs import accepts, read

READERS = ("admin", "owner")
TENANT = {"name": "tenant_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "pdf"):
        raise InvalidInput("format must be json or pdf", details={"field": "format"})
    return fmt


@bp.get("/tenants/<int:tenant_id>/invoices")
def list_invoices(tenant_id: int):
    """List invoices.
    ---
    get:
      summary: The tenant's invoices, newest first (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [invoice]}"}
        404: {description: not found (or another tenant's)}
    """
    items = invoices.list_for(session(), actor(), tenant_id)
    return jsonify({"items": [invoice_json(i) for i in items]})


@bp.get("/tenants/<int:tenant_id>/invoices/<number>")
def get_invoice(tenant_id: int, number: str):
    """Read an invoice.
    ---
    get:
      summary: One invoice by number, as JSON or PDF (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
        - {name: format, in: query, schema: {type: string, enum: [json, pdf]}}
      responses:
        200:
          description: the invoice, or its PDF
          content:
            application/json: {schema: {type: object}}
            application/pdf: {schema: {type: string, format: binary}}
        400: {description: an unknown format}
        404: {description: no such invoice (or another tenant's)}
    """
    fmt = _format()
    invoice = invoices.get(session(), actor(), tenant_id, number)
    if fmt == "pdf":
        return pdf_response(invoice, zone=tenant_for(session(), actor(), tenant_id).timezone)
    return jsonify(invoice_json(invoice))


@bp.patch("/tenants/<int:tenant_id>/invoices/<number>")
@accepts(FAPIAO)
def record_fapiao(tenant_id: int, number: str):
    """Record a fapiao number.
    ---
    patch:
      summary: Record the official fapiao number issued for an invoice (admin; audited)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        200: {description: the invoice}
        400: {description: invalid input}
        404: {description: no such invoice}
    """
    who = actor()
    tenant_for(session(), who, tenant_id, roles=("admin",))  # before the body
    invoice = invoices.record_fapiao(session(), who, tenant_id, number,
                                     read(FAPIAO).fapiao_number, now=now())
    commit()
    return jsonify(invoice_json(invoice))


@bp.get("/tenants/<int:tenant_id>/credit-notes")
def list_credit_notes(tenant_id: int):
    """List credit notes.
    ---
    get:
      summary: The tenant's credit notes, newest first (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [credit note]}"}
        404: {description: not found (or another tenant's)}
    """
    tenant_for(session(), actor(), tenant_id, roles=READERS)
    notes = credits.credit_notes(session(), tenant_id)
    return jsonify({"items": [credit_note_json(n) for n in notes]})


@bp.get("/tenants/<int:tenant_id>/credit-notes/<number>")
def get_credit_note(tenant_id: int, number: str):
    """Read a credit note.
    ---
    get:
      summary: One credit note by number, as JSON or PDF (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
        - {name: format, in: query, schema: {type: string, enum: [json, pdf]}}
      responses:
        200:
          description: the credit note, or its PDF
          content:
            application/json: {schema: {type: object}}
            application/pdf: {schema: {type: string, format: binary}}
        400: {description: an unknown format}
        404: {description: no such credit note (or another tenant's)}
    """
    fmt = _format()
    tenant = tenant_for(session(), actor(), tenant_id, roles=READERS)
    note = credits.credit_note(session(), tenant_id, number)
    if fmt == "pdf":
        return pdf_response(note, zone=tenant.timezone)
    return jsonify(credit_note_json(note))


@bp.post("/tenants/<int:tenant_id>/credits")
@accepts(CREDIT)
def grant_credit(tenant_id: int):
    """Grant a service credit.
    ---
    post:
      summary: Credit the balance (ledger kind credit) and issue a credit note (admin)
      description: >
        An Idempotency-Key header makes a retry return the first credit instead of
        granting a second one.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 100}}
      responses:
        201: {description: "the ledger entry, with its credit_note"}
        400: {description: invalid input}
        404: {description: not found}
        409: {description: "a closed account, or the key reused with another amount"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))  # before the body
    body = read(CREDIT)
    key = idempotency_key()
    note = credits.grant_credit(session(), actor=who, tenant_id=tenant_id,
                                amount_micros=body.amount, reason=body.reason,
                                reference=body.reference, now=now(),
                                idempotency_key=f"api:{key}" if key else None)
    entry = credits.entry_of(session(), note)
    commit()
    out = serialize.ledger_entry(entry, tenant.currency)
    out["credit_note"] = credit_note_json(note)
    return jsonify(out), 201


@bp.post("/tenants/<int:tenant_id>/adjustments")
@accepts(ADJUSTMENT)
def post_adjustment(tenant_id: int):
    """Adjust a balance.
    ---
    post:
      summary: A signed correction of the balance with a required reason (admin; audited)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201: {description: the ledger entry of kind adjustment}
        400: {description: invalid input (a reason is required)}
        402: {description: "would uncover funds held for calls or messages in progress"}
        404: {description: not found}
        409: {description: a closed account}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))  # before the body
    body = read(ADJUSTMENT)
    entry = credits.post_adjustment(session(), actor=who, tenant_id=tenant_id,
                                    amount_micros=body.amount, reason=body.reason, now=now())
    commit()
    return jsonify(serialize.ledger_entry(entry, tenant.currency)), 201
