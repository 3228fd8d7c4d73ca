"""Termination: stop new calls, require settled holds, book the final settlement.

The settlement is booked in one transaction under the tenant's row lock: every line
becomes a ledger entry with its own key, so the ledger ends at exactly 0 and a repeated
request finds the settlement already there. Card refunds are only *recorded* here (line
`pending`); the caller makes the Stripe calls after committing (`send_refunds`), each
with the line's idempotency key, so a crash between Stripe and our commit is repaired
by sending again: the gateway finds the refund it made under that key.

`terminate_tenant` is the use case every adapter calls (API, pages, the billing job): it
commits the termination through the unit of work and sends the refunds after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.errors import N_, Forbidden, InvalidInput, InvalidState, NotFound
from callcenter.domain.money import minor_unit_micros
from callcenter.integrations.stripe_gateway import GatewayError, PaymentGateway
from callcenter.models import Hold, Payment, Seat, SeatCharge, Tenant, Termination, TerminationLine
from callcenter.services import audit, events, ledger, settlement
from callcenter.services.access import Actor, require_admin
from callcenter.services.uow import UnitOfWork


@dataclass
class Outcome:
    """What a termination request did: settled (now or before), or held up by holds."""

    termination: Termination
    created: bool = False
    blocked_by: list[Hold] = field(default_factory=list)


def _lock(session: Session, tenant_id: int) -> Tenant:
    tenant = session.scalars(sa.select(Tenant).where(Tenant.id == tenant_id).with_for_update()
                             .execution_options(populate_existing=True)).first()
    if tenant is None:
        raise NotFound("tenant not found")
    return tenant


def for_tenant(session: Session, tenant_id: int) -> Termination | None:
    """The tenant's termination, if one was requested or made."""
    return session.scalars(sa.select(Termination).where(Termination.tenant_id == tenant_id)).first()


def lines(session: Session, termination_id: int) -> list[TerminationLine]:
    """The settlement's lines in booking order."""
    return list(session.scalars(sa.select(TerminationLine).where(
        TerminationLine.termination_id == termination_id).order_by(TerminationLine.position)))


def request(session: Session, actor: Actor, tenant: Tenant, note: str | None, *,
            now: datetime) -> Termination:
    """The tenant's owner asks to end the service; an admin confirms it later."""
    if actor.role != "owner" or actor.tenant_id != tenant.id:
        raise Forbidden.of(N_("only the tenant's owner can request termination"))
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise InvalidInput.of(N_("note must be text up to 500 characters"),
                              details={"field": "note"})
    if tenant.status in lifecycle.CLOSED:
        raise InvalidState.of(N_("the account is already %(status)s"), status=tenant.status)
    term = for_tenant(session, tenant.id)
    if term is None:
        term = Termination(tenant_id=tenant.id, reason="tenant_request", status="requested",
                           currency=tenant.currency)
        session.add(term)
    term.request_note = (note or "").strip() or None
    term.requested_by_user_id, term.requested_at = actor.user_id, term.requested_at or now
    session.flush()
    audit.record(session, actor, "tenant.termination_requested", tenant_id=tenant.id, now=now)
    return term


def _stop_new_calls(session: Session, actor: Actor, tenant: Tenant, term: Termination,
                    now: datetime) -> None:
    """Suspend with cause `termination`: calls and seats stop at once, money stays put."""
    if not lifecycle.can_suspend(tenant, lifecycle.TERMINATION):
        return  # already stopped (or terminated): nothing more to stop
    lifecycle.suspend(tenant, lifecycle.TERMINATION,
                      f"Termination ({term.reason.replace('_', ' ')}) in progress", now=now)
    events.tenant_status(session, tenant, "tenant.suspended", now=now)
    audit.record(session, actor, "tenant.termination_started", tenant_id=tenant.id, now=now,
                 reason=term.reason)


