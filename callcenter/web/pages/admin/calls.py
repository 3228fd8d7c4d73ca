"""Admin call pages: a tenant's call log, calls left open, and the rate editor."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.untrusted import ascii_digits
from callcenter.integrations.call_reports import MAX_PLAUSIBLE_SECONDS
from callcenter.services import inbox, rates, reconcile
from callcenter.services.tenants import current_rate_plan
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    commit,
    form_action,
    now,
    rollback,
    session,
)
from callcenter.web.common.i18n import _
from callcenter.web.common.kinds import RATE_PLAN
from callcenter.web.pages.admin import bp
from callcenter.web.pages.shared import call_log_page


@bp.get("/tenants/<int:tenant_id>/calls")
@admin_required
def calls(tenant_id: int):
    """An admin's view of one tenant's calls."""
    return call_log_page(acting_tenant(tenant_id), "admin/calls.html")


@bp.get("/calls/open")
@admin_required
def open_calls():
    """Calls still holding funds past their end, and provider events nobody claimed."""
    return render_template("admin/open_calls.html",
                           stale=reconcile.stale_calls(session(), now()),
                           unknown=inbox.unclaimed(session()))


@bp.post("/calls/<int:call_id>/resolve")
@admin_required
def resolve_call(call_id: int):
    """Settle an unreported call with the duration an admin decided (0 releases it)."""
    call = reconcile.call_by_id(session(), call_id)
    raw = request.form.get("duration", "")

    def settle() -> None:
        if not ascii_digits(raw) or int(raw) > MAX_PLAUSIBLE_SECONDS:
            raise InvalidInput("duration must be a whole number of seconds, at most a week")
        reconcile.resolve(session(), actor(), call, int(raw), now=now())

    if form_action(settle)[0]:
        flash(f"Call {call_id} settled.", "success")
    return redirect(url_for("admin.open_calls"))


def _prefix_line(cells: list[str]) -> dict:
    """One editor line: `prefix per_minute [sms_per_segment]`, "-" for "no price here"."""
    def price(i: int) -> str | None:
        return cells[i] if len(cells) > i and cells[i] != "-" else None

    return {"prefix": cells[0], "per_minute": price(1), "sms_per_segment": price(2)}


@bp.route("/tenants/<int:tenant_id>/rates", methods=["GET", "POST"])
@admin_required
def edit_rates(tenant_id: int):
    """Edit the rate plan: one prefix per line, "4420 0.012" (calls) or "86 - 0.05" (SMS)."""
    tenant = acting_tenant(tenant_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        lines = [ln.split() for ln in request.form.get("prefixes", "").splitlines() if ln.strip()]
        data = {"default_per_minute": request.form.get("default_per_minute", ""),
                "billing_increment": request.form.get("billing_increment", ""),
                "connect_fee": request.form.get("connect_fee", "") or "0",
                "sms_per_segment": request.form.get("sms_per_segment", "").strip() or None,
                "prefixes": [_prefix_line(cells) for cells in lines]}
        try:
            plan = rates.set_rates(session(), actor(), tenant, RATE_PLAN.parse(data), now=now())
            commit()
        except InvalidInput as exc:
            rollback()
            errors.update([rate_error(exc)])
        except DomainError as exc:
            rollback()
            errors["_form"] = exc.message
        else:
            flash(f"Rate plan version {plan.version} is in force for new calls and messages.",
                  "success")
            return redirect(url_for("admin.edit_rates", tenant_id=tenant_id))
    return render_template("admin/rates.html", tenant=tenant, errors=errors,
                           form=request.form if errors else None,
                           plan=current_rate_plan(session(), tenant.id)), 400 if errors else 200


_RATE_FIELDS = {"default_per_minute": "Default per minute", "billing_increment":
                "Billing increment", "connect_fee": "Connect fee",
                "sms_per_segment": "SMS per segment", "per_minute": "the per-minute rate",
                "prefix": "the prefix", "prefixes": "The prefix list"}
_LINE = re.compile(r"^prefixes\[(\d+)\]\.?(\w*)")


def rate_error(exc: InvalidInput) -> tuple[str, str]:
    """(form field, message in people's words) of a refused rate plan: a prefix line's
    error names the line ("Line 3 of the prefixes: the per-minute rate must be ...")."""
    field = str((exc.details or {}).get("field") or "")
    message = exc.message
    line = _LINE.match(field)
    if line:
        label = _RATE_FIELDS.get(line.group(2) or "prefix", line.group(2))
        if message.startswith(field):
            message = label + message[len(field):]
        return "prefixes", _("Line %(n)s of the prefixes: %(message)s",
                             n=int(line.group(1)) + 1, message=message)
    if field == "per_minute" or field.startswith("prefixes"):
        return "prefixes", message[:1].upper() + message[1:]
    if field in _RATE_FIELDS and message.startswith(field):
        message = _RATE_FIELDS[field] + message[len(field):]
    return (field if field in _RATE_FIELDS else "_form"), message
