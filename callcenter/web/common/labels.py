"""Words people read for the codes the data holds (statuses, kinds, refusal reasons):
the `label` filter. Codes stay codes in CSV, JSON and URLs; an unknown code is shown as it
is, with spaces for underscores."""

from __future__ import annotations

from flask import Flask

from callcenter.web.common.i18n import lazy_gettext as _l

LABELS = {
    # tenant statuses
    "pending": _l("pending"), "active": _l("active"), "past_due": _l("past due"),
    "suspended": _l("suspended"), "terminated": _l("terminated"), "purged": _l("erased"),
    # ledger and settlement kinds
    "topup": _l("top-up"), "call": _l("call"), "sms": _l("SMS"),
    "seat_rental": _l("seat rent"), "late_fee": _l("late fee"), "refund": _l("refund"),
    "adjustment": _l("adjustment"), "write_off": _l("write-off"),
    "balance": _l("balance"), "seat_credit": _l("unused seat rent"), "arrears": _l("arrears"),
    "card_refund": _l("card refund"), "bank_refund": _l("bank refund"),
    "receivable": _l("receivable"),
    # seats, scripts, calls, payments, messages, lines, deliveries
    "released": _l("released"), "approved": _l("approved"),
    "pending_review": _l("pending review"), "rejected": _l("rejected"),
    "refused": _l("refused"), "authorized": _l("in progress"), "completed": _l("completed"),
    "busy": _l("busy"), "no-answer": _l("no answer"), "failed": _l("failed"),
    "canceled": _l("canceled"), "succeeded": _l("succeeded"), "queued": _l("queued"),
    "sending": _l("sending"), "sent": _l("sent"), "delivered": _l("delivered"),
    "undelivered": _l("undelivered"), "done": _l("done"), "paid": _l("paid"),
    "open": _l("open"), "waived": _l("waived"), "settled": _l("settled"),
    "retrying": _l("retrying"), "dead": _l("failed"), "not_sent": _l("not sent"),
    "requested": _l("requested"), "stopping": _l("stopping"),
    "marketing": _l("marketing"), "transactional": _l("transactional"),
    # termination reasons
    "tenant_request": _l("tenant's request"), "platform_fault": _l("platform fault"),
    "force_majeure": _l("force majeure"), "breach": _l("breach of contract"),
    # refusal reasons
    "tenant_not_active": _l("account not active"), "seat_inactive": _l("seat inactive"),
    "insufficient_funds": _l("insufficient funds"),
    "outside_calling_hours": _l("outside calling hours"),
    "public_holiday": _l("public holiday"), "no_consent": _l("no consent"),
    "do_not_call": _l("on a do-not-call list"), "no_approved_script": _l("no approved script"),
    "invalid_number": _l("invalid number"), "content_prohibited": _l("prohibited content"),
    "calling_hours_unknown_zone": _l("callee's timezone unknown"),
    # services a maintenance notice affects
    "calls": _l("calls"), "portal": _l("portal"), "api": _l("API"), "payments": _l("payments"),
    # payment methods
    "card": _l("card"), "alipay": _l("Alipay"), "wechat_pay": _l("WeChat Pay"),
    "bank_transfer": _l("bank transfer"), "manual": _l("manual"),
}


def label(code: object) -> str:
    """The reader's word for a code."""
    if code is None:
        return ""
    found = LABELS.get(str(code))
    return str(found) if found is not None else str(code).replace("_", " ")


def labels(codes) -> str:
    """Several codes, comma separated."""
    return ", ".join(label(c) for c in codes or [])


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["labels"] = labels
