"""The tenant's seats page: owners provision (after a confirmation showing the prorated
rent), release and assign seats to agents; agents see their own seats."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from callcenter.domain.errors import DomainError, InsufficientFunds, InvalidInput
from callcenter.domain.untrusted import MAX_ID, ascii_digits
from callcenter.services import accounts, billing
from callcenter.services import seats as seat_service
from callcenter.web.common.context import actor, commit, now, own_tenant, rollback, session
from callcenter.web.common.i18n import _
from callcenter.web.pages.portal import bp


def _mode() -> str:
    """One named seat when a name is given, else a number of seats."""
    mode = request.form.get("mode")
    if mode in ("count", "label"):
        return mode
    return "label" if request.form.get("label", "").strip() else "count"


def _wanted() -> dict:
    """The form's count or label, as the seat service takes them."""
    if _mode() == "label":
        return {"label": request.form.get("label", "")}
    raw = request.form.get("count", "").strip()
    if not ascii_digits(raw) or int(raw) > MAX_ID:
        raise InvalidInput(_("Enter a whole number of seats."), details={"field": "count"})
    return {"count": int(raw)}


def _page(tenant, *, errors: dict | None = None, status: int = 200):
    owner = current_user.role == "owner"
    rows = (seat_service.list_seats(session(), tenant.id) if owner
            else seat_service.seats_of_agent(session(), current_user.id))
    agents = accounts.agents(session(), actor(), tenant) if owner else []
    return render_template("portal/seats.html", tenant=tenant, seats=rows, owner=owner,
                           agents=agents, errors=errors or {}, form=request.form,
                           billing=billing.summary(session(), tenant)), status


def _field_error(exc: DomainError) -> dict:
    """The error next to its field; one about no field (the account's state) is flashed."""
    field = (exc.details or {}).get("field")
    if field is None:
        flash(exc.message, "error")
        return {}
    if field == "label" and _mode() != "label":
        field = "count"
    return {field: exc.message}


@bp.get("/seats")
@login_required
def seats():
    """The seats with the next renewal and any arrears; owners manage them here."""
    return _page(own_tenant())


@bp.post("/seats/quote")
@login_required
def quote_seats():
    """The confirmation step: what the seats cost now, before any money moves."""
    tenant = own_tenant(roles=("owner",))
    try:
        wanted = _wanted()
        quote = seat_service.quote(session(), tenant, now=now(), **wanted)
    except DomainError as exc:
        rollback()
        return _page(tenant, errors=_field_error(exc), status=400)
    available = tenant.balance_micros - tenant.held_micros
    affordable = available >= quote.total_micros
    return render_template("portal/seat_confirm.html", tenant=tenant, quote=quote,
                           wanted=wanted, available=available, affordable=affordable,
                           request_key=uuid.uuid4().hex), 200 if affordable else 402


@bp.post("/seats")
@login_required
def provision_seats():
    """Provision the confirmed seats: the rent shown is charged first, or nothing happens."""
    tenant = own_tenant(roles=("owner",))
    try:
        wanted = _wanted()
        quote = seat_service.quote(session(), tenant, now=now(), **wanted)
        if str(quote.total_micros) != request.form.get("expected_total"):
            # The amount changed since it was shown (a new day): show the new one.
            flash(_("The amount changed since you saw it; please confirm again."), "warning")
            available = tenant.balance_micros - tenant.held_micros
            return render_template(
                "portal/seat_confirm.html", tenant=tenant, quote=quote, wanted=wanted,
                available=available, affordable=available >= quote.total_micros,
                request_key=uuid.uuid4().hex), 409
        created = seat_service.provision(
            session(), actor(), tenant, now=now(), request_key=request.form.get(
                "request_key", "")[:100] or None, **wanted)
        commit()
    except InsufficientFunds:
        rollback()
        field = _mode()
        return _page(tenant, status=402, errors={field: _(
            "Your available balance does not cover the rent of these seats. Top up "
            "first.")})
    except DomainError as exc:
        rollback()
        return _page(tenant, errors=_field_error(exc), status=400)
    flash(_("%(n)s seat(s) provisioned.", n=len(created)), "success")
    return redirect(url_for("portal.seats"))


@bp.post("/seats/<int:seat_id>/release")
@login_required
def release_seat(seat_id: int):
    """Release a seat; it stops at once and the rent already paid is not refunded."""
    tenant = own_tenant(roles=("owner",))
    try:
        seat = seat_service.release(session(), actor(), tenant, seat_id, now=now())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(label)s released.", label=seat.label), "success")
    return redirect(url_for("portal.seats"))


@bp.post("/seats/<int:seat_id>/agent")
@login_required
def assign_seat(seat_id: int):
    """Give a seat to an agent, or to nobody."""
    tenant = own_tenant(roles=("owner",))
    raw = request.form.get("agent_user_id", "")
    try:
        if raw and not (ascii_digits(raw) and int(raw) <= MAX_ID):
            raise InvalidInput(_("Choose an agent."), details={"field": "agent_user_id"})
        seat = seat_service.assign(session(), actor(), tenant, seat_id,
                                   int(raw) if raw else None, now=now())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(label)s assigned.", label=seat.label), "success")
    return redirect(url_for("portal.seats"))
