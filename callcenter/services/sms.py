"""SMS batches: accept one (every recipient checked, priced and held up front), cancel
one, read them.

Accepting is one transaction: the body is screened like a call script (a prohibited
body refuses the whole batch), each recipient is checked and priced, the cost of every
accepted recipient is held at once (402 and nothing written if the balance cannot
cover them all), and the job that sends them is written with it. The text on the wire
(signature, opt-out line) is fixed and priced here, so what is charged is what is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import (
    ContentProhibited,
    InvalidInput,
    InvalidState,
    NotConfigured,
    NotFound,
)
from callcenter.domain.segments import GSM7, UCS2, Segmented, segment
from callcenter.domain.sms_text import KINDS, MAX_BODY, Wording, compose, variant
from callcenter.models import RatePlan, SmsBatch, SmsMessage, SmsReply, Tenant
from callcenter.services import background, screening, sms_checks, sms_ledger
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.compliance import CompliancePolicy
from callcenter.services.sms_sending import SEND_JOB, set_batch_status
from callcenter.services.tenants import rate_plan_at
from callcenter.services.uow import UnitOfWork

MAX_RECIPIENTS = 10_000
# A sample number of each kind, to compose and count the two texts a batch can have.
_SAMPLES = {"cn": "+8613800138000", "other": "+14155550123"}


@dataclass(frozen=True)
class NewBatch:
    """What a tenant asks to send."""

    to: list[str]
    body: str
    kind: str = "marketing"


@dataclass(frozen=True)
class SmsSetup:
    """The platform's SMS settings: whether Twilio is configured, the default sender,
    and the URL status callbacks come back to (PUBLIC_BASE_URL + /webhooks/twilio/sms)."""

    twilio_configured: bool
    default_sender: str | None
    status_callback: str


def wording(tenant: Tenant) -> Wording:
    """The tenant's signature (its name unless set) and opt-out lines."""
    base = Wording(signature=tenant.sms_signature or tenant.name)
    return Wording(base.signature, tenant.sms_opt_out_text or base.opt_out,
                   tenant.sms_opt_out_text_cn or base.opt_out_cn)


def sender_for(tenant: Tenant, setup: SmsSetup) -> str:
    """The tenant's own sender, else the platform's; NotConfigured when SMS is off."""
    sender = tenant.sms_sender or setup.default_sender
    if not setup.twilio_configured or not sender:
        raise NotConfigured("SMS sending is not configured on this platform (it needs "
                            "Twilio credentials and TWILIO_SMS_FROM or a tenant sender)")
    return sender


def _validate(new: NewBatch) -> None:
    if not isinstance(new.body, str) or not new.body.strip():
        raise InvalidInput("body is required", details={"field": "body"})
    if new.kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", details={"field": "kind"})
    if not new.to:
        raise InvalidInput("to must list at least one number", details={"field": "to"})
    if len(new.to) > MAX_RECIPIENTS:
        raise InvalidInput(f"at most {MAX_RECIPIENTS} recipients per batch",
                           details={"field": "to"})


def texts_for(body: str, kind: str, tenant: Tenant) -> dict[str, str]:
    """The two texts a batch can send: to +86 numbers and to any other."""
    texts = {name: compose(body, sample, kind, wording(tenant))
             for name, sample in _SAMPLES.items()}
    longest = max(texts.values(), key=len)
    if len(longest) > MAX_BODY:
        raise InvalidInput(f"the message is {len(longest)} characters with the signature and "
                           f"opt-out line; at most {MAX_BODY}", details={"field": "body"})
    return texts


