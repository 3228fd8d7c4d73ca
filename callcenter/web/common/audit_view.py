"""The audit trail for people: who (the user's email, not an id), what (a sentence, not
an action code), and the details as labelled values: amounts formatted with their
currency, lists joined, text as itself (no JSON, no \\u escapes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from callcenter.models import AuditLog
from callcenter.services import audit
from callcenter.web.common.filters import money_text
from callcenter.web.common.i18n import _, lazy_gettext

ACTIONS = {
    "tenant.create": lazy_gettext("Tenant created"),
    "tenant.update": lazy_gettext("Settings changed"),
    "tenant.suspend": lazy_gettext("Service suspended"),
    "tenant.resume": lazy_gettext("Service resumed"),
    "tenant.terminate": lazy_gettext("Terminated and settled"),
    "tenant.termination_requested": lazy_gettext("Termination requested"),
    "tenant.termination_started": lazy_gettext("Termination started"),
    "tenant.export": lazy_gettext("Data exported"),
    "tenant.erase": lazy_gettext("Customer data erased"),
    "topup.bank_transfer": lazy_gettext("Bank transfer credited"),
    "seats.provision": lazy_gettext("Seats provisioned"),
    "seats.release": lazy_gettext("Seat released"),
    "rates.set": lazy_gettext("Rates changed"),
    "notice.schedule": lazy_gettext("Maintenance notice scheduled"),
    "notice.short_notice_override": lazy_gettext("Short-notice maintenance allowed"),
    "termination.line_closed": lazy_gettext("Settlement line closed"),
    "auto_topup.card_saved": lazy_gettext("Card saved for automatic top-up"),
    "auto_topup.rule": lazy_gettext("Automatic top-up rule set"),
    "auto_topup.disabled": lazy_gettext("Automatic top-up turned off"),
    "webhook_endpoint.create": lazy_gettext("Webhook endpoint added"),
    "webhook_endpoint.delete": lazy_gettext("Webhook endpoint removed"),
    "call.resolve": lazy_gettext("Open call resolved"),
}


@dataclass(frozen=True)
class AuditLine:
    """One audit row as the page shows it."""

    created_at: datetime
    who: str
    action: str
    details: list[tuple[str, str]]


def _value(key: str, value: object, currency: str) -> str:
    if key.endswith("_micros") and isinstance(value, int) and not isinstance(value, bool):
        return money_text(value, currency)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value("", v, currency) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v, currency)}" for k, v in value.items())
    return "" if value is None else str(value)


def _label(key: str) -> str:
    return key.removesuffix("_micros").replace("_", " ").capitalize()


def readable(session: Session, rows: list[AuditLog], currency: str) -> list[AuditLine]:
    """Audit rows in words, with the actors' emails (one query for all of them)."""
    names = audit.actor_names(session, {r.actor_user_id for r in rows if r.actor_user_id})
    out = []
    for r in rows:
        who = names.get(r.actor_user_id, "") if r.actor_user_id else _("the platform")
        details = [(_label(k), _value(k, v, currency)) for k, v in (r.details or {}).items()]
        out.append(AuditLine(r.created_at, who, str(ACTIONS.get(r.action, r.action)), details))
    return out
