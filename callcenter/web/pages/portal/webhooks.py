"""The owner's webhook pages: endpoints (secret shown once), delivery log, test event."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain.errors import DomainError
from callcenter.services import events, webhooks
from callcenter.web.common.context import actor, commit, now, own_tenant, rollback, session
from callcenter.web.common.i18n import _
from callcenter.web.common.providers import resolver, url_policy
from callcenter.web.pages.portal import bp


def _owner_tenant():
    return own_tenant(roles=("owner",))


def _list_page(tenant, *, created=None, secret=None, status=200):
    return render_template("portal/webhooks.html", tenant=tenant,
                           endpoints=webhooks.list_endpoints(session(), tenant.id),
                           event_types=events.EVENT_TYPES, created=created,
                           secret=secret), status


@bp.get("/webhooks")
@login_required
def webhooks_page():
    """The tenant's endpoints and the form to add one."""
    return _list_page(_owner_tenant())


@bp.post("/webhooks")
@login_required
def create_webhook():
    """Register an endpoint; the answer shows its signing secret, this once only."""
    tenant = _owner_tenant()
    new = webhooks.NewEndpoint(url=request.form.get("url", ""),
                               events=request.form.getlist("events"))
    try:
        endpoint, secret = webhooks.create_endpoint(session(), actor(), tenant, new,
                                                    policy=url_policy(), now=now(),
                                                    resolve=resolver())
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
        return _list_page(tenant, status=400)
    # Rendered, not redirected: the secret never travels in a cookie or a URL.
    return _list_page(tenant, created=endpoint, secret=secret, status=201)


@bp.get("/webhooks/<int:endpoint_id>")
@login_required
def webhook_log(endpoint_id: int):
    """One endpoint's delivery log: every attempt with its status code."""
    tenant = _owner_tenant()
    endpoint = webhooks.get_endpoint(session(), tenant.id, endpoint_id)
    return render_template("portal/webhook.html", tenant=tenant, endpoint=endpoint,
                           log=webhooks.delivery_log(session(), tenant.id, endpoint_id),
                           pending=webhooks.pending_deliveries(session(), tenant.id,
                                                              endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/test")
@login_required
def test_webhook(endpoint_id: int):
    """The "send test event" button."""
    tenant = _owner_tenant()
    webhooks.send_test(session(), actor(), tenant, endpoint_id, now=now())
    commit()
    flash(_("A test event is on its way; its attempt appears below."), "success")
    return redirect(url_for("portal.webhook_log", endpoint_id=endpoint_id))


@bp.post("/webhooks/<int:endpoint_id>/delete")
@login_required
def delete_webhook(endpoint_id: int):
    """Stop sending to an endpoint."""
    tenant = _owner_tenant()
    webhooks.delete_endpoint(session(), actor(), tenant, endpoint_id, now=now())
    commit()
    flash(_("The endpoint was deleted."), "success")
    return redirect(url_for("portal.webhooks_page"))
