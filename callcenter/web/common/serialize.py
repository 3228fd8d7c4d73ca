"""JSON shapes of API resources; money leaves as decimal strings."""

from __future__ import annotations

from callcenter.domain.invoicing import format_rate
from callcenter.domain.money import format_amount
from callcenter.extensions import db
from callcenter.models import Arrear, Complaint, Dispute, LedgerEntry, RatePlan, Seat, Tenant
from callcenter.services.billing import BillingSummary
from callcenter.services.billing_job import JobReport, report_json
from callcenter.services.mail import delivery as mail_delivery
from callcenter.services.tenants import TenantFacts, facts_for
from callcenter.web.common.context import now


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _percent(ppm: int) -> str:
    whole, frac = divmod(ppm, 10_000)
    return f"{whole}.{frac:04d}".rstrip("0").rstrip(".") if frac else str(whole)


def money(value: int | None) -> str | None:
    """Micro-units as a decimal string; None stays None."""
    return None if value is None else format_amount(value)


def rate_plan(plan: RatePlan | None) -> dict | None:
    if plan is None:
        return None
    return {
        "version": plan.version,
        "default_per_minute": format_amount(plan.default_per_minute_micros),
        "billing_increment": f"{plan.initial_increment}/{plan.subsequent_increment}",
        "connect_fee": format_amount(plan.connect_fee_micros),
        "sms_per_segment": money(plan.sms_per_segment_micros),
        "seat_price_monthly": money(plan.seat_price_monthly_micros),
        "published_at": _iso(plan.created_at),
        "effective_at": _iso(plan.effective_at),
        "tenant_consent": plan.tenant_consent,
        "prefixes": [{"prefix": p, "per_minute": money(plan.prefixes.get(p)),
                      "sms_per_segment": money((plan.sms_prefixes or {}).get(p))}
                     for p in sorted({*plan.prefixes, *(plan.sms_prefixes or {})})],
    }


def tenant(t: Tenant, facts: TenantFacts | None = None) -> dict:
    """A tenant; pass `facts` loaded for a whole page to avoid two queries per tenant."""
    if facts is None:
        facts = facts_for(db.session, [t.id], at=now())[t.id]
    plan_seat = facts.rate_plan.seat_price_monthly_micros if facts.rate_plan else None
    return {
        "id": t.id,
        "account_code": t.account_code,
        "name": t.name,
        "status": t.status,
        "status_reason": t.status_reason,
        "currency": t.currency,
        "timezone": t.timezone,
        "balance": format_amount(t.balance_micros),
        "available": format_amount(t.available_micros),
        "held": format_amount(t.held_micros),
        "seats": facts.active_seats,
        "billing_period_months": t.billing_period_months,
        "next_renewal_on": _iso(t.period_end),
        "seat_price_monthly": format_amount(
            t.seat_price_monthly_micros if plan_seat is None else plan_seat),
        "activated_on": _iso(t.activated_on),
        "settings": {
            "consent_required": t.consent_required,
            "script_required": t.script_required,
            "calling_window": t.calling_window,
            "no_calls_on_holidays": t.no_calls_on_holidays,
            "low_balance_threshold": format_amount(t.low_balance_threshold_micros),
            "grace_days": t.grace_days,
            "caller_id": t.caller_id,
            "late_fee_percent_per_day": _percent(t.late_fee_ppm_per_day),
            "auto_terminate_after_days": t.auto_terminate_after_days,
            "sms_sender": t.sms_sender,
            "sms_signature": t.sms_signature,
            "sms_opt_out_text": t.sms_opt_out_text,
            "sms_opt_out_text_cn": t.sms_opt_out_text_cn,
            "tax_rate": format_rate(t.tax_rate_ppm),
            "legal_name": t.legal_name,
            "tax_id": t.tax_id,
            "address": t.address,
            "invoice_usage_monthly": t.invoice_usage_monthly,
        },
        "rate_plan": rate_plan(facts.rate_plan),
        "created_at": _iso(t.created_at),
    }


def ledger_entry(e: LedgerEntry, currency: str) -> dict:
    return {
        "id": e.id,
        "kind": e.kind,
        "amount": format_amount(e.amount_micros),
        "balance_after": format_amount(e.balance_after_micros),
        "currency": currency,
        "reference": e.reference,
        "memo": e.memo,
        "created_at": _iso(e.created_at),
    }


def seat(s: Seat) -> dict:
    return {"id": s.id, "identity": s.identity, "label": s.label, "status": s.status,
            "agent_user_id": s.agent_user_id, "provisioned_at": _iso(s.provisioned_at),
            "released_at": _iso(s.released_at)}


def user(u, seat_ids: list[int]) -> dict:
    return {"id": u.id, "email": u.email, "role": u.role, "active": u.active,
            "created_at": _iso(u.created_at), "seat_ids": seat_ids}


def arrear(a: Arrear, currency: str) -> dict:
    return {"id": a.id, "kind": a.kind, "due_on": _iso(a.due_on),
            "amount": format_amount(a.amount_micros), "currency": currency, "memo": a.memo}


