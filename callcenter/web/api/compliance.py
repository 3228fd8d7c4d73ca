"""Compliance: decision checks, consent and do-not-call lists, scripts, the lexicon."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.domain.clock import parse_as_of
from callcenter.domain.errors import InvalidInput
from callcenter.extensions import db
from callcenter.services import compliance, consents, scripts
from callcenter.services import number_lists as lists
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, compliance_policy, json_body, now
from callcenter.web.common.params import list_window, offset_page

LIST_ROLES = ("admin", "owner")


def request_rows(columns: tuple[str, ...]) -> tuple[list[lists.Row], dict]:
    """Rows from an uploaded CSV (`file`) or a JSON body with `numbers`."""
    upload = request.files.get("file")
    if upload is not None:
        return lists.rows_from_csv(upload.read(), columns), request.form.to_dict()
    data = json_body()
    return lists.rows_from_numbers(data.get("numbers")), data


@bp.post("/tenants/<int:tenant_id>/compliance/check")
def compliance_check(tenant_id: int):
    """Check a call.
    ---
    post:
      summary: The compliance decision a call to `to` would get at `at` (default now)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [to]
              properties:
                to: {type: string}
                at: {type: string, format: date-time}
      responses:
        200: {description: "{allowed, reasons, callee_timezones}"}
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    data = json_body()
    if not isinstance(data.get("to"), str):
        raise InvalidInput("to is required", details={"field": "to"})
    at = parse_as_of(data.get("at")) or now()
    decision = compliance.check(db.session, tenant, data["to"], at, compliance_policy())
    return jsonify({"allowed": decision.allowed, "reasons": decision.reasons,
                    "callee_timezones": list(decision.callee_timezones), "at": at.isoformat()})


@bp.post("/tenants/<int:tenant_id>/consents")
def add_consents(tenant_id: int):
    """Record consents.
    ---
    post:
      summary: Record consent for numbers (JSON list or CSV upload); a per-row report
      description: CSV columns number (required), source, evidence. Rows are valid,
        duplicate or invalid (with the reason); valid rows are applied.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [numbers, source]
              properties:
                numbers: {type: array, items: {type: string}}
                source: {type: string}
                evidence: {type: string}
          multipart/form-data:
            schema:
              type: object
              properties:
                file: {type: string, format: binary}
                source: {type: string}
      responses:
        200: {description: "{valid, duplicate, invalid, rows}"}
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    rows, data = request_rows(("source", "evidence"))
    consents.grant(db.session, tenant, rows, source=data.get("source"),
                   evidence=data.get("evidence"), now=now())
    commit()
    return jsonify(lists.summary(rows))


@bp.get("/tenants/<int:tenant_id>/consents")
def list_consents(tenant_id: int):
    """List consents.
    ---
    get:
      summary: Consent records (search by number or source)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: q, in: query, schema: {type: string}}
        - {name: offset, in: query, schema: {type: integer}}
        - {name: limit, in: query, schema: {type: integer, maximum: 5000}}
      responses:
        200: {description: "{items, next_offset}"}
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    offset, limit = list_window()
    rows = consents.search(db.session, tenant.id, q=request.args.get("q"), offset=offset,
                           limit=limit + 1)
    return jsonify(offset_page(rows, offset, limit, serialize.consent))


@bp.delete("/tenants/<int:tenant_id>/consents/<path:number>")
def revoke_consent(tenant_id: int, number: str):
    """Revoke consent.
    ---
    delete:
      summary: Revoke a number's consent; later calls to it are refused
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        200: {description: the consent record}
        404: {description: no consent on record}
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    consent = consents.revoke(db.session, tenant, number, now=now())
    commit()
    return jsonify(serialize.consent(consent))


@bp.post("/tenants/<int:tenant_id>/scripts")
def submit_script(tenant_id: int):
    """Submit a script.
    ---
    post:
      summary: Submit a call script; clean scripts are approved at once
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [title, text]
              properties:
                title: {type: string}
                text: {type: string}
      responses:
        201:
          description: "{id, status, hits: [{term, category, start, end, rule, severity,
            explanation}]}"
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    script = scripts.submit(db.session, tenant, json_body(), now=now())
    commit()
    return jsonify(serialize.script(script)), 201


@bp.get("/tenants/<int:tenant_id>/scripts")
def list_scripts(tenant_id: int):
    """List scripts.
    ---
    get:
      summary: The tenant's scripts with status and hits
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items}"}
    """
    tenant = tenant_for(db.session, actor(), tenant_id, roles=LIST_ROLES)
    return jsonify({"items": [serialize.script(s)
                              for s in scripts.for_tenant(db.session, tenant.id)]})


@bp.post("/scripts/<int:script_id>/review")
def review_script(script_id: int):
    """Review a script.
    ---
    post:
      summary: Approve or reject a script waiting for review (admin)
      parameters:
        - {name: script_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [decision]
              properties:
                decision: {type: string, enum: [approve, reject]}
                note: {type: string}
      responses:
        200: {description: the script}
        409: {description: not waiting for review}
    """
    data = json_body()
    script = scripts.review(db.session, actor(), script_id, data.get("decision"),
                            data.get("note"), now=now())
    commit()
    return jsonify(serialize.script(script))
