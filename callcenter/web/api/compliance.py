"""Compliance: decision checks, consent and do-not-call lists, scripts, the lexicon."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.services import compliance, consents, scripts
from callcenter.services import number_lists as lists
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import (
    COMPLIANCE_CHECK,
    CONSENTS,
    NEW_SCRIPT,
    NUMBER_REF,
    SCRIPT_REVIEW,
)
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, compliance_policy, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.params import list_window, offset_page

LIST_ROLES = ("admin", "owner")


@bp.post("/tenants/<int:tenant_id>/compliance/check")
@accepts(COMPLIANCE_CHECK)
def compliance_check(tenant_id: int):
    """Check a call.
    ---
    post:
      summary: The compliance decision a call to `to` would get at `at` (default now)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{allowed, reasons, callee_timezones}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=LIST_ROLES)
    wanted = read(COMPLIANCE_CHECK)
    at = wanted.at or now()
    decision = compliance.check(session(), tenant, wanted.to, at, compliance_policy())
    return jsonify({"allowed": decision.allowed, "reasons": decision.reasons,
                    "callee_timezones": list(decision.callee_timezones), "at": at.isoformat()})


@bp.post("/tenants/<int:tenant_id>/consents")
@accepts(CONSENTS)
def add_consents(tenant_id: int):
    """Record consents.
    ---
    post:
      summary: Record consent for numbers (JSON list or CSV upload); a per-row report
      description: CSV columns number (required), source, evidence. Rows are valid,
        duplicate or invalid (with the reason); valid rows are applied.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{valid, duplicate, invalid, rows}"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=LIST_ROLES)
    batch = read(CONSENTS)
    consents.grant(session(), who, tenant, batch.rows, source=batch.source,
                   evidence=batch.evidence, now=now())
    commit()
    return jsonify(lists.summary(batch.rows))


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
    tenant = tenant_for(session(), actor(), tenant_id, roles=LIST_ROLES)
    offset, limit = list_window()
    rows = consents.search(session(), tenant.id, q=request.args.get("q"), offset=offset,
                           limit=limit + 1)
    return jsonify(offset_page(rows, offset, limit, serialize.consent))


def _revoke(tenant_id: int, number: str | None):
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=LIST_ROLES)
    number = number if number is not None else read(NUMBER_REF).number
    consent = consents.revoke(session(), who, tenant, number, now=now())
    commit()
    return jsonify(serialize.consent(consent))


@bp.post("/tenants/<int:tenant_id>/consents/revocations")
@accepts(NUMBER_REF)
def revoke_consent_by_body(tenant_id: int):
    """Revoke consent.
    ---
    post:
      summary: Revoke a number's consent; later calls to it are refused
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the consent record}
        404: {description: no consent on record}
    """
    return _revoke(tenant_id, None)


@bp.delete("/tenants/<int:tenant_id>/consents/<path:number>")
def revoke_consent(tenant_id: int, number: str):
    """Revoke consent (the number in the path: kept for old clients).
    ---
    delete:
      summary: Revoke a number's consent; prefer POST .../consents/revocations
      deprecated: true
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: number, in: path, required: true, schema: {type: string}}
      responses:
        200: {description: the consent record}
        404: {description: no consent on record}
    """
    return _revoke(tenant_id, number)


@bp.post("/tenants/<int:tenant_id>/scripts")
@accepts(NEW_SCRIPT)
def submit_script(tenant_id: int):
    """Submit a script.
    ---
    post:
      summary: Submit a call script; clean scripts are approved at once
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201:
          description: "{id, status, hits: [{term, category, start, end, rule, severity,
            explanation}]}; rule is lexicon, a concept rule's id, or classifier (an n-gram
            of the statistical classifier, severity review: the script is held)"
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=LIST_ROLES)
    draft = read(NEW_SCRIPT)
    script = scripts.submit(session(), who, tenant, draft.title, draft.text, now=now())
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
    tenant = tenant_for(session(), actor(), tenant_id, roles=LIST_ROLES)
    return jsonify({"items": [serialize.script(s)
                              for s in scripts.for_tenant(session(), tenant.id)]})


@bp.post("/scripts/<int:script_id>/review")
@accepts(SCRIPT_REVIEW)
def review_script(script_id: int):
    """Review a script.
    ---
    post:
      summary: Approve or reject a script waiting for review (admin)
      parameters:
        - {name: script_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the script}
        409: {description: not waiting for review}
    """
    who = actor()
    require_admin(who)
    review = read(SCRIPT_REVIEW)
    script = scripts.review(session(), who, script_id, review.decision, review.note,
                            now=now())
    commit()
    return jsonify(serialize.script(script))
