"""The owner's agents page: create agents, disable or enable them, reset their passwords."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain.errors import DomainError
from callcenter.services import accounts
from callcenter.services import seats as seat_service
from callcenter.web.common.context import actor, commit, now, own_tenant, rollback, session
from callcenter.web.common.i18n import _
from callcenter.web.pages.portal import bp


def _owner_tenant():
    return own_tenant(roles=("owner",))


def _page(tenant, *, errors: dict | None = None, status: int = 200, form=None):
    rows = accounts.agents(session(), actor(), tenant)
    seats = {a.id: [s for s in seat_service.seats_of_agent(session(), a.id)
                    if s.status == "active"] for a in rows}
    return render_template("portal/agents.html", tenant=tenant, agents=rows, seats=seats,
                           errors=errors or {}, form=form or {}), status


def _errors(exc: DomainError, default: str, prefix: str = "") -> dict:
    return {prefix + ((exc.details or {}).get("field") or default): exc.message}


@bp.get("/agents")
@login_required
def agents():
    """The tenant's agents with their seats."""
    return _page(_owner_tenant())


@bp.post("/agents")
@login_required
def create_agent():
    """Create an agent with an initial password."""
    tenant = _owner_tenant()
    try:
        user = accounts.create_agent(session(), actor(), tenant,
                                     email=request.form.get("email", ""),
                                     password=request.form.get("password", ""), now=now())
        commit()
    except DomainError as exc:
        rollback()
        return _page(tenant, errors=_errors(exc, "email"), status=400,
                     form={"email": request.form.get("email", "")})
    flash(_("Agent %(email)s created. Give them their password; they can change it after "
            "signing in.", email=user.email), "success")
    return redirect(url_for("portal.agents"))


@bp.post("/agents/<int:user_id>/active")
@login_required
def set_agent_active(user_id: int):
    """Disable an agent (signed out everywhere, seats unassigned) or enable it again."""
    tenant = _owner_tenant()
    if request.form.get("active") not in ("0", "1"):
        flash(_("Choose whether to enable or disable the agent."), "error")
        return redirect(url_for("portal.agents"))
    active = request.form.get("active") == "1"
    try:
        user = accounts.set_agent_active(session(), actor(), tenant, user_id, active,
                                         now=now())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
    else:
        flash(_("%(email)s enabled.", email=user.email) if active
              else _("%(email)s disabled and signed out everywhere.", email=user.email),
              "success")
    return redirect(url_for("portal.agents"))


@bp.post("/agents/<int:user_id>/password")
@login_required
def reset_agent_password(user_id: int):
    """Set a new password for an agent; the agent is signed out everywhere."""
    tenant = _owner_tenant()
    try:
        user = accounts.reset_agent_password(session(), actor(), tenant, user_id,
                                             request.form.get("password", ""), now=now())
        commit()
    except DomainError as exc:
        rollback()
        return _page(tenant, errors=_errors(exc, "password", f"{user_id}-"), status=400)
    flash(_("New password set for %(email)s; they were signed out everywhere.",
            email=user.email), "success")
    return redirect(url_for("portal.agents"))
