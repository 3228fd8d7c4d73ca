"""Sending a batch in the background: at the sender's pace, each recipient exactly once,
resumable after a restart.

Each message goes through three steps, each its own commit:

1. claim: `queued -> sending` (a conditional update, so one worker has it), with the
   sender's next slot and a claim that outlives any HTTP call (`CLAIM`);
2. the call to Twilio, carrying the message's own idempotency key;
3. record: `sending -> sent` with Twilio's sid, and the charge of its hold, together.

A crash between 2 and 3 leaves a message `sending` whose claim lapses. Whoever finds it
next (this job run again after its lease, or its continuation) does not send blindly:
it asks Twilio for messages from the sender to that number with that text since the
claim, and records the one it finds (that Twilio accepted the message is what charges
it). Only if Twilio holds none is it sent again, with the same idempotency key, so a
request Twilio did take but did not list yet is recognised as a repeat where Twilio
honours the key (the look-up is the guard that does not depend on that). A status
callback can also settle it first: its URL names the message (`?m=<id>`). The same
applies when Twilio's answer is lost to a timeout: the message stays `sending`.

A run sends for at most `RUN_BUDGET` (well inside the job lease), then writes its own
continuation, so other jobs get their turn and no lease expires under a live worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.clock import system_clock
from callcenter.domain.sms_text import variant
from callcenter.integrations import twilio_sms
from callcenter.integrations.twilio_sms import Accepted, SmsRejected, SmsUnavailable
from callcenter.models import BATCH_STATUSES, SmsBatch, SmsMessage, Tenant
from callcenter.services import background, sms_checks, sms_ledger, sms_pacing
from callcenter.services.compliance import CompliancePolicy, policy_from_config
from callcenter.services.uow import UnitOfWork

SEND_JOB = "sms.send"
RUN_BUDGET = timedelta(seconds=60)
CLAIM = timedelta(minutes=2)  # longer than an HTTP call may take (its timeout is 30 s)
MAX_WAIT = timedelta(seconds=5)  # a longer wait for a slot ends the run instead
LOOKBACK = timedelta(minutes=1)  # clock skew between Twilio and us, when finding a send


class Gateway(Protocol):
    """What sending needs from the provider (integrations.twilio_sms.TwilioSms)."""

    def send(self, *, to: str, sender: str, body: str, status_callback: str,
             idempotency_key: str) -> Accepted: ...

    def find(self, *, to: str, sender: str, body: str, since: datetime) -> list[str]: ...


@dataclass(frozen=True)
class Tools:
    """A run's provider, clock, way to wait, pace and compliance policy."""

    gateway: Gateway
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    rate: float
    policy: CompliancePolicy


def tools_from(context: dict[str, Any]) -> Tools:
    """The tools from the worker's context (tests put a sleep that moves their clock)."""
    config = context["config"]
    gateway = context.get("sms_gateway") or twilio_sms.from_config(config)
    if gateway is None:
        raise background.Retry("Twilio is not configured")
    return Tools(gateway=gateway, clock=config.get("CLOCK") or system_clock,
                 sleep=context.get("sleep") or time.sleep,
                 rate=float(config.get("SMS_MESSAGES_PER_SECOND") or 10),
                 policy=policy_from_config(config))


@background.handler(SEND_JOB)
def send_job(uow: UnitOfWork, job: background.Claimed, context: dict[str, Any]) -> None:
    """Send what is due of one batch; write the continuation if some is left."""
    tools = tools_from(context)
    batch_id = job.payload["batch_id"]
    resume_at = run(uow, batch_id, tools)
    if resume_at is not None:
        background.enqueue(uow, SEND_JOB, {"batch_id": batch_id}, now=tools.clock(),
                           run_after=resume_at, tenant_id=job.tenant_id, max_attempts=20,
                           dedupe_key=f"{SEND_JOB}:{batch_id}:after:{job.id}")
        uow.commit()


def run(uow: UnitOfWork, batch_id: int, tools: Tools) -> datetime | None:
    """Send until the batch is finished (None) or the run must stop (when to resume)."""
    session = uow.session
    started = tools.clock()
    while True:
        now = tools.clock()
        batch = session.get(SmsBatch, batch_id)
        if batch is None or batch.finished_at is not None:
            return None
        if now - started >= RUN_BUDGET:
            return now
        stale = _first(session, batch.id, SmsMessage.status == "sending",
                       SmsMessage.claimed_until <= now)
        if stale is not None:
            resume_at = _recover(uow, batch, stale, tools)
            if resume_at is not None:
                return resume_at
            continue
        tenant = session.get(Tenant, batch.tenant_id)
        sending = batch.status in ("queued", "sending")
        if sending and not lifecycle.may_call(tenant, now):
            sms_ledger.cancel_queued(session, batch.id, now=now, reasons=["tenant_not_active"])
            set_batch_status(session, batch.id, ("queued", "sending"), status="canceled")
            uow.commit()
            continue
        message = _first(session, batch.id, SmsMessage.status == "queued") if sending else None
        if message is None:
            busy_until = session.scalar(sa.select(sa.func.min(SmsMessage.claimed_until)).where(
                SmsMessage.batch_id == batch.id, SmsMessage.status == "sending"))
            if busy_until is not None:
                return busy_until  # a send in flight elsewhere: look again when its claim ends
            set_batch_status(session, batch.id, ("queued", "sending"), status="done")
            set_batch_status(session, batch.id, BATCH_STATUSES, finished_at=now)
            uow.commit()
            return None
        reasons = sms_checks.refusals(session, tenant, message.to_number, now, tools.policy)
        if reasons:
            if _move(session, message.id, "queued", status="refused", reasons=reasons,
                     updated_at=now):
                sms_ledger.release(session, message, now=now)
            uow.commit()
            continue
        resume_at = _claim_and_send(uow, batch, message, tools, first=True)
        if resume_at is not None:
            return resume_at


