"""Stripe refund events applied to settlement lines, in any order, any number of times.

A refund goes pending -> succeeded, or -> failed/canceled. Events can arrive late or
twice, so a line never goes back to pending once it has an outcome, and between two
outcomes the one from the later event (`created`) wins; on a tie the failure wins, since
a failed line is visible and a retry that finds the refund succeeded puts it right.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.money import minor_unit_micros
from callcenter.integrations.stripe_events import Charge
from callcenter.integrations.stripe_gateway import Refund
from callcenter.models import Payment, TerminationLine
from callcenter.services.inbox import Applied

_OUTCOME = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}


def _line_for(session: Session, refund: Refund) -> TerminationLine | None:
    line = session.scalars(sa.select(TerminationLine).where(
        TerminationLine.provider_refund_id == refund.id)).first()
    if line is not None:
        return line
    key = refund.metadata.get("refund_key")
    if not key:
        return None
    return session.scalars(sa.select(TerminationLine).where(
        TerminationLine.idempotency_key == key)).first()


def apply_refund(session: Session, refund: Refund, created: int, *, now: datetime) -> Applied:
    """Bring the refund's line up to date with one report of the refund's state."""
    line = _line_for(session, refund)
    if line is None:
        return Applied("no_line")  # a refund made outside this application
    line.provider_refund_id = line.provider_refund_id or refund.id
    new = _OUTCOME.get(refund.status)
    if new is None:
        return Applied("pending", line.tenant_id)
    last = line.provider_event_at
    if line.status in ("succeeded", "failed") and last is not None:
        if created < last or (created == last and line.status == "failed"):
            return Applied("stale", line.tenant_id)
    line.status, line.provider_event_at, line.updated_at = new, created, now
    if new == "succeeded":
        line.failure_message, line.completed_at = None, line.completed_at or now
    else:
        line.completed_at = None
        line.failure_message = (f"Stripe refund {refund.status}: "
                                f"{refund.failure_reason or '-'}")[:500]
    return Applied(f"refund_{new}", line.tenant_id)


def _charge(session: Session, charge: Charge, created: int, now: datetime) -> Applied:
    payment = session.scalars(sa.select(Payment).where(
        Payment.intent_id == charge.payment_intent)).first()
    if payment is not None and charge.amount_refunded is not None:
        # Refunds made in Stripe's dashboard count too: never refund more than that.
        refunded = charge.amount_refunded * minor_unit_micros(payment.currency)
        payment.refunded_micros = max(payment.refunded_micros, refunded)
        payment.updated_at = now
    results = [apply_refund(session, refund, created, now=now) for refund in charge.refunds]
    outcome = ",".join(sorted({r.outcome for r in results}))[:32] or "charge_refunded"
    tenant_id = payment.tenant_id if payment is not None else next(
        (r.tenant_id for r in results if r.tenant_id is not None), None)
    return Applied(outcome, tenant_id)


def apply(session: Session, subject: object, created: int, *,
          now: datetime) -> Applied:
    """Apply a `refund.*`, `charge.refund.*` or `charge.refunded` event's object."""
    if isinstance(subject, Charge):
        return _charge(session, subject, created, now)
    if isinstance(subject, Refund):
        return apply_refund(session, subject, created, now=now)
    return Applied("ignored")
