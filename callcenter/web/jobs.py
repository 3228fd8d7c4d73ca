"""The scheduled billing job, shared by `flask billing run` and `POST /api/v1/billing/run`."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from callcenter.domain.errors import DomainError
from callcenter.extensions import db
from callcenter.services import auth, billing, erasure, termination
from callcenter.services.access import SYSTEM
from callcenter.web.api.serialize import run_report
from callcenter.web.stripe_context import EXTENSION


def run_billing(*, as_of: datetime, now: datetime) -> tuple[dict, bool]:
    """Renewals and dunning up to `as_of`, then terminations, erasure and unsent refunds.

    Returns the report and whether anything failed. Irreversible steps (termination,
    erasure) go by the real clock `now`, never by `as_of`.
    """
    report = billing.run(db.session, as_of=as_of, now=now, commit=db.session.commit,
                         rollback=db.session.rollback)
    for tenant_id in report.to_terminate:
        try:
            termination.terminate(db.session, SYSTEM, tenant_id, "breach", now=now)
            db.session.commit()
            report.terminated.append(tenant_id)
        except DomainError:
            db.session.rollback()
            report.failed.append(tenant_id)
    erased = erasure.run_due(db.session, now=now,
                             retention_days=current_app.config["ERASURE_RETENTION_DAYS"],
                             secret=current_app.config["SECRET_KEY"],
                             commit=db.session.commit, rollback=db.session.rollback)
    sent = _send_unsent_refunds(now)
    auth.prune_login_attempts(db.session, before=now - timedelta(days=1))
    db.session.commit()
    failed = bool(report.failed or erased["failed"])
    return {**run_report(report), "erasure": erased, "refunds_sent": sent}, failed


def _send_unsent_refunds(now: datetime) -> int:
    """Card refunds recorded but never sent (Stripe was down, or a crash): send them."""
    gateway = current_app.extensions.get(EXTENSION)
    if gateway is None:
        return 0
    sent = 0
    for tenant_id in termination.tenants_with_unsent_refunds(db.session):
        sent += len(termination.send_refunds(db.session, gateway, tenant_id, now=now,
                                             commit=db.session.commit))
    return sent
