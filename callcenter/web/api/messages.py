"""SMS: send a batch, follow it, cancel it; the replies to the tenant's sender."""

from __future__ import annotations

from flask import jsonify

from callcenter.services import sms
from callcenter.services.access import tenant_for
from callcenter.web.api import bp
from callcenter.web.api.inputs import SMS_BATCH
from callcenter.web.common import serialize
from callcenter.web.common.context import actor, commit, compliance_policy, now, session, uow
from callcenter.web.common.inputs import accepts, read
from callcenter.web.common.providers import sms_setup

READERS = ("admin", "owner")


def _batch_json(tenant, batch) -> dict:
    return serialize.sms_batch(batch, tenant.currency, sms.recipients(session(), batch.id),
                               sms.progress(session(), batch.id))


@bp.post("/tenants/<int:tenant_id>/messages")
@accepts(SMS_BATCH)
def send_messages(tenant_id: int):
    """Send an SMS batch.
    ---
    post:
      summary: Send a text to many numbers (owner); every recipient checked and held
      description: Each recipient is checked (number, consent, do-not-call, the sending
        window 08:00-21:00 callee time within the tenant's window) and refused with
        reasons, or priced (segments x the price per segment of the longest prefix) and
        held. Messages to +86 carry the signature in 【】, marketing ones the opt-out line.
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        201:
          description: "{id, status, encoding, segments_per_message, total_charge,
            recipients: [{to, status, reasons, segments, charge}]}"
        402: {description: "the balance cannot cover every accepted recipient: nothing sent"}
        409: {description: "the account is not active, or its rate plan has no SMS price"}
        422: {description: "content_prohibited: nothing sent"}
        503: {description: SMS sending not configured}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=("owner",))
    batch = sms.create(uow(), who, tenant, read(SMS_BATCH), now=now(), setup=sms_setup(),
                       policy=compliance_policy())
    commit()
    return jsonify(_batch_json(tenant, batch)), 201


@bp.get("/tenants/<int:tenant_id>/messages")
def list_messages(tenant_id: int):
    """List SMS batches.
    ---
    get:
      summary: The tenant's batches, newest first, with counts per status
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=READERS)
    return jsonify({"items": [serialize.sms_batch(b, tenant.currency,
                                                  progress=sms.progress(session(), b.id))
                              for b in sms.batches(session(), tenant.id)]})


@bp.get("/tenants/<int:tenant_id>/messages/<int:batch_id>")
def get_messages(tenant_id: int, batch_id: int):
    """Read an SMS batch.
    ---
    get:
      summary: A batch with every recipient's status, reasons, segments and charge
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: batch_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the batch}
        404: {description: not found (or another tenant's)}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=READERS)
    return jsonify(_batch_json(tenant, sms.get(session(), tenant.id, batch_id)))


@bp.post("/tenants/<int:tenant_id>/messages/<int:batch_id>/cancel")
def cancel_messages(tenant_id: int, batch_id: int):
    """Cancel an SMS batch.
    ---
    post:
      summary: Stop sending; recipients not yet sent are canceled and their holds released
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: batch_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: the batch}
        409: {description: already finished or canceled}
    """
    who = actor()
    tenant = tenant_for(session(), who, tenant_id, roles=READERS)
    batch = sms.cancel(uow(), who, tenant, batch_id, now=now())
    commit()
    return jsonify(_batch_json(tenant, batch))


@bp.get("/tenants/<int:tenant_id>/sms-replies")
def list_sms_replies(tenant_id: int):
    """List SMS replies.
    ---
    get:
      summary: Replies to the tenant's sender, newest first (opt_out, opt_in or none)
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
      responses:
        200: {description: "{items}"}
    """
    tenant = tenant_for(session(), actor(), tenant_id, roles=READERS)
    return jsonify({"items": [serialize.sms_reply(r)
                              for r in sms.replies(session(), tenant.id)]})
