"""The automatic top-up's charge: one background job per crossing.

The payment is recorded first (a `pending`, `automatic` payment under a provisional
intent id, counted against the daily and monthly limits under the rule's row lock),
then the saved card is charged off-session with the crossing's idempotency key, so a
job that runs again after a crash asks Stripe for the same intent. The balance is
credited only when Stripe's `payment_intent.succeeded` webhook arrives. A refused card
(declined, authentication required) turns the rule off and tells the owner once; the
job ends there and never retries the card.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from callcenter.domain import lifecycle
from callcenter.domain.clock import system_clock
from callcenter.domain.money import minor_unit_micros
from callcenter.integrations.stripe_gateway import GatewayError
from callcenter.models import AutoTopup, Payment, Tenant
from callcenter.services import auto_topup, background
from callcenter.services.background import Claimed
from callcenter.services.uow import UnitOfWork

REFUSED_STATUSES = ("requires_action", "requires_payment_method", "canceled")


RESERVED = "reserved:"  # the provisional intent id's prefix, until Stripe names it


def _window_starts(tenant: Tenant, now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(tenant.timezone))
    day = datetime.combine(local.date(), time(), ZoneInfo(tenant.timezone))
    return day, day.replace(day=1)


def _count(session: sa.orm.Session, tenant_id: int, since: datetime) -> int:
    return session.scalar(sa.select(sa.func.count(Payment.id)).where(
        Payment.tenant_id == tenant_id, Payment.automatic.is_(True),
        Payment.status.in_(("pending", "succeeded")), Payment.created_at >= since))


def _reserve(uow: UnitOfWork, rule_id: int, crossing: int, now: datetime) -> Payment | None:
    """The crossing's payment row, reserved now if the rule and its limits allow it."""
    session = uow.session
    rule = session.scalars(sa.select(AutoTopup).where(AutoTopup.id == rule_id)
                           .with_for_update()).first()
    key = auto_topup.charge_key(rule_id, crossing)
    existing = session.scalars(sa.select(Payment).where(Payment.idempotency_key == key)).first()
    if existing is not None:
        return existing  # this job ran before (and may have charged: the key will tell)
    tenant = session.get(Tenant, rule.tenant_id) if rule else None
    skip = None
    if rule is None or not rule.enabled or not rule.payment_method_id:
        skip = "automatic top-up is off"
    elif tenant.status not in lifecycle.OPEN or lifecycle.terminating(tenant):
        skip = f"the account is {tenant.status}"
    else:
        day, month = _window_starts(tenant, now)
        if _count(session, tenant.id, day) >= rule.max_per_day:
            skip = f"the daily limit of {rule.max_per_day} automatic top-up(s) was reached"
        elif _count(session, tenant.id, month) >= rule.max_per_month:
            skip = f"the monthly limit of {rule.max_per_month} automatic top-up(s) was reached"
    if skip is not None:
        if rule is not None:
            rule.last_skip_reason, rule.updated_at = skip[:200], now
        return None
    payment = Payment(tenant_id=tenant.id, intent_id=RESERVED + key, idempotency_key=key,
                      currency=tenant.currency, amount_micros=rule.amount_micros,
                      status="pending", method="card", automatic=True, created_at=now,
                      updated_at=now)
    session.add(payment)
    rule.last_skip_reason = None
    session.flush()
    return payment


@background.handler(auto_topup.CHARGE)
def charge(uow: UnitOfWork, job: Claimed, context: dict[str, Any]) -> None:
    """Charge the saved card for one crossing; Retry only when Stripe is unreachable."""
    clock = context.get("clock") or system_clock
    gateway = context.get("gateway")
    rule_id, crossing = job.payload["rule_id"], job.payload["crossing"]
    payment = _reserve(uow, rule_id, crossing, clock())
    if payment is None or payment.status != "pending" or not payment.intent_id.startswith(
            RESERVED):
        uow.commit()
        return  # skipped (limits, rule off), or charged already
    rule = uow.session.get(AutoTopup, rule_id)
    request = {"customer": rule.customer_id, "payment_method": rule.payment_method_id,
               "amount": payment.amount_micros // minor_unit_micros(payment.currency),
               "currency": payment.currency, "idempotency_key": payment.idempotency_key,
               "metadata": {"tenant_id": str(payment.tenant_id), "auto_topup": str(rule_id),
                            "payment_key": payment.idempotency_key}}
    payment_id = payment.id
    uow.commit()  # the reservation is durable before Stripe hears of it
    if gateway is None:
        raise background.Retry("Stripe is not configured")
    try:
        intent = gateway.charge_saved_card(**request)
    except GatewayError as exc:
        if not exc.card_error:
            raise background.Retry(exc.message) from exc
        _refused(uow, rule_id, payment_id, exc.message, clock())
        return
    if intent.status in REFUSED_STATUSES:
        _refused(uow, rule_id, payment_id, intent.last_error or
                 "the card needs the holder's authentication, which an automatic charge "
                 "cannot ask for", clock())
        return
    # Name the payment by its intent, unless the webhook already did (see payments).
    uow.session.execute(sa.update(Payment)
                        .where(Payment.id == payment_id, Payment.intent_id.startswith(RESERVED))
                        .values(intent_id=intent.id, updated_at=clock())
                        .execution_options(synchronize_session=False))
    uow.commit()


def _refused(uow: UnitOfWork, rule_id: int, payment_id: int, message: str,
             now: datetime) -> None:
    payment = uow.session.get(Payment, payment_id)
    if payment.status == "pending":
        payment.status, payment.failure_message = "failed", message[:500]
        payment.updated_at = now
    auto_topup.card_failed(uow.session, rule_id, message, now=now)
    uow.commit()
