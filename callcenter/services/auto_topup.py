"""Automatic top-up: a saved card charged off-session when the balance falls below X.

The owner saves a card through a Stripe SetupIntent (agreeing on the payments page to
off-session charges) and sets the rule: below X charge Y, at most N a day and M a month.
`after_debit` is the one hook on the ledger's debit path: it runs no statement unless
the new balance is below an enabled rule's threshold (a per-process snapshot knows the
thresholds), then one conditional UPDATE disarms the rule and counts the crossing, so
however many debits and app servers notice one crossing, one charge job is written
(dedupe key and Stripe idempotency key: rule and crossing). The charge itself runs in
the background (services/auto_topup_charge.py) and is credited only by Stripe's
webhook, like any card payment. Money arriving that lifts the balance back re-arms it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import InvalidInput, InvalidState, NotFound
from callcenter.domain.money import format_amount, minor_unit_micros
from callcenter.integrations.stripe_gateway import GatewayError, PaymentGateway
from callcenter.models import AutoTopup, Tenant
from callcenter.services import audit, background
from callcenter.services.access import Actor, require_tenant_role
from callcenter.services.snapshot import HINTS
from callcenter.services.uow import UnitOfWork

CHARGE = "auto_topup.charge"  # the background job kind
CONSENT_TEXT = ("I authorise the platform to charge this card, without me being present, "
                "the top-up amount set below whenever my balance falls below the threshold, "
                "within the daily and monthly limits, until I turn automatic top-up off.")


def after_debit(session: Session, tenant_id: int, balance: int, *, now: datetime) -> None:
    """A debit left `balance`: below an armed rule's threshold, enqueue its charge once."""
    threshold = HINTS.get(session).thresholds.get(tenant_id)
    if threshold is None or balance >= threshold:
        return
    crossed = session.execute(
        sa.update(AutoTopup)
        .where(AutoTopup.tenant_id == tenant_id, AutoTopup.enabled.is_(True),
               AutoTopup.armed.is_(True), AutoTopup.threshold_micros > balance)
        .values(armed=False, crossings=AutoTopup.crossings + 1)
        .returning(AutoTopup.id, AutoTopup.crossings)
        .execution_options(synchronize_session=False)).first()
    if crossed is not None:
        _enqueue(session, tenant_id, crossed[0], crossed[1], now)


def _enqueue(session: Session, tenant_id: int, rule_id: int, crossing: int,
             now: datetime) -> None:
    background.enqueue(UnitOfWork.of(session), CHARGE, {"rule_id": rule_id,
                                                        "crossing": crossing},
                       now=now, tenant_id=tenant_id, dedupe_key=charge_key(rule_id, crossing))


def charge_key(rule_id: int, crossing: int) -> str:
    """The one name of a crossing's charge: job dedupe key and Stripe idempotency key."""
    return f"cc-autotopup-{rule_id}-{crossing}"


def rearm(session: Session, tenant_id: int, balance: int) -> None:
    """Money arrived: a rule whose threshold the balance reaches again waits for the next
    crossing."""
    session.execute(sa.update(AutoTopup)
                    .where(AutoTopup.tenant_id == tenant_id, AutoTopup.armed.is_(False),
                           AutoTopup.threshold_micros <= balance)
                    .values(armed=True).execution_options(synchronize_session=False))


def rule_for(session: Session, tenant_id: int) -> AutoTopup | None:
    """The tenant's rule and saved card, if any."""
    return session.scalars(sa.select(AutoTopup).where(AutoTopup.tenant_id == tenant_id)).first()


def _rule(session: Session, tenant: Tenant, now: datetime) -> AutoTopup:
    rule = session.scalars(sa.select(AutoTopup).where(AutoTopup.tenant_id == tenant.id)
                           .with_for_update()).first()
    if rule is None:
        rule = AutoTopup(tenant_id=tenant.id, enabled=False, threshold_micros=0,
                         amount_micros=0, max_per_day=1, max_per_month=10, armed=True,
                         crossings=0, created_at=now, updated_at=now)
        session.add(rule)
        session.flush()
    return rule


def start_card_setup(session: Session, gateway: PaymentGateway, actor: Actor, tenant: Tenant,
                     *, now: datetime) -> str:
    """A SetupIntent's client secret, for Stripe.js to save a card on the tenant's
    Stripe customer (created once)."""
    require_tenant_role(actor, tenant.id, ("owner",))
    if tenant.status not in lifecycle.OPEN:
        raise InvalidState(f"a {tenant.status} account takes no payments")
    rule = _rule(session, tenant, now)
    meta = {"tenant_id": str(tenant.id), "account_code": tenant.account_code or ""}
    try:
        if rule.customer_id is None:
            rule.customer_id = gateway.ensure_customer(
                name=tenant.name, metadata=meta, idempotency_key=f"cc-customer-{tenant.id}")
        setup = gateway.create_setup_intent(
            customer=rule.customer_id, metadata=meta,
            idempotency_key=f"cc-setup-{tenant.id}-{int(now.timestamp())}")
    except GatewayError as exc:
        from callcenter.services.payments import ProviderError

        raise ProviderError(f"the card processor said: {exc.message}") from exc
    return setup.client_secret or ""


