"""Calls: provider-neutral authorization, the call log (JSON and CSV), rate plans."""

from __future__ import annotations

from flask import current_app, jsonify, request

from callcenter import metrics
from callcenter.services import call_log, rates
from callcenter.services import calls as call_service
from callcenter.services.access import require_role, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import CALL_REQUEST
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, compliance_policy, now, session
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.kinds import RATE_PLAN
from callcenter.web.common.params import cursor_page
from callcenter.web.common.responses import csv_response


@bp.post("/calls/authorize")
@accepts(CALL_REQUEST)
def authorize_call():
    """Authorize a call.
    ---
    post:
      summary: Provider-neutral call authorization (admin, owner)
      description: Places a hold for the longest affordable call; report the end to
        /webhooks/cdr with the returned call_id.
      responses:
        200: {description: "{allowed, call_id, max_duration_seconds, reasons}"}
        404: {description: no such seat for this tenant}
    """
    who = actor()
    require_role(who, ("admin", "owner"))
    wanted = read(CALL_REQUEST)
    decision = call_service.authorize_for(
        session(), who, seat_identity=wanted.seat_identity, to=wanted.to, now=now(),
        max_call_seconds=current_app.config["MAX_CALL_SECONDS"], policy=compliance_policy())
    commit()
    metrics.authorization("cdr", decision.allowed, decision.reasons)
    return jsonify({"allowed": decision.allowed,
                    "call_id": decision.call_id,
                    "max_duration_seconds": decision.max_duration_seconds,
                    "reasons": decision.reasons})


@bp.get("/tenants/<int:tenant_id>/calls")
def list_calls(tenant_id: int):
    """List calls.
    ---
    get:
      summary: Calls with duration, billed seconds, rate, charge and refusal reasons
      description: Agents see the calls of their own seats. format=csv exports all matches.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: from, in: query, schema: {type: string, format: date}}
        - {name: to, in: query, schema: {type: string, format: date}}
        - {name: status, in: query, schema: {type: string}}
        - {name: seat_id, in: query, schema: {type: integer}}
        - {name: number, in: query, schema: {type: string}}
        - {name: format, in: query, schema: {type: string, enum: [json, csv]}}
        - {name: limit, in: query, schema: {type: integer}}
        - {name: cursor, in: query, schema: {type: string}}
      responses:
        200: {description: "{items, next_cursor} or text/csv"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id)
    filters = call_log.parse_filter(request.args)
    if request.args.get("format") == "csv":
        rows = call_log.iter_all(session(), who, tenant.id, filters)
        return csv_response(call_log.CSV_HEADER, (call_log.csv_row(c) for c in rows),
                            f"calls-{tenant.account_code}.csv")
    return jsonify(cursor_page(
        lambda before, limit: call_log.calls(session(), who, tenant.id, filters,
                                             before_id=before, limit=limit),
        lambda c: serialize.call(c, tenant.currency)))


@bp.put("/tenants/<int:tenant_id>/rates")
@accepts(RATE_PLAN)
def put_rates(tenant_id: int):
    """Set the rate plan.
    ---
    put:
      summary: Publish the tenant's next rate plan version (admin)
      description: >
        In force from effective_at (default now) for calls and messages authorized from
        then on. A plan that raises any price needs PRICE_NOTICE_DAYS of notice unless
        tenant_consent (with consent_note, audited). The owners are mailed the old and
        new prices.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the new plan}
        409: {description: "short_notice: a raise too soon; details.earliest_effective_at"}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin",))
    plan = rates.set_rates(session(), who, tenant, read(RATE_PLAN), now=now(),
                           notice_days=current_app.config["PRICE_NOTICE_DAYS"])
    commit()
    return jsonify(serialize.rate_plan(plan))