def terminate(session: Session, actor: Actor, tenant_id: int, reason: str, *,
              now: datetime, reconcile: Callable[[], object] | None = None) -> Outcome:
    """Stop new calls, then settle everything if no hold is open; the caller commits.

    With open holds the calls stay stopped and the outcome lists the holds (the caller
    answers 409 after committing the stop). `reconcile`, when given (a forced
    termination), settles stale holds first.
    """
    require_admin(actor)
    reason = settlement.check_reason(reason)
    tenant = _lock(session, tenant_id)
    if tenant.status == lifecycle.PURGED:
        raise InvalidState("the tenant's data was erased")
    term = for_tenant(session, tenant.id)
    if term is not None and term.status == "settled":
        return Outcome(term)
    if term is None:
        term = Termination(tenant_id=tenant.id, currency=tenant.currency, reason=reason,
                           status="stopping")
        session.add(term)
    term.reason, term.status = reason, "stopping"
    term.confirmed_by_user_id, term.started_at = actor.user_id, term.started_at or now
    session.flush()
    _stop_new_calls(session, actor, tenant, term, now)
    if reconcile is not None:
        reconcile()
        session.flush()
    holds = settlement.open_holds(session, tenant.id)
    if holds:
        return Outcome(term, blocked_by=holds)
    _book(session, actor, tenant, term, settlement.plan(session, tenant, reason, now=now), now)
    return Outcome(term, created=True)


def terminate_tenant(uow: UnitOfWork, actor: Actor, tenant_id: int, reason: str, *,
                     now: datetime, gateway: PaymentGateway | None,
                     lookup: object = None, force: bool = False) -> Outcome:
    """Terminate and settle, commit, then send the card refunds once committed.

    With open holds the stop of new calls is still committed and the outcome lists the
    holds. `force` first settles stale holds the provider (`lookup`) can report.
    """
    reconcile = None
    if force:
        from callcenter.services.reconcile import reconcile_holds

        def reconcile() -> object:
            return reconcile_holds(uow.session, now=now, lookup=lookup, tenant_id=tenant_id)
    outcome = terminate(uow.session, actor, tenant_id, reason, now=now, reconcile=reconcile)
    if not outcome.blocked_by:
        uow.after_commit(lambda: send_refunds(uow, gateway, tenant_id, now=now))
    uow.commit()
    return outcome


def _post(session: Session, tenant: Tenant, kind: str, amount: int, key: str, memo: str,
          actor: Actor, now: datetime) -> int:
    return ledger.post(session, tenant.id, kind=kind, amount=amount, key=key, now=now,
                       memo=memo, actor_id=actor.user_id).entry.id


def _book(session: Session, actor: Actor, tenant: Tenant, term: Termination,
          plan: settlement.Plan, now: datetime) -> None:
    tid = term.id
    for position, item in enumerate(plan.lines):
        line = TerminationLine(termination_id=tid, tenant_id=tenant.id, position=position,
                               kind=item.kind, amount_micros=item.amount, status=item.status,
                               memo=item.memo[:200], created_at=now, updated_at=now)
        if item.kind == "seat_credit":
            line.ledger_entry_id = _post(session, tenant, "adjustment", item.amount,
                                         f"termination:{tid}:seat_credit", item.memo, actor, now)
        elif item.kind == "receivable" and item.arrear is None:
            line.ledger_entry_id = _post(session, tenant, "adjustment", item.amount,
                                         f"termination:{tid}:negative", item.memo, actor, now)
        elif item.kind == "arrears" and item.arrear is not None:
            arrear = item.arrear
            whole = item.amount == arrear.amount_micros
            key = f"arrear:{arrear.id}" if whole else f"termination:{tid}:arrear:{arrear.id}"
            line.ledger_entry_id = _post(session, tenant, arrear.kind, -item.amount, key,
                                         item.memo, actor, now)
            if whole:
                arrear.paid_at, arrear.ledger_entry_id = now, line.ledger_entry_id
                session.execute(sa.update(SeatCharge).where(SeatCharge.arrear_id == arrear.id)
                                .values(ledger_entry_id=line.ledger_entry_id)
                                .execution_options(synchronize_session=False))
        elif item.kind == "card_refund" and item.payment is not None:
            payment = item.payment
            line.payment_id = payment.id
            line.idempotency_key = f"cc-refund-t{tid}-p{payment.id}"
            payment.refunded_micros += item.amount
            payment.updated_at = now
            line.ledger_entry_id = _post(session, tenant, "refund", -item.amount,
                                         f"termination:{tid}:card:{payment.id}", item.memo,
                                         actor, now)
        elif item.kind == "bank_refund":
            line.ledger_entry_id = _post(session, tenant, "refund", -item.amount,
                                         f"termination:{tid}:bank", item.memo, actor, now)
        elif item.kind == "write_off":
            line.ledger_entry_id = _post(session, tenant, "write_off", -item.amount,
                                         f"termination:{tid}:write_off", item.memo, actor, now)
        session.add(line)
    session.flush()
    session.refresh(tenant)
    if tenant.balance_micros != 0 or tenant.held_micros != 0:
        # Every line is computed to end at 0; anything else is a bug: roll it all back.
        raise RuntimeError(f"settlement left balance {tenant.balance_micros}, "
                           f"held {tenant.held_micros} for tenant {tenant.id}")
    for seat in session.scalars(sa.select(Seat).where(Seat.tenant_id == tenant.id,
                                                      Seat.status == "active")):
        seat.status, seat.released_at = "released", now
    term.status, term.settled_at = "settled", now
    term.balance_micros, term.seat_credit_micros = plan.balance, plan.seat_credit
    term.arrears_micros = plan.arrears
    lifecycle.terminate(tenant, term.reason, now)
    audit.record(session, actor, "tenant.terminate", tenant_id=tenant.id, now=now,
                 reason=term.reason, termination_id=tid, balance_micros=plan.balance,
                 seat_credit_micros=plan.seat_credit)


