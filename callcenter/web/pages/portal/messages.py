"""Tenant SMS pages: send a batch (pasted numbers or a CSV), follow it, cancel it."""

from __future__ import annotations

import re

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from callcenter.domain.sms_text import KINDS
from callcenter.services import number_lists as lists
from callcenter.services import sms
from callcenter.services.tenants import rate_plan_at
from callcenter.web.common.context import (
    actor,
    compliance_policy,
    form_action,
    now,
    own_tenant,
    session,
    uow,
)
from callcenter.web.common.i18n import _, ngettext
from callcenter.web.common.providers import sms_setup
from callcenter.web.pages.portal import bp

_SEPARATORS = re.compile(r"[\n,;]+")


def _tenant():
    return own_tenant(roles=("owner",))


def _recipients() -> list[str]:
    """Numbers pasted in the form (one per line, or separated by commas) and from a CSV."""
    numbers = [n.strip() for n in _SEPARATORS.split(request.form.get("to", "")) if n.strip()]
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        numbers += [row.input for row in lists.rows_from_csv(upload.read(), ())]
    return numbers


@bp.route("/messages", methods=["GET", "POST"])
@login_required
def messages():
    """Send a text: the segment count and price update while typing; past batches."""
    tenant = _tenant()
    if request.method == "POST":
        new = sms.NewBatch(to=_recipients(), body=request.form.get("body", ""),
                           kind=request.form.get("kind", "marketing"))
        ok, batch = form_action(lambda: sms.create(uow(), actor(), tenant, new, now=now(),
                                                   setup=sms_setup(),
                                                   policy=compliance_policy()))
        if ok:
            flash(ngettext("%(accepted)s of %(num)d recipient accepted; sending.",
                           "%(accepted)s of %(num)d recipients accepted; sending.",
                           batch.recipients, accepted=batch.accepted),
                  "success" if batch.accepted else "error")
            return redirect(url_for("portal.message_batch", batch_id=batch.id))
    return render_template("portal/messages.html", tenant=tenant, kinds=KINDS,
                           plan=rate_plan_at(session(), tenant.id, now()),
                           wording=sms.wording(tenant), form=request.form,
                           batches=sms.batches(session(), tenant.id),
                           replies=sms.replies(session(), tenant.id, limit=20))


@bp.get("/messages/<int:batch_id>")
@login_required
def message_batch(batch_id: int):
    """A batch: progress, every recipient's status, and a cancel button."""
    tenant = _tenant()
    batch = sms.get(session(), tenant.id, batch_id)
    return render_template("portal/message_batch.html", tenant=tenant, batch=batch,
                           rows=sms.recipients(session(), batch.id),
                           progress=sms.progress(session(), batch.id))


@bp.get("/messages/<int:batch_id>/progress")
@login_required
def message_progress(batch_id: int):
    """The batch's status and counts, for the progress bar."""
    tenant = _tenant()
    batch = sms.get(session(), tenant.id, batch_id)
    return jsonify(sms.progress_summary(batch, sms.progress(session(), batch.id)))


@bp.post("/messages/<int:batch_id>/cancel")
@login_required
def message_cancel(batch_id: int):
    """Stop sending the recipients not yet sent."""
    tenant = _tenant()
    if form_action(lambda: sms.cancel(uow(), actor(), tenant, batch_id, now=now()))[0]:
        flash(_("Canceled: recipients not yet sent were released."), "success")
    return redirect(url_for("portal.message_batch", batch_id=batch_id))
