"""Calls: provider-neutral authorization, the call log (JSON and CSV), rate plans."""

from __future__ import annotations

from flask import current_app, jsonify, request

from callcenter.domain.errors import Forbidden, InvalidInput
from callcenter.extensions import db
from callcenter.services import call_log, rates
from callcenter.services import calls as call_service
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, compliance_policy, json_body, now
from callcenter.web.common.params import next_cursor, page_args
from callcenter.web.common.responses import csv_response


@bp.post("/calls/authorize")
def authorize_call():
    """Authorize a call.
    ---
    post:
      summary: Provider-neutral call authorization (admin, owner)
      description: Places a hold for the longest affordable call; report the end to
        /webhooks/cdr with the returned call_id.
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [seat_identity, to]
              properties:
                seat_identity: {type: string}
                to: {type: string, example: "+14155550123"}
      responses:
        200: {description: "{allowed, call_id, max_duration_seconds, reasons}"}
        404: {description: no such seat for this tenant}
    """
    who = actor()
    if who.role not in ("admin", "owner"):
        raise Forbidden("only admins and owners may authorize calls")
    data = json_body()
    seat, to = data.get("seat_identity"), data.get("to")
    if not isinstance(seat, str) or not seat or not isinstance(to, str):
        raise InvalidInput("seat_identity and to are required strings")
    decision = call_service.authorize(
        db.session, seat_identity=seat, to=to, now=now(), provider="cdr",
        max_call_seconds=current_app.config["MAX_CALL_SECONDS"], policy=compliance_policy(),
        scope_tenant_id=None if who.is_admin else who.tenant_id)
    commit()
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
    tenant = tenant_for(db.session, who, tenant_id)
    filters = call_log.parse_filter(request.args)
    if request.args.get("format") == "csv":
        rows = call_log.iter_all(db.session, who, tenant.id, filters)
        return csv_response(call_log.CSV_HEADER, (call_log.csv_row(c) for c in rows),
                            f"calls-{tenant.account_code}.csv")
    before, limit = page_args()
    rows = call_log.calls(db.session, who, tenant.id, filters, before_id=before,
                          limit=limit + 1)
    return jsonify({"items": [serialize.call(c, tenant.currency) for c in rows[:limit]],
                    "next_cursor": next_cursor(rows, limit)})


@bp.put("/tenants/<int:tenant_id>/rates")
def put_rates(tenant_id: int):
    """Set the rate plan.
    ---
    put:
      summary: Replace the tenant's rates with a new plan version (admin)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [default_per_minute]
              properties:
                default_per_minute: {type: string, example: "0.02"}
                billing_increment: {type: string, example: "60/60"}
                connect_fee: {type: string, example: "0.00"}
                prefixes:
                  type: array
                  items:
                    type: object
                    properties:
                      prefix: {type: string, example: "4420"}
                      per_minute: {type: string, example: "0.015"}
      responses:
        200: {description: the new plan}
    """
    who = actor()
    tenant = tenant_for(db.session, who, tenant_id, roles=("admin",))
    plan = rates.set_rates(db.session, who, tenant, json_body(), now=now())
    commit()
    return jsonify(serialize.rate_plan(plan))