def owe_back(session: Session, payment: Payment, *, now: datetime) -> TerminationLine | None:
    """A card payment that arrived after the account closed goes back to the card."""
    term = for_tenant(session, payment.tenant_id)
    amount = payment.refundable_micros
    if term is None or term.status != "settled" or amount <= 0:
        return None
    position = len(lines(session, term.id))
    line = TerminationLine(termination_id=term.id, tenant_id=payment.tenant_id,
                           position=position, kind="card_refund", amount_micros=amount,
                           status="pending", payment_id=payment.id,
                           memo=f"Payment {payment.intent_id} arrived after closing: refund",
                           idempotency_key=f"cc-refund-t{term.id}-p{payment.id}",
                           created_at=now, updated_at=now)
    payment.refunded_micros += amount
    session.add(line)
    session.flush()
    return line


def pending_refunds(session: Session, tenant_id: int) -> list[TerminationLine]:
    """Card refund lines recorded but not yet sent (or sent without an answer recorded)."""
    return list(session.scalars(sa.select(TerminationLine).where(
        TerminationLine.tenant_id == tenant_id, TerminationLine.kind == "card_refund",
        TerminationLine.status == "pending", TerminationLine.provider_refund_id.is_(None))
        .order_by(TerminationLine.position)))


def tenants_with_unsent_refunds(session: Session) -> list[int]:
    """Tenants whose card refunds were recorded but never sent (Stripe down, a crash)."""
    return list(session.scalars(sa.select(TerminationLine.tenant_id).distinct().where(
        TerminationLine.kind == "card_refund", TerminationLine.status == "pending",
        TerminationLine.provider_refund_id.is_(None)).order_by(TerminationLine.tenant_id)))


def send_refund(session: Session, gateway: PaymentGateway, line: TerminationLine, *,
                now: datetime) -> TerminationLine:
    """Ask Stripe for one card refund (idempotent on the line's key); record the answer."""
    if line.kind != "card_refund" or line.status not in ("pending", "failed"):
        raise InvalidState.of(N_("only a pending or failed card refund can be sent"))
    payment = session.get(Payment, line.payment_id)
    unit = minor_unit_micros(payment.currency)
    line.attempts += 1
    line.updated_at = now
    try:
        refund = gateway.refund(intent_id=payment.intent_id, amount=line.amount_micros // unit,
                                idempotency_key=line.idempotency_key,
                                metadata={"tenant_id": str(line.tenant_id),
                                          "termination_line_id": str(line.id)})
    except GatewayError as exc:
        line.status, line.failure_message = "failed", exc.message[:500]
        return line
    line.provider_refund_id = refund.id
    if refund.status == "succeeded":
        line.status, line.failure_message, line.completed_at = "succeeded", None, now
    elif refund.status in ("failed", "canceled"):
        line.status = "failed"
        line.failure_message = f"Stripe refund {refund.status}: {refund.failure_reason or '-'}"
    else:
        line.status, line.failure_message = "pending", None  # Stripe's event will finish it
    return line


