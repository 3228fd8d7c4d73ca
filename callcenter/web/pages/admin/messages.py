"""Admin SMS pages: every tenant's recent batches, one tenant's batches and replies, a
batch with its recipients (an admin may cancel it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from callcenter.services import sms
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    form_action,
    now,
    session,
    uow,
)
from callcenter.web.common.i18n import _
from callcenter.web.pages.admin import bp


@bp.get("/messages")
@admin_required
def messages():
    """The newest batches of every tenant."""
    return render_template("admin/messages.html", tenant=None,
                           batches=sms.recent(session()), replies=[])


@bp.get("/tenants/<int:tenant_id>/messages")
@admin_required
def tenant_messages(tenant_id: int):
    """One tenant's batches and the replies to its sender."""
    tenant = acting_tenant(tenant_id)
    return render_template("admin/messages.html", tenant=tenant,
                           batches=sms.batches(session(), tenant.id, limit=200),
                           replies=sms.replies(session(), tenant.id))


@bp.get("/tenants/<int:tenant_id>/messages/<int:batch_id>")
@admin_required
def message_batch(tenant_id: int, batch_id: int):
    """A batch with every recipient's status, reasons and charge."""
    tenant = acting_tenant(tenant_id)
    batch = sms.get(session(), tenant.id, batch_id)
    return render_template("admin/message_batch.html", tenant=tenant, batch=batch,
                           rows=sms.recipients(session(), batch.id),
                           progress=sms.progress(session(), batch.id))


@bp.get("/tenants/<int:tenant_id>/messages/<int:batch_id>/progress")
@admin_required
def message_progress(tenant_id: int, batch_id: int):
    """The batch's status and counts, for the progress bar."""
    batch = sms.get(session(), acting_tenant(tenant_id).id, batch_id)
    return sms.progress_summary(batch, sms.progress(session(), batch.id))


@bp.post("/tenants/<int:tenant_id>/messages/<int:batch_id>/cancel")
@admin_required
def message_cancel(tenant_id: int, batch_id: int):
    """Stop a batch (an abusive one, or one that blocks a termination)."""
    tenant = acting_tenant(tenant_id)
    if form_action(lambda: sms.cancel(uow(), actor(), tenant, batch_id, now=now()))[0]:
        flash(_("Canceled: recipients not yet sent were released."), "success")
    return redirect(url_for("admin.message_batch", tenant_id=tenant_id, batch_id=batch_id))