def create(uow: UnitOfWork, actor: Actor, tenant: Tenant, new: NewBatch, *, now: datetime,
           setup: SmsSetup, policy: CompliancePolicy) -> SmsBatch:
    """Accept a batch: refusals recorded with reasons, the rest held and queued."""
    session = uow.session
    require_tenant_role(actor, tenant.id, roles=("owner",))
    _validate(new)
    if not lifecycle.may_call(tenant, now):
        raise InvalidState("the account is not active: messages cannot be sent",
                           details={"reason": "tenant_not_active"})
    sender = sender_for(tenant, setup)
    verdict = screening.screen(session, new.body)
    if verdict.status != "approved":
        # No review queue stands between a batch and its recipients: a text that would
        # wait for an admin as a script is refused as a message.
        raise ContentProhibited("the message contains prohibited content"
                                + (": " + " ".join(verdict.reasons) if verdict.reasons else ""),
                                details={"hits": verdict.hits})
    plan = rate_plan_at(session, tenant.id, now)
    if plan is None or plan.sms_per_segment_micros is None:
        raise InvalidState("this account's rate plan has no SMS price yet")
    texts = texts_for(new.body, new.kind, tenant)
    counted = {name: segment(text) for name, text in texts.items()}
    recipients = sms_checks.check(session, tenant, sms_checks.parse_recipients(new.to), now,
                                  policy)
    batch = SmsBatch(tenant_id=tenant.id, created_by=actor.user_id, kind=new.kind,
                     body=new.body, texts=texts, sender=sender, status="queued",
                     encoding=GSM7, segments_per_message=0,
                     recipients=len(recipients), accepted=0, total_charge_micros=0,
                     rate_plan_id=plan.id, status_callback=setup.status_callback,
                     created_at=now)
    session.add(batch)
    session.flush()
    rows = [_message_row(batch, position, r, plan, counted, now)
            for position, r in enumerate(recipients)]
    queued = [row for row in rows if row["status"] == "queued"]
    holds = sms_ledger.place_holds(session, tenant.id, [row["charge_micros"] for row in queued],
                                   reference=f"sms:{batch.id}", now=now)
    for row, hold_id in zip(queued, holds, strict=True):
        row["hold_id"] = hold_id
        if counted[variant(row["to_number"])].encoding == UCS2:
            batch.encoding = UCS2
        batch.segments_per_message = max(batch.segments_per_message, row["segments"])
    session.execute(sa.insert(SmsMessage), rows)  # one multi-row insert, no ORM objects
    batch.accepted = len(queued)
    batch.total_charge_micros = sum(row["charge_micros"] for row in queued)
    if queued:
        background.enqueue(uow, SEND_JOB, {"batch_id": batch.id}, now=now, tenant_id=tenant.id,
                           dedupe_key=f"{SEND_JOB}:{batch.id}", max_attempts=20)
    else:
        batch.status, batch.finished_at = "refused", now
        batch.encoding = counted["other"].encoding
    session.flush()
    sms_ledger.reserve(session, tenant.id, batch.total_charge_micros)  # last: see reserve
    return batch


def _message_row(batch: SmsBatch, position: int, r: sms_checks.Recipient, plan: RatePlan,
                 counted: dict[str, Segmented], now: datetime) -> dict[str, object]:
    """The row of one recipient: refused with its reasons, or priced and queued."""
    row: dict[str, object] = {
        "batch_id": batch.id, "tenant_id": batch.tenant_id, "position": position,
        "to_number": (r.number or r.input)[:64], "reasons": r.reasons,
        "status": "queued" if r.accepted else "refused", "segments": 0, "rate_prefix": None,
        "price_per_segment_micros": 0, "charge_micros": 0, "hold_id": None,
        "charged": False, "refunded": False, "idempotency_key": None, "attempts": 0,
        "created_at": now}
    if r.accepted:
        prefix, per_segment = sms_checks.price(plan, r.number)
        segments = counted[variant(r.number)].segments
        row.update(segments=segments, rate_prefix=prefix, price_per_segment_micros=per_segment,
                   charge_micros=segments * per_segment,
                   idempotency_key=f"cc-sms-{uuid.uuid4().hex}")
    return row


