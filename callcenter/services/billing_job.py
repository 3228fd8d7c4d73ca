"""The scheduled billing job, run by the platform (the CLI) or by an admin on demand.

Renewals and dunning up to `as_of`, then what the real clock makes due: automatic
terminations of tenants suspended too long, erasure after the retention period, card
refunds recorded but never sent, last month's statements (issued and mailed on the
first run in a month), last month's usage invoices (tenants that book usage), the
pruning of old failed sign-ins, and last the ledger audit, whose mismatches alert the
admins. Each tenant is its own transaction, so a failing one does not stop the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from callcenter.domain.errors import DomainError, InvalidInput
from callcenter.domain.money import format_amount
from callcenter.integrations.stripe_gateway import PaymentGateway
from callcenter.services import (
    auth,
    billing,
    erasure,
    invoices,
    ledger_audit,
    password_reset,
    statements,
    termination,
)
from callcenter.services.access import SYSTEM, Actor, require_admin
from callcenter.services.uow import UnitOfWork

MAX_AHEAD = timedelta(days=92)  # a quarter: the longest billing period


@dataclass
class JobReport:
    """What one run of the job did."""

    billing: billing.RunReport
    erasure: dict[str, list[int]] = field(default_factory=dict)
    refunds_sent: int = 0
    ledger_mismatches: int = 0
    statements_issued: list[int] = field(default_factory=list)
    usage_invoices_issued: list[int] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether any tenant failed (the CLI exits non-zero)."""
        return bool(self.billing.failed or self.erasure.get("failed"))


def run(uow: UnitOfWork, actor: Actor, *, as_of: datetime, now: datetime, retention_days: int,
        secret: str, gateway: PaymentGateway | None) -> JobReport:
    """Run every step; irreversible ones (termination, erasure) go by `now`, never `as_of`."""
    require_admin(actor)
    if as_of > now + MAX_AHEAD:
        # Renewals walk period by period: a far-off date would charge years of rent (and
        # keep the run busy for as long); billing ahead is for a day or two of slack.
        raise InvalidInput(f"as_of may be at most {MAX_AHEAD.days} days ahead",
                           details={"field": "as_of"})
    report = billing.run(uow, as_of=as_of, now=now)
    for tenant_id in report.to_terminate:
        try:
            termination.terminate_tenant(uow, SYSTEM, tenant_id, "breach", now=now,
                                         gateway=gateway)
            report.terminated.append(tenant_id)
        except DomainError:
            uow.rollback()
            report.failed.append(tenant_id)
    erased = erasure.run_due(uow, now=now, retention_days=retention_days, secret=secret)
    sent = 0
    for tenant_id in termination.tenants_with_unsent_refunds(uow.session):
        sent += len(termination.send_refunds(uow, gateway, tenant_id, now=now))
    issued = statements.issue_due(uow, now=now)
    invoiced = invoices.issue_due_usage(uow, now=now)
    auth.prune_login_attempts(uow.session, before=now - timedelta(days=1))
    password_reset.prune(uow.session, before=now - timedelta(days=1))
    uow.commit()
    # Last, on the books as the run left them: any mismatch alerts the admins.
    mismatches = ledger_audit.audit_and_alert(uow.session, now=now)
    uow.commit()
    return JobReport(billing=report, erasure=erased, refunds_sent=sent,
                     statements_issued=issued, usage_invoices_issued=invoiced,
                     ledger_mismatches=len(mismatches))


def _by_currency(amounts) -> dict[str, str]:
    return {cur: format_amount(v) for cur, v in sorted(amounts.items()) if v}


def report_json(report: JobReport) -> dict:
    """The report as JSON: money per currency as decimal strings."""
    r = report.billing
    return {
        "as_of": r.as_of.isoformat(), "tenants_examined": r.tenants_examined,
        "periods_renewed": r.periods_renewed, "seats_charged": r.seats_charged,
        "charged": _by_currency(r.charged),
        "arrears_recorded": _by_currency(r.arrears_recorded),
        "late_fees": _by_currency(r.late_fees), "past_due": r.past_due,
        "suspended": r.suspended, "to_terminate": r.to_terminate,
        "terminated": r.terminated, "failed": r.failed,
        "erasure": report.erasure, "refunds_sent": report.refunds_sent,
        "ledger_mismatches": report.ledger_mismatches,
        "statements_issued": len(report.statements_issued),
        "usage_invoices_issued": len(report.usage_invoices_issued),
    }
