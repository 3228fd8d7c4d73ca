"""Twilio's SMS webhooks through the inbox: status callbacks and replies, each once.

Status callbacks move a message `sent -> delivered / failed / undelivered` once: every
change is a conditional update from the status it expects, so a duplicate, or a status
arriving after a final one, changes nothing. A failed or undelivered message that was
charged is refunded in the same transaction (once: the change happens once, and the
refund's ledger key is the message's). A callback for a message whose send was never
recorded (the worker stopped after Twilio took it) records it, by the message id in the
callback URL.

A reply is stored for the tenant whose sender it was written to. An opt-out puts the
number on that tenant's do-not-call list and revokes its consent there (source
`sms_reply`); START and UNSTOP are recorded for the tenant to see and change nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.errors import NotFound
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.sms_text import OPT_OUT, classify_reply
from callcenter.integrations.twilio_sms import InboundMessage, StatusCallback
from callcenter.models import SmsBatch, SmsMessage, SmsReply, Tenant
from callcenter.services import consents, dnc, inbox, sms_ledger
from callcenter.services.access import SYSTEM
from callcenter.services.number_lists import Row
from callcenter.services.sms_sending import record_accepted

REPLY_SOURCE = "sms_reply"
FAILED = {"failed": "failed", "undelivered": "undelivered", "canceled": "failed"}
DELIVERED = ("delivered", "read")
ACCEPTED = ("accepted", "scheduled", "queued", "sending", "sent")


def _message(session: Session, report: StatusCallback,
             message_id: int | None) -> SmsMessage | None:
    found = session.scalars(sa.select(SmsMessage)
                            .where(SmsMessage.provider_sid == report.message_sid)).first()
    if found is None and message_id is not None:
        candidate = session.get(SmsMessage, message_id)
        if candidate is not None and candidate.provider_sid is None:
            found = candidate  # Twilio took it, but the sender never recorded the sid
    return found


def _move(session: Session, message: SmsMessage, from_status: str, now: datetime,
          **values: object) -> bool:
    return session.execute(
        sa.update(SmsMessage).where(SmsMessage.id == message.id,
                                    SmsMessage.status == from_status)
        .values(updated_at=now, **values).execution_options(synchronize_session=False)
    ).rowcount == 1


def _apply(session: Session, message: SmsMessage, report: StatusCallback,
           now: datetime) -> str:
    status, sid = report.status, report.message_sid
    if message.status == "sending":  # the send was never recorded: this records it
        if status in FAILED:
            if _move(session, message, "sending", now, status=FAILED[status],
                     provider_sid=sid, error_code=report.error_code, claimed_until=None):
                sms_ledger.release(session, message, now=now)
                return "released"
        elif status in DELIVERED or status in ACCEPTED:
            final = "delivered" if status in DELIVERED else "sent"
            if record_accepted(session, message, sid, now=now, status=final):
                return "charged"
        return "ignored"
    if message.status != "sent":
        return "ignored"  # final already: a duplicate or an out-of-order report
    if status in FAILED:
        if _move(session, message, "sent", now, status=FAILED[status],
                 error_code=report.error_code):
            sms_ledger.refund(session, message, now=now)
            return "refunded"
    elif status in DELIVERED and _move(session, message, "sent", now, status="delivered"):
        return "applied"
    return "ignored"


def status_callback(session: Session, report: StatusCallback, *, message_id: int | None,
                    now: datetime) -> str:
    """Apply a message status callback once; the outcome recorded in the inbox."""
    message = _message(session, report, message_id)
    row_id = inbox.record(session, "twilio", report.event_id, type="sms.status",
                          payload=report.payload, now=now, object_id=report.message_sid,
                          tenant_id=message.tenant_id if message else None,
                          outcome="applied" if message else "unknown_message")
    if row_id is None:
        return "duplicate"
    if message is None:
        return "unknown_message"
    outcome = _apply(session, message, report, now)
    inbox.set_outcome(session, row_id, outcome)
    return outcome


def _e164(raw: str) -> str | None:
    try:
        return normalize_number(raw)
    except InvalidNumber:
        return None


def tenant_for_reply(session: Session, sender: str, replier: str | None) -> int | None:
    """Whose sender was written to: the tenant whose own sender it is, else the tenant
    that last messaged this number from it (a shared platform number or a Messaging
    Service, whose pool numbers are not known in advance)."""
    own = session.scalar(sa.select(Tenant.id).where(Tenant.sms_sender == sender))
    if own is not None or replier is None:
        return own
    return session.scalar(
        sa.select(SmsMessage.tenant_id).join(SmsBatch, SmsBatch.id == SmsMessage.batch_id)
        .where(SmsMessage.to_number == replier,
               SmsMessage.status.in_(("sent", "delivered", "failed", "undelivered")),
               sa.or_(SmsBatch.sender == sender, SmsBatch.sender.like("MG%")))
        .order_by(SmsMessage.id.desc()).limit(1))


def _opt_out(session: Session, tenant: Tenant, number: str, now: datetime) -> None:
    row = Row(1, number)
    dnc.add(session, SYSTEM, tenant.id, [row], reason="replied to an SMS to stop",
            now=now, source=REPLY_SOURCE)
    try:
        consents.revoke(session, SYSTEM, tenant, number, now=now, source=REPLY_SOURCE)
    except NotFound:
        pass  # no consent on record: the do-not-call entry is what counts


def inbound(session: Session, message: InboundMessage, *, now: datetime) -> str:
    """Record a reply once; an opt-out lists and revokes the number for its tenant."""
    sender = _e164(message.to_number) or message.to_number
    replier = _e164(message.from_number)
    tenant_id = tenant_for_reply(session, sender, replier)
    action = classify_reply(message.body) or "none"
    outcome = "unknown_sender" if tenant_id is None else action
    row_id = inbox.record(session, "twilio", message.event_id, type="sms.inbound",
                          payload=message.payload, now=now, outcome=outcome,
                          tenant_id=tenant_id, object_id=message.message_sid)
    if row_id is None:
        return "duplicate"
    session.add(SmsReply(tenant_id=tenant_id, provider_sid=message.message_sid,
                         from_number=replier or message.from_number, to_number=sender,
                         body=message.body, action=action, received_at=now))
    # START / UNSTOP is only recorded: consent is given to a tenant, not texted back.
    if tenant_id is not None and replier is not None and action == OPT_OUT:
        _opt_out(session, session.get(Tenant, tenant_id), replier, now)
    session.flush()
    return outcome