def save_card(session: Session, gateway: PaymentGateway, actor: Actor, tenant: Tenant,
              setup_intent_id: str, *, consent: bool, now: datetime) -> AutoTopup:
    """Keep the card a succeeded SetupIntent saved, with the owner's consent to
    off-session charges; Stripe is asked, the browser is not believed."""
    require_tenant_role(actor, tenant.id, ("owner",))
    if not consent:
        raise InvalidInput("agree to automatic charges to save the card",
                           details={"field": "consent"})
    rule = _rule(session, tenant, now)
    try:
        setup = gateway.retrieve_setup_intent(setup_intent_id)
        label = gateway.card_label(setup.payment_method) if setup.payment_method else None
    except GatewayError as exc:
        raise InvalidInput(f"the card could not be checked: {exc.message}") from exc
    if setup.metadata.get("tenant_id") != str(tenant.id) or setup.customer != rule.customer_id:
        raise NotFound("setup intent not found")
    if setup.status != "succeeded" or not setup.payment_method:
        raise InvalidState("the card was not saved (authentication failed or was cancelled)")
    rule.payment_method_id, rule.card_label = setup.payment_method, label
    rule.consent_at, rule.consent_user_id, rule.updated_at = now, actor.user_id, now
    rule.disabled_reason = rule.disabled_at = None
    audit.record(session, actor, "auto_topup.card_saved", tenant_id=tenant.id, now=now,
                 card=label, consent=CONSENT_TEXT)
    return rule


@dataclass(frozen=True)
class RuleChange:
    """The owner's rule: on or off, below X charge Y, at most N a day and M a month."""

    enabled: bool
    threshold_micros: int
    amount_micros: int
    max_per_day: int
    max_per_month: int


def set_rule(session: Session, actor: Actor, tenant: Tenant, change: RuleChange, *,
             minimum: int, maximum: int, now: datetime) -> AutoTopup:
    """Save the rule; enabling it while the balance is already below X charges at once."""
    require_tenant_role(actor, tenant.id, ("owner",))
    unit = minor_unit_micros(tenant.currency)
    if change.enabled:
        if not minimum <= change.amount_micros <= maximum or change.amount_micros % unit:
            raise InvalidInput(f"the top-up amount must be from {format_amount(minimum)} to "
                               f"{format_amount(maximum)} {tenant.currency}, in whole "
                               f"{format_amount(unit)}", details={"field": "amount"})
        if change.threshold_micros <= 0:
            raise InvalidInput("the threshold must be above zero",
                               details={"field": "threshold"})
        if not 1 <= change.max_per_day <= change.max_per_month:
            raise InvalidInput("at least one charge a day, and no more a day than a month",
                               details={"field": "max_per_day"})
    rule = _rule(session, tenant, now)
    if change.enabled and (rule.payment_method_id is None or rule.consent_at is None):
        raise InvalidState("save a card first")
    was_enabled = rule.enabled
    rule.enabled, rule.threshold_micros = change.enabled, change.threshold_micros
    rule.amount_micros, rule.updated_at = change.amount_micros, now
    rule.max_per_day, rule.max_per_month = change.max_per_day, change.max_per_month
    if change.enabled:
        rule.disabled_reason = rule.disabled_at = rule.last_skip_reason = None
        session.refresh(tenant, ["balance_micros"])
        below = tenant.balance_micros < change.threshold_micros
        if not was_enabled or not below:
            rule.armed = True  # a crossing already charging stays disarmed until money comes
        if not was_enabled and below:
            rule.armed, rule.crossings = False, rule.crossings + 1
            session.flush()
            _enqueue(session, tenant.id, rule.id, rule.crossings, now)
    audit.record(session, actor, "auto_topup.rule", tenant_id=tenant.id, now=now,
                 enabled=change.enabled, threshold=format_amount(change.threshold_micros),
                 amount=format_amount(change.amount_micros), max_per_day=change.max_per_day,
                 max_per_month=change.max_per_month)
    HINTS.clear_after_commit(session)
    return rule


def card_failed(session: Session, rule_id: int, message: str, *, now: datetime) -> bool:
    """The card was refused: turn the rule off and tell the owner, once; False if the
    rule was already off (nothing is told twice, nothing retries)."""
    off = session.execute(
        sa.update(AutoTopup).where(AutoTopup.id == rule_id, AutoTopup.enabled.is_(True))
        .values(enabled=False, disabled_reason=message[:500], disabled_at=now, updated_at=now)
        .returning(AutoTopup.tenant_id).execution_options(synchronize_session=False)).first()
    if off is None:
        return False
    # The owner's notice: the dashboard shows the reason; no `mail` job kind exists yet,
    # so the notice is recorded here for the mail outbox to pick up when it lands.
    audit.record(session, None, "auto_topup.disabled", tenant_id=off[0], now=now,
                 notice="Automatic top-up was turned off: the saved card was refused.",
                 reason=message[:500])
    HINTS.clear_after_commit(session)
    return True