def get(session: Session, tenant_id: int, batch_id: int) -> SmsBatch:
    """One of the tenant's batches (another tenant's is not found)."""
    batch = session.get(SmsBatch, batch_id)
    if batch is None or batch.tenant_id != tenant_id:
        raise NotFound("no such message batch")
    return batch


def cancel(uow: UnitOfWork, actor: Actor, tenant: Tenant, batch_id: int, *,
           now: datetime) -> SmsBatch:
    """Stop a batch: recipients not yet sent are canceled and their holds released.

    A message already handed to Twilio finishes as it would have.
    """
    session = uow.session
    require_tenant_role(actor, tenant.id)
    batch = get(session, tenant.id, batch_id)
    if not set_batch_status(session, batch.id, ("queued", "sending"), status="canceled",
                            canceled_by=actor.user_id):
        raise InvalidState(f"this batch is already {batch.status}")
    sms_ledger.cancel_queued(session, batch.id, now=now)
    if not _in_flight(session, batch.id):
        set_batch_status(session, batch.id, ("canceled",), finished_at=now)
    return get(session, tenant.id, batch_id)


def _in_flight(session: Session, batch_id: int) -> bool:
    return session.scalar(sa.select(sa.exists().where(SmsMessage.batch_id == batch_id,
                                                      SmsMessage.status == "sending")))


def recipients(session: Session, batch_id: int) -> list[SmsMessage]:
    """The batch's recipients in the order given."""
    return list(session.scalars(sa.select(SmsMessage).where(SmsMessage.batch_id == batch_id)
                                .order_by(SmsMessage.position)))


def progress(session: Session, batch_id: int) -> dict[str, int]:
    """How many of the batch's recipients are in each status."""
    rows = session.execute(sa.select(SmsMessage.status, sa.func.count())
                           .where(SmsMessage.batch_id == batch_id)
                           .group_by(SmsMessage.status)).all()
    return dict(rows)


def progress_summary(batch: SmsBatch, counts: dict[str, int]) -> dict[str, object]:
    """What a progress bar shows: the batch's status, counts, and how many are settled."""
    waiting = counts.get("queued", 0) + counts.get("sending", 0)
    return {"status": batch.status, "counts": counts, "accepted": batch.accepted,
            "finished": batch.accepted - waiting, "done": batch.finished_at is not None}


def recent(session: Session, *, limit: int = 100) -> list[SmsBatch]:
    """Every tenant's batches, newest first (the operators' view)."""
    return list(session.scalars(sa.select(SmsBatch).order_by(SmsBatch.id.desc()).limit(limit)))


def batches(session: Session, tenant_id: int, *, limit: int = 50) -> list[SmsBatch]:
    """The tenant's batches, newest first."""
    return list(session.scalars(sa.select(SmsBatch).where(SmsBatch.tenant_id == tenant_id)
                                .order_by(SmsBatch.id.desc()).limit(limit)))


def replies(session: Session, tenant_id: int, *, limit: int = 100) -> list[SmsReply]:
    """Replies to the tenant's sender, newest first: opt-outs, opt-ins and the rest."""
    return list(session.scalars(sa.select(SmsReply).where(SmsReply.tenant_id == tenant_id)
                                .order_by(SmsReply.id.desc()).limit(limit)))


def usage(session: Session, tenant_id: int, start: datetime, end: datetime) -> dict[str, int]:
    """Messages accepted in [start, end): how many, their segments, delivered, failed
    (the SMS counts of a statement; the charges are the ledger's `sms` entries)."""
    sent = SmsMessage.status.in_(("sent", "delivered", "failed", "undelivered"))
    row = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(SmsMessage.segments), 0),
                  sa.func.count().filter(SmsMessage.status == "delivered"),
                  sa.func.count().filter(SmsMessage.status.in_(("failed", "undelivered"))))
        .where(SmsMessage.tenant_id == tenant_id, sent, SmsMessage.sent_at >= start,
               SmsMessage.sent_at < end)).one()
    return {"messages": row[0], "segments": row[1], "delivered": row[2], "failed": row[3]}

