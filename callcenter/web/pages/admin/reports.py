"""Admin pages: a tenant's statements, maintenance notices, the mail outbox."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.integrations.mailer import settings_from
from callcenter.models import NOTICE_SERVICES
from callcenter.services import mail, notices, outbox
from callcenter.services import tenants as tenant_service
from callcenter.web.api.inputs import NEW_NOTICE
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    commit,
    form_action,
    now,
    rollback,
    session,
    uow,
)
from callcenter.web.common.i18n import _
from callcenter.web.pages.admin import bp
from callcenter.web.pages.shared import statement_list_page, statement_page

MAX_TENANTS_LISTED = 10_000


@bp.get("/tenants/<int:tenant_id>/statements")
@admin_required
def statements(tenant_id: int):
    """A tenant's months, each with its statement."""
    return statement_list_page(acting_tenant(tenant_id), "admin/statements.html",
                               "admin.statement", tenant_id=tenant_id)


@bp.get("/tenants/<int:tenant_id>/statements/<period>")
@admin_required
def statement(tenant_id: int, period: str):
    """One month of a tenant's account; `?format=csv` or `pdf` downloads it."""
    return statement_page(acting_tenant(tenant_id), period, "admin/statement.html")


def _notices_page(form: dict | None = None, status: int = 200):
    who = actor()
    rows = notices.visible(session(), who, now=now(), limit=100)
    named = notices.tenant_ids(session(), [n.id for n in rows])
    tenants = tenant_service.list_tenants(session(), who, limit=MAX_TENANTS_LISTED)
    return render_template(
        "admin/notices.html", notices=rows, named=named, tenants=tenants,
        names={t.id: t.name for t in tenants}, services=NOTICE_SERVICES, form=form or {},
        min_hours=current_app.config["MIN_NOTICE_HOURS"], now=now()), status


@bp.get("/notices")
@admin_required
def notices_page():
    """Every notice, newest first, and the form to schedule one."""
    return _notices_page()


def _draft(form) -> notices.NoticeDraft:
    """The form's fields as the API's body (times typed in UTC)."""
    ids = form.getlist("tenant_ids")
    if not all(i.isdigit() for i in ids):
        raise InvalidInput("pick tenants from the list", details={"field": "tenant_ids"})
    return NEW_NOTICE.parse({
        "starts_at": form.get("starts_at") or None, "ends_at": form.get("ends_at") or None,
        "message": form.get("message", ""), "services": form.getlist("services") or None,
        "tenant_ids": [int(i) for i in ids] or None,
        "override_short_notice": form.get("override_short_notice") == "1"})


@bp.post("/notices")
@admin_required
def schedule_notice():
    """Schedule a notice from the form; on an error the form keeps what was typed."""
    try:
        notices.schedule(uow(), actor(), _draft(request.form), now=now(),
                         min_notice_hours=current_app.config["MIN_NOTICE_HOURS"])
        commit()
    except DomainError as exc:
        rollback()
        flash(exc.message, "error")
        return _notices_page(request.form, 409 if exc.code == "short_notice" else 400)
    flash(_("Notice published. The affected owners are being mailed."), "success")
    return redirect(url_for("admin.notices_page"))


@bp.get("/outbox")
@admin_required
def outbox_page():
    """Outbox mails with their delivery state, and background jobs that are stuck."""
    state = request.args.get("state") or None
    if state not in (None, *outbox.STATES):
        state = None
    who = actor()
    rows = outbox.mails(session(), who, state=state, before_id=request.args.get("before",
                                                                              type=int))
    return render_template(
        "admin/outbox.html", mails=[(j, mail.delivery(j)) for j in rows],
        stuck=outbox.stuck(session(), who, now=now()), state=state, states=outbox.STATES,
        configured=settings_from(current_app.config) is not None,
        more=rows[-1].id if len(rows) == 100 else None)


@bp.post("/jobs/<int:job_id>/retry")
@admin_required
def retry_job(job_id: int):
    """Send a dead or waiting job (a mail) round again now."""
    ok, _result = form_action(lambda: outbox.retry(uow(), actor(), job_id, now=now()))
    if ok:
        flash(_("It will be tried again now."), "success")
    return redirect(url_for("admin.outbox_page"))
