"""Admin pages that create a tenant and edit its settings: the API's own bodies
(`NEW_TENANT`, `TENANT_SETTINGS`) parse the forms, so both accept the same values.

A refused value re-renders the form with what was typed and the error beside its field,
in words for people (the field's label, not its JSON name).
"""

from __future__ import annotations

import json

from flask import flash, redirect, render_template, request, url_for

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.invoicing import format_rate
from callcenter.domain.money import format_amount
from callcenter.services import tenants as tenant_service
from callcenter.web.api.inputs import NEW_TENANT, TENANT_SETTINGS
from callcenter.web.common.context import (
    acting_tenant,
    actor,
    admin_required,
    commit,
    now,
    rollback,
    session,
)
from callcenter.web.common.i18n import _, lazy_gettext
from callcenter.web.pages.admin import bp

LABELS = {
    "name": lazy_gettext("Name"), "currency": lazy_gettext("Currency"),
    "timezone": lazy_gettext("Timezone"), "owner_email": lazy_gettext("Owner's email"),
    "owner_password": lazy_gettext("Owner's first password"),
    "rate_per_minute": lazy_gettext("Rate per minute"),
    "billing_increment": lazy_gettext("Billing increment"),
    "connect_fee": lazy_gettext("Connection fee"),
    "seat_price_monthly": lazy_gettext("Seat price per month"),
    "billing_period_months": lazy_gettext("Billing period (months)"),
    "consent_required": lazy_gettext("Calls need a consent on record"),
    "script_required": lazy_gettext("Calls need an approved script"),
    "calling_window": lazy_gettext("Calling window"),
    "no_calls_on_holidays": lazy_gettext("No calls on public holidays"),
    "low_balance_threshold": lazy_gettext("Low-balance alert threshold"),
    "grace_days": lazy_gettext("Grace days"), "caller_id": lazy_gettext("Caller ID"),
    "late_fee_percent_per_day": lazy_gettext("Late fee (% per day)"),
    "auto_terminate_after_days": lazy_gettext("Terminate after days suspended"),
    "sms_sender": lazy_gettext("SMS sender"), "sms_signature": lazy_gettext("SMS signature"),
    "sms_opt_out_text": lazy_gettext("SMS opt-out text"),
    "sms_opt_out_text_cn": lazy_gettext("SMS opt-out text (China)"),
    "tax_rate": lazy_gettext("Tax rate"), "legal_name": lazy_gettext("Legal name"),
    "tax_id": lazy_gettext("Tax ID"), "address": lazy_gettext("Address"),
    "invoice_usage_monthly": lazy_gettext("Invoice each month's usage (not each payment)"),
}
CHECKBOXES = ("consent_required", "script_required", "no_calls_on_holidays",
              "invoice_usage_monthly")
INTEGERS = ("billing_period_months", "grace_days", "auto_terminate_after_days")
NULLABLE = ("calling_window", "auto_terminate_after_days", "sms_sender", "sms_signature",
            "sms_opt_out_text", "sms_opt_out_text_cn", "legal_name", "tax_id", "address")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def friendly(exc: InvalidInput) -> tuple[str, str]:
    """(field, message) of a refused value, the JSON name replaced by the field's label."""
    field = str((exc.details or {}).get("field") or "")
    message = exc.message
    if field and message.startswith(field):
        message = f"{LABELS.get(field, field)}{message[len(field):]}"
    return field, message[:1].upper() + message[1:]


def _window_text(window: dict | None) -> str:
    """A schedule as the form shows it: one line per day, `mon 09:00-18:00, 19:00-20:00`."""
    if not window:
        return ""
    return "\n".join(f"{day} " + ", ".join(f"{a}-{b}" for a, b in window[day])
                     for day in DAYS if window.get(day))


def _window_value(text: str) -> dict | None:
    """The form's lines back to the schedule's JSON shape (its parser checks the rest)."""
    if not text.strip():
        return None
    if text.strip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise InvalidInput("calling_window: not a schedule",
                               details={"field": "calling_window"}) from exc
    out: dict[str, list] = {}
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        day, _sep, spans = line.partition(" ")
        try:
            out[day.lower()] = [span.strip().split("-", 1) for span in spans.split(",")
                                if span.strip()]
        except ValueError as exc:
            raise InvalidInput(f"calling_window: cannot read {line!r}",
                               details={"field": "calling_window"}) from exc
    return out


