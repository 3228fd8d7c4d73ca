"""Stripe refund events applied to settlement lines, in any order, any number of times.

A refund goes pending -> succeeded, or -> failed/canceled. Events can arrive late or
twice, so a line never goes back to pending once it has an outcome, and between two
outcomes the one from the later event (`created`) wins; on a tie the failure wins, since
a failed line is visible and a retry that finds the refund succeeded puts it right.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.money import minor_unit_micros
from callcenter.models import Payment, TerminationLine

_OUTCOME = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}


def _line_for(session: Session, refund: dict[str, Any]) -> TerminationLine | None:
    line = session.scalars(sa.select(TerminationLine).where(
        TerminationLine.provider_refund_id == refund.get("id"))).first()
    if line is not None:
        return line
    key = (refund.get("metadata") or {}).get("refund_key")
    if not key:
        return None
    return session.scalars(sa.select(TerminationLine).where(
        TerminationLine.idempotency_key == key)).first()


def apply_refund(session: Session, refund: dict[str, Any], created: int, *,
                 now: datetime) -> str:
    """Bring the refund's line up to date with one report of the refund's state."""
    line = _line_for(session, refund)
    if line is None:
        return "no_line"  # a refund made outside this application
    line.provider_refund_id = line.provider_refund_id or refund.get("id")
    new = _OUTCOME.get(str(refund.get("status")))
    if new is None:
        return "pending"
    last = line.provider_event_at
    if line.status in ("succeeded", "failed") and last is not None:
        if created < last or (created == last and line.status == "failed"):
            return "stale"
    line.status, line.provider_event_at, line.updated_at = new, created, now
    if new == "succeeded":
        line.failure_message, line.completed_at = None, line.completed_at or now
    else:
        line.completed_at = None
        line.failure_message = (f"Stripe refund {refund.get('status')}: "
                                f"{refund.get('failure_reason') or '-'}")[:500]
    return f"refund_{new}"


def _charge(session: Session, charge: dict[str, Any], created: int, now: datetime) -> str:
    payment = session.scalars(sa.select(Payment).where(
        Payment.intent_id == charge.get("payment_intent"))).first()
    if payment is not None and charge.get("amount_refunded") is not None:
        # Refunds made in Stripe's dashboard count too: never refund more than that.
        refunded = int(charge["amount_refunded"]) * minor_unit_micros(payment.currency)
        payment.refunded_micros = max(payment.refunded_micros, refunded)
        payment.updated_at = now
    outcomes = [apply_refund(session, refund, created, now=now)
                for refund in ((charge.get("refunds") or {}).get("data") or [])]
    return ",".join(sorted(set(outcomes)))[:32] or "charge_refunded"


def apply(session: Session, event: dict[str, Any], *, now: datetime) -> str:
    """Apply a `refund.*`, `charge.refund.*` or `charge.refunded` event."""
    obj = (event.get("data") or {}).get("object") or {}
    created = int(event.get("created") or 0)
    if obj.get("object") == "charge":
        return _charge(session, obj, created, now)
    if obj.get("object") == "refund":
        return apply_refund(session, obj, created, now=now)
    return "ignored"
