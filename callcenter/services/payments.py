"""Card top-ups: PaymentIntents created for a tenant, and Stripe's events applied once.

Every event goes through the inbox under Stripe's event id: a redelivery changes
nothing. A succeeded intent is credited through `topups.receive_funds` under the ledger
key `stripe:pi:<intent id>`; the ledger's unique (tenant, key) makes that exactly-once
even when two deliveries of two different events about one intent race each other.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import DomainError, InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount, minor_unit_micros
from callcenter.integrations.stripe_events import Event
from callcenter.integrations.stripe_gateway import GatewayError, Intent, PaymentGateway
from callcenter.models import Payment, Tenant
from callcenter.services import auto_topup, inbox, refund_events, termination, topups
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.inbox import Applied
from callcenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)


class ProviderError(DomainError):
    """The payment provider refused or could not be reached; nothing was recorded."""

    code = "provider_error"


MEMOS = {"card": "Card payment", "alipay": "Alipay payment",
         "wechat_pay": "WeChat Pay payment"}


@dataclass(frozen=True)
class TopupLimits:
    """Smallest and largest card top-up, in micro-units of the tenant's currency."""

    minimum_micros: int
    maximum_micros: int


def _check_amount(tenant: Tenant, amount: int, limits: TopupLimits) -> int:
    unit = minor_unit_micros(tenant.currency)
    if amount % unit:
        raise InvalidInput(f"a card payment in {tenant.currency} takes whole "
                           f"{format_amount(unit)} units", details={"field": "amount"})
    if not limits.minimum_micros <= amount <= limits.maximum_micros:
        raise InvalidInput(
            f"a card top-up must be from {format_amount(limits.minimum_micros)} to "
            f"{format_amount(limits.maximum_micros)} {tenant.currency}",
            details={"field": "amount", "minimum": format_amount(limits.minimum_micros),
                     "maximum": format_amount(limits.maximum_micros)})
    return amount // unit


def methods_for(currency: str, offered: dict[str, frozenset[str]]) -> tuple[str, ...]:
    """The payment methods a tenant paying in `currency` sees, in order: cards, then
    the wallets offered for the currency; CNY tenants see Alipay and WeChat Pay first."""
    wallets = tuple(m for m in ("alipay", "wechat_pay") if currency in offered.get(m, ()))
    return wallets + ("card",) if currency == "CNY" else ("card",) + wallets


def create_intent(session: Session, gateway: PaymentGateway, actor: Actor, tenant: Tenant,
                  amount: int, *, limits: TopupLimits, request_key: str, now: datetime,
                  method: str = "card", methods: tuple[str, ...] = ("card",)
                  ) -> tuple[Payment, Intent]:
    """Create a Stripe PaymentIntent for a top-up and record it as a pending Payment.

    `method` is one of `methods` (those offered for the tenant's currency): a card, or
    Alipay / WeChat Pay, whose redirect or QR code Stripe.js shows. The Stripe call is
    idempotent on `request_key`, so a retried request (even after a crash before our
    commit) gets the same intent and records it once.
    """
    require_tenant_role(actor, tenant.id, ("owner",))
    if tenant.status not in lifecycle.OPEN:
        raise InvalidState(f"a {tenant.status} account takes no payments")
    if method not in methods:
        raise InvalidInput(f"{method} is not offered for payments in {tenant.currency}",
                           details={"field": "method", "offered": list(methods)})
    minor = _check_amount(tenant, amount, limits)
    suffix = "" if method == "card" else f"-{method}"
    try:
        intent = gateway.create_intent(
            amount=minor, currency=tenant.currency,
            metadata={"tenant_id": str(tenant.id), "account_code": tenant.account_code or ""},
            idempotency_key=f"cc-topup-{tenant.id}-{request_key}{suffix}", method=method)
    except GatewayError as exc:
        # What Stripe (or the network) said is for our logs, not for the tenant.
        log.warning("creating a PaymentIntent for tenant %s failed: %s", tenant.id,
                    exc.message)
        raise ProviderError("the card processor could not start this payment; "
                            "try again in a few minutes") from exc
    payment = session.scalars(sa.select(Payment).where(Payment.intent_id == intent.id)).first()
    if payment is None:
        payment = Payment(tenant_id=tenant.id, intent_id=intent.id, currency=tenant.currency,
                          amount_micros=amount, status="pending", method=method,
                          created_by_user_id=actor.user_id, created_at=now, updated_at=now)
        session.add(payment)
        session.flush()
    return payment, intent


def list_payments(session: Session, tenant_id: int, *, limit: int = 100) -> list[Payment]:
    """The tenant's card payments, newest first."""
    return list(session.scalars(sa.select(Payment).where(Payment.tenant_id == tenant_id)
                                .order_by(Payment.id.desc()).limit(limit)))


def handle_event(uow: UnitOfWork, event: Event, *, now: datetime,
                 gateway: PaymentGateway | None) -> str:
    """Apply one verified Stripe event exactly once and commit; returns what happened.

    Money that arrives after the account closed goes straight back to its card, after
    the commit.
    """
    outcome = _apply_event(uow, event, now=now, gateway=gateway)
    uow.commit()
    return outcome