def billing(b: BillingSummary, currency: str) -> dict:
    return {
        "period_months": b.period_months, "active_seats": b.active_seats,
        "next_renewal_on": _iso(b.next_renewal_on),
        "next_renewal_amount": format_amount(b.next_renewal_micros),
        "arrears": format_amount(b.arrears_micros),
        "unpaid": [arrear(a, currency) for a in b.unpaid],
        "past_due_since": _iso(b.past_due_since), "suspends_on": _iso(b.suspends_on),
        "late_fee_per_day": format_amount(b.late_fee_per_day_micros),
        "terminates_on": _iso(b.terminates_on), "currency": currency,
    }


def job_report(r: JobReport) -> dict:
    """The billing job's report, as the API and the CLI print it."""
    return report_json(r)


def call(c, currency: str) -> dict:
    def money(value):
        return None if value is None else format_amount(value)

    return {
        "id": c.id, "seat_id": c.seat_id, "to": c.callee, "status": c.status,
        "reasons": list(c.reasons or []), "provider": c.provider,
        "max_duration_seconds": c.max_duration_seconds,
        "duration_seconds": c.duration_seconds, "billed_seconds": c.billed_seconds,
        "rate_per_minute": money(c.rate_per_minute_micros), "rate_prefix": c.rate_prefix,
        "billing_increment": (f"{c.initial_increment}/{c.subsequent_increment}"
                              if c.initial_increment else None),
        "connect_fee": money(c.connect_fee_micros), "charge": money(c.charge_micros),
        "currency": currency, "over_limit": c.over_limit,
        "created_at": _iso(c.created_at), "ended_at": _iso(c.ended_at),
    }


def consent(c) -> dict:
    return {"number": c.number, "source": c.source, "evidence": c.evidence,
            "granted_at": _iso(c.granted_at), "revoked_at": _iso(c.revoked_at),
            "revoked_source": c.revoked_source, "active": c.revoked_at is None}


def dnc_entry(e) -> dict:
    return {"number": e.number, "reason": e.reason, "source": e.source or "manual",
            "created_at": _iso(e.created_at)}


def script(s) -> dict:
    return {"id": s.id, "title": s.title, "status": s.status, "hits": s.hits,
            "review_note": s.review_note, "reviewed_at": _iso(s.reviewed_at),
            "created_at": _iso(s.created_at), "text": s.text}


def payment(p) -> dict:
    """A payment (card, Alipay, WeChat Pay; automatic top-ups flagged)."""
    return {
        "id": p.id, "intent_id": p.intent_id, "status": p.status, "currency": p.currency,
        "method": p.method, "automatic": p.automatic,
        "amount": format_amount(p.amount_micros),
        "received": format_amount(p.received_micros) if p.received_micros is not None else None,
        "refunded": format_amount(p.refunded_micros), "failure_message": p.failure_message,
        "unapplied_reason": p.unapplied_reason, "created_at": _iso(p.created_at),
        "succeeded_at": _iso(p.succeeded_at),
    }


def termination_line(line, currency: str, intent_id: str | None = None) -> dict:
    """One settlement line with its state."""
    return {
        "id": line.id, "kind": line.kind, "amount": format_amount(line.amount_micros),
        "currency": currency, "status": line.status, "memo": line.memo,
        "payment_intent": intent_id, "provider_refund_id": line.provider_refund_id,
        "bank_reference": line.bank_reference, "failure_message": line.failure_message,
        "attempts": line.attempts, "completed_at": _iso(line.completed_at),
    }


def termination(t, lines: list, intents: dict[int, str]) -> dict:
    """A termination and its settlement lines (`intents`: payment id -> intent id)."""
    outstanding = [x for x in lines if x.status in ("pending", "failed", "open")]
    return {
        "id": t.id, "tenant_id": t.tenant_id, "reason": t.reason, "status": t.status,
        "currency": t.currency, "request_note": t.request_note,
        "requested_at": _iso(t.requested_at), "started_at": _iso(t.started_at),
        "settled_at": _iso(t.settled_at), "balance": format_amount(t.balance_micros),
        "seat_credit": format_amount(t.seat_credit_micros),
        "arrears": format_amount(t.arrears_micros),
        "lines": [termination_line(x, t.currency, intents.get(x.payment_id)) for x in lines],
        "outstanding": len(outstanding),
    }


def settlement_plan(plan) -> dict:
    """A settlement preview: what terminating now would book."""
    return {
        "reason": plan.reason, "currency": plan.currency,
        "balance": format_amount(plan.balance), "seat_credit": format_amount(plan.seat_credit),
        "arrears": format_amount(plan.arrears),
        "open_holds": [hold(h, plan.currency) for h in plan.open_holds],
        "lines": [{"kind": x.kind, "amount": format_amount(x.amount), "status": x.status,
                   "memo": x.memo, "currency": plan.currency,
                   "payment_intent": x.payment.intent_id if x.payment else None}
                  for x in plan.lines],
    }