def set_batch_status(session: Session, batch_id: int, from_statuses: tuple[str, ...],
                     **values: object) -> bool:
    """Change a batch only from one of `from_statuses`: a cancel is never overwritten by
    a worker that loaded the batch before it, nor a finished batch canceled."""
    changed = session.execute(
        sa.update(SmsBatch).where(SmsBatch.id == batch_id, SmsBatch.status.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1
    session.expire_all()
    return changed


def _first(session: Session, batch_id: int, *where: sa.ColumnElement) -> SmsMessage | None:
    return session.scalars(sa.select(SmsMessage).where(SmsMessage.batch_id == batch_id, *where)
                           .order_by(SmsMessage.position).limit(1)).first()


def _move(session: Session, message_id: int, from_status: str, *extra: sa.ColumnElement,
          **values: object) -> bool:
    """Change a message only if it is still in `from_status`: True if this call did."""
    return session.execute(
        sa.update(SmsMessage).where(SmsMessage.id == message_id,
                                    SmsMessage.status == from_status, *extra)
        .values(**values).execution_options(synchronize_session=False)).rowcount == 1


def _claim_and_send(uow: UnitOfWork, batch: SmsBatch, message: SmsMessage, tools: Tools, *,
                    first: bool) -> datetime | None:
    """Take a slot and claim the message (one commit), wait for the slot, send it.

    Returns when to resume if the slot is too far off (nothing is claimed then).
    """
    session = uow.session
    now = tools.clock()
    free = sms_pacing.next_free(session, batch.sender, now)
    if free - now > MAX_WAIT:
        return free
    slot = sms_pacing.reserve(session, batch.sender, now, tools.rate)
    if first:
        claimed = _move(session, message.id, "queued", status="sending", claimed_at=now,
                        claimed_until=slot + CLAIM, attempts=SmsMessage.attempts + 1,
                        updated_at=now)
    else:  # a lapsed claim, taken again by this run only
        claimed = _move(session, message.id, "sending", SmsMessage.claimed_until <= now,
                        claimed_until=slot + CLAIM, attempts=SmsMessage.attempts + 1,
                        updated_at=now)
    set_batch_status(session, batch.id, ("queued",), status="sending")
    uow.commit()
    if claimed:
        wait = (slot - tools.clock()).total_seconds()
        if wait > 0:
            tools.sleep(wait)
        _send(uow, batch, message.id, tools)
    return None


def _text(batch: SmsBatch, message: SmsMessage) -> str:
    return batch.texts[variant(message.to_number)]


def _send(uow: UnitOfWork, batch: SmsBatch, message_id: int, tools: Tools) -> None:
    session = uow.session
    message = session.get(SmsMessage, message_id)
    try:
        accepted = tools.gateway.send(
            to=message.to_number, sender=batch.sender, body=_text(batch, message),
            status_callback=f"{batch.status_callback}?m={message.id}",
            idempotency_key=message.idempotency_key)
    except SmsRejected as exc:
        now = tools.clock()
        if _move(session, message.id, "sending", status="failed", error_code=exc.code[:16],
                 error_message=exc.message[:300], claimed_until=None, updated_at=now):
            sms_ledger.release(session, message, now=now)
        uow.commit()
        return
    except SmsUnavailable as exc:
        # The outcome is unknown: the message stays `sending`, its claim ends now, and
        # the next run asks Twilio what it holds before sending again with the same key.
        _move(session, message.id, "sending", claimed_until=tools.clock(),
              error_message=str(exc)[:300])
        uow.commit()
        raise background.Retry(f"Twilio unavailable: {exc}") from exc
    record_accepted(session, message, accepted.sid, now=tools.clock())
    uow.commit()


def record_accepted(session: Session, message: SmsMessage, sid: str, *, now: datetime,
                    status: str = "sent") -> bool:
    """Twilio took the message: `sending -> sent` (or a later status) with its sid, and
    its charge, together and once. False if something else recorded it first."""
    if not _move(session, message.id, "sending", status=status, provider_sid=sid, sent_at=now,
                 claimed_until=None, error_code=None, error_message=None, updated_at=now):
        return False
    sms_ledger.charge(session, message, now=now)
    return True


def _recover(uow: UnitOfWork, batch: SmsBatch, message: SmsMessage,
             tools: Tools) -> datetime | None:
    """A send whose outcome is unknown: record what Twilio holds, or send it again."""
    session = uow.session
    since = (message.claimed_at or message.created_at) - LOOKBACK
    try:
        sids = tools.gateway.find(to=message.to_number, sender=batch.sender,
                                  body=_text(batch, message), since=since)
    except SmsUnavailable as exc:
        raise background.Retry(f"Twilio unavailable: {exc}") from exc
    known = set(session.scalars(sa.select(SmsMessage.provider_sid)
                                .where(SmsMessage.provider_sid.in_(sids)))) if sids else set()
    fresh = [sid for sid in sids if sid not in known]
    if fresh:
        record_accepted(session, message, fresh[-1], now=tools.clock())  # the oldest
        uow.commit()
        return None
    return _claim_and_send(uow, batch, message, tools, first=False)
