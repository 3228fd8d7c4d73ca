"""Seats and the billing run."""

from __future__ import annotations

from flask import current_app, jsonify

from callcenter.services import billing, billing_job
from callcenter.services import seats as seat_service
from callcenter.services.access import require_admin, tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import BILLING_RUN, SEAT_ASSIGNMENT, SEAT_REQUEST
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, idempotency_key, now, session, uow
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.providers import gateway


@bp.post("/tenants/<int:tenant_id>/seats")
@accepts(SEAT_REQUEST)
def provision_seats(tenant_id: int):
    """Provision seats.
    ---
    post:
      summary: Provision seats (admin, owner); the prorated rent is charged first
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: Idempotency-Key, in: header, schema: {type: string}}
      responses:
        201: {description: "{items: [seat]} with identities"}
        402: {description: available funds do not cover the prorated rent; nothing created}
        409: {description: the tenant is not active}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    wanted = read(SEAT_REQUEST)
    seats = seat_service.provision(session(), who, tenant, now=now(), count=wanted.count,
                                   label=wanted.label, request_key=idempotency_key())
    commit()
    return jsonify({"items": [serialize.seat(s) for s in seats],
                    "tenant": serialize.tenant(tenant)}), 201


@bp.get("/tenants/<int:tenant_id>/seats")
def list_seats(tenant_id: int):
    """List seats.
    ---
    get:
      summary: The tenant's seats with the billing position
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items: [seat], billing}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id)
    rows = seat_service.list_seats(session(), tenant.id)
    return jsonify({"items": [serialize.seat(s) for s in rows],
                    "billing": serialize.billing(billing.summary(session(), tenant),
                                                 tenant.currency)})


@bp.delete("/tenants/<int:tenant_id>/seats/<int:seat_id>")
def release_seat(tenant_id: int, seat_id: int):
    """Release a seat.
    ---
    delete:
      summary: Release a seat (admin, owner); it stops working at once; the rent paid
        for the current period is not refunded
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: seat_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the released seat}
        404: {description: no such seat for this tenant}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    seat = seat_service.release(session(), who, tenant, seat_id, now=now())
    commit()
    return jsonify(serialize.seat(seat))


@bp.patch("/tenants/<int:tenant_id>/seats/<int:seat_id>")
@accepts(SEAT_ASSIGNMENT)
def assign_seat(tenant_id: int, seat_id: int):
    """Assign a seat to an agent.
    ---
    patch:
      summary: Assign a seat to one of the tenant's agents, or to nobody (admin, owner)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: seat_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the seat}
        404: {description: no such seat or agent for this tenant}
        409: {description: the seat is released or the agent disabled}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("admin", "owner"))
    wanted = read(SEAT_ASSIGNMENT)
    seat = seat_service.assign(session(), who, tenant, seat_id, wanted.agent_user_id,
                               now=now())
    commit()
    return jsonify(serialize.seat(seat))


@bp.post("/billing/run")
@accepts(BILLING_RUN)
def billing_run():
    """Run billing.
    ---
    post:
      summary: Seat renewals, grace, suspension, late fees up to as_of; auto-termination,
        retention erasure and unsent card refunds by the real clock (admin)
      responses:
        200: {description: the run's report}
    """
    who = actor()
    require_admin(who)
    as_of = read(BILLING_RUN).as_of
    moment = now()
    report = billing_job.run(uow(), who, as_of=as_of or moment, now=moment,
                             retention_days=current_app.config["ERASURE_RETENTION_DAYS"],
                             secret=current_app.config["SECRET_KEY"], gateway=gateway())
    return jsonify(serialize.job_report(report))