def _values(form, names) -> dict:
    """Form strings -> the JSON values the API body takes."""
    out: dict = {}
    for name in names:
        raw = form.get(name, "")
        if name in CHECKBOXES:
            out[name] = raw in ("1", "on", "true")
        elif name == "calling_window":
            out[name] = _window_value(raw)
        elif name in INTEGERS:
            raw = raw.strip()
            out[name] = int(raw) if raw.isascii() and raw.isdigit() else (raw or None)
        else:
            out[name] = raw.strip() or None
    return out


@bp.route("/tenants/new", methods=["GET", "POST"])
@admin_required
def new_tenant():
    """Create a tenant (pending until its first payment) with its owner and rate plan."""
    form, errors = request.form, {}
    if request.method == "POST":
        data = {k: v for k, v in _values(form, [f.name for f in NEW_TENANT.fields]).items()
                if v is not None}
        try:
            tenant = tenant_service.create_tenant(session(), actor(), NEW_TENANT.parse(data),
                                                  now=now())
            commit()
        except InvalidInput as exc:
            rollback()
            field, message = friendly(exc)
            errors[field or "_form"] = message
        except DomainError as exc:
            rollback()
            errors["owner_email" if exc.code == "conflict" else "_form"] = exc.message
        else:
            flash(_("Tenant %(name)s created: it opens when its first payment arrives.",
                    name=tenant.name), "success")
            return redirect(url_for("admin.tenant", tenant_id=tenant.id))
    return render_template("admin/tenant_new.html", form=form, errors=errors,
                           labels=LABELS), 400 if errors else 200


def _current(tenant) -> dict:
    """The tenant's settings as the form shows them."""
    return {
        "name": tenant.name, "consent_required": tenant.consent_required,
        "script_required": tenant.script_required,
        "calling_window": _window_text(tenant.calling_window),
        "no_calls_on_holidays": tenant.no_calls_on_holidays,
        "low_balance_threshold": format_amount(tenant.low_balance_threshold_micros),
        "grace_days": tenant.grace_days, "caller_id": tenant.caller_id or "",
        "timezone": tenant.timezone,
        "seat_price_monthly": format_amount(tenant.seat_price_monthly_micros),
        "billing_period_months": tenant.billing_period_months,
        "late_fee_percent_per_day": str(tenant.late_fee_ppm_per_day / 10_000).rstrip("0")
        .rstrip(".") or "0",
        "auto_terminate_after_days": tenant.auto_terminate_after_days or "",
        "sms_sender": tenant.sms_sender or "", "sms_signature": tenant.sms_signature or "",
        "sms_opt_out_text": tenant.sms_opt_out_text or "",
        "sms_opt_out_text_cn": tenant.sms_opt_out_text_cn or "",
        "tax_rate": format_rate(tenant.tax_rate_ppm), "legal_name": tenant.legal_name or "",
        "tax_id": tenant.tax_id or "", "address": tenant.address or "",
        "invoice_usage_monthly": tenant.invoice_usage_monthly,
    }


@bp.route("/tenants/<int:tenant_id>/settings", methods=["GET", "POST"])
@admin_required
def tenant_settings(tenant_id: int):
    """Every setting PATCH /tenants/{id} accepts, on one form; only changed values are
    applied (and audited)."""
    tenant = acting_tenant(tenant_id, ("admin",))
    errors: dict[str, str] = {}
    values = _current(tenant)
    if request.method == "POST":
        values = {**values, **{k: request.form.get(k, "") for k in values}}
        for box in CHECKBOXES:
            values[box] = request.form.get(box) in ("1", "on", "true")
        try:
            data = _values(request.form, [f.name for f in TENANT_SETTINGS.fields])
            data = {k: v for k, v in data.items() if v is not None or k in NULLABLE}
            if request.form.get("form") != "settings":
                # Not this page's form: an absent checkbox says nothing, so none changes.
                for box in CHECKBOXES:
                    data.pop(box)
            if data.get("caller_id") is None:
                data.pop("caller_id", None)  # the API cannot clear it either
            change = TENANT_SETTINGS.parse(data)
            changed = {k: v for k, v in change.given().items() if getattr(tenant, k) != v}
            tenant_service.update_settings(session(), actor(), tenant,
                                           tenant_service.SettingsChange(**changed), now=now())
            commit()
        except InvalidInput as exc:
            rollback()
            field, message = friendly(exc)
            errors[field or "_form"] = message
        except DomainError as exc:
            rollback()
            field = {"conflict": "sms_sender", "invalid_state": "billing_period_months"}
            errors[field.get(exc.code, "_form")] = exc.message
        else:
            flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("admin.tenant", tenant_id=tenant.id))
    return render_template("admin/tenant_settings.html", tenant=tenant, values=values,
                           errors=errors, labels=LABELS), 400 if errors else 200