def hold(h, currency: str) -> dict:
    """An open hold, as listed when it blocks a termination."""
    return {"id": h.id, "amount": format_amount(h.amount_micros), "currency": currency,
            "reason": h.reason, "reference": h.reference, "created_at": _iso(h.created_at)}


def erasure(e) -> dict:
    """An erasure record: what was removed, when and by whom."""
    return {"id": e.id, "tenant_id": e.tenant_id, "trigger": e.trigger,
            "actor_user_id": e.actor_user_id, "created_at": _iso(e.created_at),
            "summary": e.summary}


def _delivery(d: dict) -> dict:
    return {k: _iso(v) if k.endswith("_at") else v for k, v in d.items()}


def alert(a, job, currency: str) -> dict:
    """An alert with when and how it reached the tenant (dashboard banner, mail)."""
    return {
        "id": a.id, "kind": a.kind, "raised_at": _iso(a.created_at),
        "balance": format_amount(a.balance_micros),
        "threshold": format_amount(a.threshold_micros), "currency": currency,
        "resolved_at": _iso(a.resolved_at),
        "sent": [{"channel": "dashboard", "shown_from": _iso(a.created_at),
                  "shown_until": _iso(a.resolved_at)},
                 {"channel": "email", **_delivery(mail_delivery(job))}],
    }


def notice(n, *, admin: bool = False, tenant_ids: list[int] | None = None) -> dict:
    """A maintenance notice; admins also see whom it concerns and how it was scheduled."""
    body = {"id": n.id, "starts_at": _iso(n.starts_at), "ends_at": _iso(n.ends_at),
            "message": n.message, "services": list(n.services or []),
            "published_at": _iso(n.published_at)}
    if admin:
        body.update(all_tenants=n.all_tenants,
                    tenant_ids=None if n.all_tenants else sorted(tenant_ids or []),
                    short_notice=n.short_notice, created_by=n.created_by)
    return body


def webhook_endpoint(e, secret: str | None = None) -> dict:
    """An outbound webhook endpoint; its secret only in the answer that created it."""
    out = {"id": e.id, "url": e.url, "events": list(e.events or []),
           "created_at": _iso(e.created_at)}
    if secret is not None:
        out["secret"] = secret
    return out


def webhook_attempt(line) -> dict:
    """One line of an endpoint's delivery log."""
    a = line.attempt
    return {"at": _iso(a.at), "event_id": line.event_id, "type": line.event_type,
            "delivery_id": a.delivery_id, "status_code": a.status_code, "error": a.error,
            "duration_ms": a.duration_ms, "delivery_status": line.delivery_status}


def sms_message(m) -> dict:
    """One recipient of a batch."""
    return {"to": m.to_number, "status": m.status, "reasons": list(m.reasons or []),
            "segments": m.segments, "charge": format_amount(m.charge_micros),
            "rate_prefix": m.rate_prefix, "error_code": m.error_code,
            "sent_at": _iso(m.sent_at)}


def sms_batch(b, currency: str, recipients: list | None = None,
              progress: dict[str, int] | None = None) -> dict:
    """A batch; with its recipients when given, with counts per status when given."""
    out = {"id": b.id, "status": b.status, "kind": b.kind, "body": b.body, "sender": b.sender,
           "encoding": b.encoding, "segments_per_message": b.segments_per_message,
           "recipients_count": b.recipients, "accepted": b.accepted,
           "total_charge": format_amount(b.total_charge_micros), "currency": currency,
           "created_at": _iso(b.created_at), "finished_at": _iso(b.finished_at)}
    if progress is not None:
        out["counts"] = progress
    if recipients is not None:
        out["charged"] = format_amount(sum(m.charge_micros for m in recipients
                                           if m.charged and not m.refunded))
        out["recipients"] = [sms_message(m) for m in recipients]
    return out


def sms_reply(r) -> dict:
    """A reply to the tenant's sender."""
    return {"from": r.from_number, "to": r.to_number, "body": r.body, "action": r.action,
            "received_at": _iso(r.received_at)}


def dispute(d: Dispute, currency: str, *, credit_note: str | None = None) -> dict:
    """A dispute and its resolution."""
    return {
        "id": d.id, "tenant_id": d.tenant_id, "status": d.status,
        "ledger_entry_id": d.ledger_entry_id, "call_id": d.call_id,
        "disputed_amount": money(d.disputed_micros), "currency": currency,
        "reason": d.reason, "evidence": d.evidence, "created_at": _iso(d.created_at),
        "resolved_at": _iso(d.resolved_at), "resolution_note": d.resolution_note,
        "credit": money(d.credit_micros), "justification": d.justification,
        "credit_note": credit_note,
    }


def complaint(c: Complaint) -> dict:
    """A complaint about a tenant's calls."""
    return {"id": c.id, "tenant_id": c.tenant_id, "number": c.number, "kind": c.kind,
            "note": c.note, "created_at": _iso(c.created_at)}