def retry_refund(session: Session, actor: Actor, gateway: PaymentGateway,
                 line: TerminationLine, *, now: datetime) -> TerminationLine:
    """An admin sends a failed or unconfirmed card refund again (same idempotency key)."""
    require_admin(actor)
    return send_refund(session, gateway, line, now=now)


def send_refunds(uow: UnitOfWork, gateway: PaymentGateway | None, tenant_id: int, *,
                 now: datetime) -> list[TerminationLine]:
    """Send every pending card refund of a tenant, committing after each one.

    Failed lines are not resent here: a retry is an admin's decision (`send_refund`).
    """
    if gateway is None:
        return []  # Stripe unset: the lines stay pending, visible, and can be sent later
    sent = []
    for line in pending_refunds(uow.session, tenant_id):
        sent.append(send_refund(uow.session, gateway, line, now=now))
        uow.commit()
    return sent


def failed_refunds(session: Session, tenant_id: int) -> list[TerminationLine]:
    """Card refunds Stripe refused: an admin retries them."""
    return list(session.scalars(sa.select(TerminationLine).where(
        TerminationLine.tenant_id == tenant_id, TerminationLine.kind == "card_refund",
        TerminationLine.status == "failed").order_by(TerminationLine.position)))


def line_of(session: Session, tenant_id: int, line_id: int) -> TerminationLine:
    """A settlement line of this tenant, or NotFound."""
    line = session.get(TerminationLine, line_id)
    if line is None or line.tenant_id != tenant_id:
        raise NotFound("settlement line not found")
    return line


def close_line(session: Session, actor: Actor, line: TerminationLine, status: str,
               reference: str | None, *, now: datetime) -> TerminationLine:
    """An admin records a bank refund as paid (with the bank's reference), or a
    receivable as paid or waived."""
    require_admin(actor)
    allowed = {"bank_refund": ("paid",), "receivable": ("paid", "waived")}.get(line.kind, ())
    if status not in allowed:
        raise InvalidInput(f"a {line.kind.replace('_', ' ')} line cannot become {status}",
                           details={"field": "status"})
    if line.status not in ("pending", "open"):
        if line.status == status:
            return line
        raise InvalidState.of(N_("this line is already %(status)s"), status=line.status)
    if line.kind == "bank_refund" and (not isinstance(reference, str) or not reference.strip()
                                       or len(reference) > 100):
        raise InvalidInput.of(N_("reference (the bank's reference of the refund) is required"),
                           details={"field": "reference"})
    line.status, line.updated_at, line.completed_at = status, now, now
    line.bank_reference = reference.strip() if isinstance(reference, str) else None
    line.completed_by_user_id = actor.user_id
    audit.record(session, actor, "termination.line_closed", tenant_id=line.tenant_id, now=now,
                 line_id=line.id, kind=line.kind, status=status,
                 amount_micros=line.amount_micros)
    return line


@dataclass(frozen=True)
class Overview:
    """The admin's list of terminations and the tenants that could be terminated."""

    rows: list[tuple[Termination, Tenant]]
    outstanding: dict[int, int]  # termination id -> lines still to pay, refund or close
    tenants: list[tuple[int, str, str | None]]


def overview(session: Session, *, limit: int = 200) -> Overview:
    """Terminations newest first with their outstanding line counts."""
    outstanding = (sa.select(TerminationLine.termination_id, sa.func.count())
                   .where(TerminationLine.status.in_(("pending", "failed", "open")))
                   .group_by(TerminationLine.termination_id))
    rows = session.execute(sa.select(Termination, Tenant)
                           .join(Tenant, Tenant.id == Termination.tenant_id)
                           .order_by(Termination.id.desc()).limit(limit)).all()
    tenants = session.execute(sa.select(Tenant.id, Tenant.name, Tenant.account_code)
                              .where(Tenant.status != lifecycle.PURGED).order_by(Tenant.name)
                              .limit(500)).all()
    return Overview([tuple(r) for r in rows], dict(session.execute(outstanding).all()),
                    [tuple(t) for t in tenants])


def intent_ids(session: Session, lines: list[TerminationLine]) -> dict[int, str]:
    """Payment id -> Stripe PaymentIntent id for the card refund lines."""
    ids = {x.payment_id for x in lines if x.payment_id}
    if not ids:
        return {}
    return dict(session.execute(sa.select(Payment.id, Payment.intent_id)
                                .where(Payment.id.in_(ids))).all())
