"""Helpers for SMS tests: a tenant that may send, running the sending jobs, callbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from callcenter.domain.money import parse_amount
from callcenter.domain.rating import Increment
from callcenter.extensions import db
from callcenter.models import Hold, Job, SmsMessage, Tenant
from callcenter.services import background, ledger, ledger_audit, rates
from callcenter.services.uow import UnitOfWork
from tests.factories import bearer
from tests.telephony import CONFIG, twilio_post

SENDER = "+14155550100"
UK = [f"+4420794600{i:02d}" for i in range(100)]
US = "+14155550123"
CN = "+8613800138000"
# Monday 17:00 UTC: 17:00 in London, 09:00 in California; Shanghai is asleep.
WEST = datetime(2026, 3, 2, 17, tzinfo=UTC)
# Monday 12:30 UTC: 12:30 in London, 20:30 in Shanghai.
EAST = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                  "sun")}


def sms_config(twilio, **extra) -> dict:
    """The app's settings with Twilio at the stand-in and a platform sender."""
    return {**CONFIG, "TWILIO_API_BASE": twilio.base_url, "TWILIO_SMS_FROM": SENDER,
            "SMS_MESSAGES_PER_SECOND": 10, **extra}


def sms_tenant(factory, clock, *, balance: str = "10.00", price: str | None = "0.05",
               prefixes: dict[str, str] | None = None, at: datetime = WEST,
               consent_required: bool = False, **settings) -> tuple[int, dict]:
    """An active tenant (UTC, calling all day) with an SMS price; (id, owner headers)."""
    clock.now = at
    info = factory.tenant(timezone="UTC", balance=balance)
    with factory.app.app_context():
        tenant = db.session.get(Tenant, info.id)
        tenant.consent_required = consent_required
        tenant.calling_window = ALL_DAY
        for name, value in settings.items():
            setattr(tenant, name, value)
        rates.set_rates(db.session, factory.admin_actor(), tenant, rates.Rates(
            100_000, Increment(60, 60), 0, {},
            sms_per_segment_micros=parse_amount(price, allow_zero=True) if price else None,
            sms_prefixes={p: parse_amount(v) for p, v in (prefixes or {}).items()}),
            now=clock())
        db.session.commit()
    return info.id, bearer(factory.token(info.owner_email))


def send(client, tid: int, headers: dict, to: list[str], body: str = "Hello from Acme",
         kind: str = "transactional"):
    return client.post(f"/api/v1/tenants/{tid}/messages", json={"to": to, "body": body,
                                                                "kind": kind},
                       headers=headers)


def context(app, clock, **extra) -> dict:
    """The worker's context in tests: waiting moves the test clock instead of sleeping."""
    return {"config": app.config,
            "sleep": lambda seconds: clock.advance(microseconds=round(seconds * 1e6)),
            **extra}


def run_jobs(app, clock, *, rounds: int = 20, **extra) -> dict[str, int]:
    """Run due jobs (and continuations once due) until nothing is left to run."""
    total = {"done": 0, "retry": 0, "dead": 0}
    with app.app_context():
        for _ in range(rounds):
            counts = background.run_due(UnitOfWork(db.session), context(app, clock, **extra),
                                        clock=clock)
            for key, value in counts.items():
                total[key] += value
            pending = db.session.execute(sa.select(Job.run_after, Job.locked_until)
                                         .where(Job.status == "pending")).all()
            db.session.remove()
            if not pending:
                break
            # A job leased by a server that stopped runs again once its lease expires.
            due = min(max(run_after, locked or run_after) for run_after, locked in pending)
            if due > clock():
                clock.now = due
    return total


def messages(app, batch_id: int | None = None) -> list[SmsMessage]:
    with app.app_context():
        stmt = sa.select(SmsMessage).order_by(SmsMessage.id)
        if batch_id is not None:
            stmt = stmt.where(SmsMessage.batch_id == batch_id)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def money(app, tid: int) -> tuple[int, int]:
    """(balance, held) after checking the books agree."""
    with app.app_context():
        tenant = db.session.get(Tenant, tid)
        assert ledger.ledger_sum(db.session, tid) == tenant.balance_micros
        open_holds = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(
            Hold.amount_micros), 0)).where(Hold.tenant_id == tid, Hold.state == "open"))
        assert open_holds == tenant.held_micros
        assert ledger_audit.verify(db.session) == []
        return tenant.balance_micros, tenant.held_micros


def sms_status(client, sid: str, status: str, message_id: int | None = None, **extra):
    """Twilio's status callback for a message, signed over its URL (with `?m=`)."""
    path = "/webhooks/twilio/sms" + (f"?m={message_id}" if message_id else "")
    return twilio_post(client, path, {"MessageSid": sid, "MessageStatus": status,
                                      "AccountSid": CONFIG["TWILIO_ACCOUNT_SID"], **extra})


def sms_reply(client, sid: str, from_: str, to: str, body: str):
    """Someone writes to one of our senders."""
    return twilio_post(client, "/webhooks/twilio/sms-inbound",
                       {"MessageSid": sid, "From": from_, "To": to, "Body": body,
                        "AccountSid": CONFIG["TWILIO_ACCOUNT_SID"]})


def later(clock, **delta) -> None:
    clock.now = clock.now + timedelta(**delta)
