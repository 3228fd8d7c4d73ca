"""Admin call pages: a tenant's call log, calls left open, and the rate editor."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.untrusted import ascii_digits
from callcenter.integrations.call_reports import MAX_PLAUSIBLE_SECONDS
from callcenter.services import inbox, rates, reconcile
from callcenter.services.tenants import rate_plan_at
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
from callcenter.web.common.filters import local_time
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
        flash(_("Call %(id)s settled.", id=call_id), "success")
    return redirect(url_for("admin.open_calls"))


def _prefix_line(cells: list[str]) -> dict:
    """One editor line: `prefix per_minute [sms_per_segment]`, "-" for "no price here"."""
    def price(i: int) -> str | None:
        return cells[i] if len(cells) > i and cells[i] != "-" else None

    return {"prefix": cells[0], "per_minute": price(1), "sms_per_segment": price(2)}


def _local_moment(value: str, zone: str) -> str | None:
    """A datetime-local field, read in the tenant's timezone, as ISO 8601 (None: blank)."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(zone)).isoformat()
    except ValueError:
        return value  # the body's parser refuses it with the field's name


@bp.route("/tenants/<int:tenant_id>/rates", methods=["GET", "POST"])
@admin_required
def edit_rates(tenant_id: int):
    """Edit the rate plan: one prefix per line, "4420 0.012" (calls) or "86 - 0.05" (SMS);
    a plan may wait for an effective date, and a raise needs notice or the consent."""
    tenant = acting_tenant(tenant_id)
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        lines = [ln.split() for ln in form.get("prefixes", "").splitlines() if ln.strip()]
        data = {"default_per_minute": form.get("default_per_minute", ""),
                "billing_increment": form.get("billing_increment", ""),
                "connect_fee": form.get("connect_fee", "") or "0",
                "sms_per_segment": form.get("sms_per_segment", "").strip() or None,
                "seat_price_monthly": form.get("seat_price_monthly", "").strip() or None,
                "effective_at": _local_moment(form.get("effective_at", ""), tenant.timezone),
                "tenant_consent": form.get("tenant_consent") == "1",
                "consent_note": form.get("consent_note", "").strip() or None,
                "prefixes": [_prefix_line(cells) for cells in lines]}
        data = {k: v for k, v in data.items() if v is not None}
        try:
            plan = rates.set_rates(session(), actor(), tenant, RATE_PLAN.parse(data), now=now(),
                                   notice_days=current_app.config["PRICE_NOTICE_DAYS"])
            commit()
        except InvalidInput as exc:
            rollback()
            errors.update([rate_error(exc)])
        except DomainError as exc:
            rollback()
            field = str((exc.details or {}).get("field") or "_form")
            errors[field.split("[")[0].split(".")[0]] = exc.message
        else:
            flash(_("Rate plan version %(version)s is published, in force from %(at)s.",
                    version=plan.version,
                    at=local_time(plan.effective_at, tenant.timezone)), "success")
            return redirect(url_for("admin.edit_rates", tenant_id=tenant_id))
    plan = rate_plan_at(session(), tenant.id, now())
    return render_template("admin/rates.html", tenant=tenant, plan=plan, errors=errors,
                           form=form if errors else None,
                           seat_price=rates.seat_price(plan, tenant),
                           scheduled=rates.scheduled(session(), tenant, now=now()),
                           label=rates.label, show=rates.show,
                           notice_days=current_app.config["PRICE_NOTICE_DAYS"]), \
        400 if errors else 200


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