def _apply_event(uow: UnitOfWork, event: Event, *, now: datetime,
                 gateway: PaymentGateway | None) -> str:
    session = uow.session
    row_id = inbox.record(session, "stripe", event.id, type=event.type, payload=event.payload,
                          now=now, object_id=event.object_id,
                          provider_created=event.created or None)
    if row_id is None:
        return "duplicate"  # a redelivery, or another delivery of it committed first
    kind, subject = event.type, event.subject
    applied = Applied("ignored")
    if kind == "payment_intent.succeeded" and isinstance(subject, Intent):
        applied = _succeeded(session, subject, now=now)
        if applied.outcome == "owed_back":
            tenant_id = applied.tenant_id
            uow.after_commit(lambda: termination.send_refunds(uow, gateway, tenant_id, now=now))
    elif (kind in ("payment_intent.payment_failed", "payment_intent.canceled")
          and isinstance(subject, Intent)):
        applied = _failed(session, subject, canceled=kind.endswith("canceled"), now=now)
    elif kind.startswith(("charge.refund", "refund.")):
        applied = refund_events.apply(session, subject, event.created, now=now)
    inbox.set_outcome(session, row_id, applied.outcome, tenant_id=applied.tenant_id)
    return applied.outcome


def _payment_for(session: Session, intent: Intent, now: datetime) -> Payment | None:
    """The payment this app recorded when it created the intent, or None.

    Never whichever tenant the intent's metadata names: anyone else using the Stripe
    account could make such an intent. Nothing is lost by refusing one: the payer gets
    the client secret only after our row is committed, so an intent of ours that
    succeeded has its row. An automatic top-up's payment is recorded before Stripe
    names the intent, under its own key, which the intent's metadata carries.
    """
    payment = session.scalars(sa.select(Payment).where(Payment.intent_id == intent.id)
                              .with_for_update()).first()
    if payment is not None:
        return payment
    key = intent.metadata.get("payment_key")
    if key:  # recorded before Stripe named it (automatic top-up): name it now
        payment = session.scalars(sa.select(Payment).where(Payment.idempotency_key == key)
                                  .with_for_update()).first()
        if payment is not None:
            payment.intent_id = intent.id
    return payment


def received_minor(intent: Intent) -> int | None:
    """What arrived: `amount_received` when Stripe sends it, else `amount` if succeeded."""
    if intent.amount_received is not None:
        return intent.amount_received
    return intent.amount if intent.status == "succeeded" else None


def _succeeded(session: Session, intent: Intent, *, now: datetime) -> Applied:
    payment = _payment_for(session, intent, now)
    if payment is None:
        log.warning("payment_intent.succeeded for unknown intent %s", intent.id)
        return Applied("unknown_intent")
    return Applied(_credit(session, payment, intent, now=now), payment.tenant_id)


def _credit(session: Session, payment: Payment, intent: Intent, *, now: datetime) -> str:
    minor = received_minor(intent)
    if not minor:
        return "nothing_received"
    if intent.currency != payment.currency:
        payment.status, payment.updated_at = "failed", now
        payment.failure_message = f"paid in {intent.currency}, expected {payment.currency}"
        payment.unapplied_reason = "currency mismatch: refund it by hand"
        return "currency_mismatch"
    received = minor * minor_unit_micros(payment.currency)
    payment.status, payment.failure_message, payment.updated_at = "succeeded", None, now
    payment.received_micros = received
    payment.succeeded_at = payment.succeeded_at or now
    try:
        posting = topups.receive_funds(
            session, payment.tenant_id, received, key=f"stripe:pi:{intent.id}", now=now,
            reference=intent.id, memo=MEMOS.get(payment.method, "Card payment"),
            actor_id=payment.created_by_user_id)
    except InvalidState:
        # The account closed before the money arrived: never credit it; it goes back to
        # the card as one more line of the settlement (sent after the commit).
        payment.unapplied_reason = "arrived after the account was closed"
        line = termination.owe_back(session, payment, now=now)
        return "owed_back" if line is not None else "unapplied"
    except NotFound:
        return "unknown_tenant"
    payment.ledger_entry_id = posting.entry.id
    return "credited" if posting.created else "already_credited"


def _failed(session: Session, intent: Intent, *, canceled: bool, now: datetime) -> Applied:
    payment = _payment_for(session, intent, now)
    if payment is None:
        return Applied("unknown_intent")
    if payment.status == "succeeded":
        # An older failure delivered after the success: the success stands.
        return Applied("stale", payment.tenant_id)
    payment.status = "canceled" if canceled else "failed"
    payment.failure_message = (intent.last_error or ("canceled" if canceled
                                                     else "the payment failed"))[:500]
    payment.updated_at = now
    rule = auto_topup.rule_for(session, payment.tenant_id) if payment.automatic else None
    if rule is not None:  # a saved card refused after the charge started: rule off, once
        auto_topup.card_failed(session, rule.id, payment.failure_message, now=now)
    return Applied(payment.status, payment.tenant_id)
