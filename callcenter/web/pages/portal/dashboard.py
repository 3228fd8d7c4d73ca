"""The tenant's dashboard and its ledger (all of it, a page at a time)."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user, login_required

from callcenter.services import alerts, auto_topup, billing, notices, rates
from callcenter.services import call_log as call_log_service
from callcenter.services import dashboard as dash
from callcenter.services import ledger as ledger_service
from callcenter.web.common import charts
from callcenter.web.common.context import actor, now, own_tenant, session
from callcenter.web.common.filters import money_text
from callcenter.web.common.i18n import _
from callcenter.web.pages.portal import bp
from callcenter.web.pages.shared import ledger_page


def _money_fmt(currency: str):
    return lambda micros: money_text(micros, currency)


def _minutes(seconds: int) -> str:
    return _("%(minutes)s min", minutes=f"{seconds / 60:,.1f}")


@bp.get("/")
@login_required
def dashboard():
    """Balance, status and what it means, usage charts, answer rate, recent calls and
    refusals, notices and alerts, the latest ledger entries."""
    tenant = own_tenant()
    who = actor()
    owner = current_user.role == "owner"
    figures = dash.figures(session(), who, tenant, now=now())
    summary = billing.summary(session(), tenant)
    fmt = _money_fmt(tenant.currency)
    chart = {
        "minutes": charts.bars(figures.minutes, title=_("Billed minutes per day"),
                               fmt=_minutes),
        "spend": charts.bars(figures.spend, title=_("Spend per day"), fmt=fmt),
        "balance": charts.line(figures.balance, title=_("Balance at the end of each day"),
                               fmt=fmt),
    }
    no_filter = call_log_service.CallFilter()
    recent = call_log_service.calls(session(), who, tenant.id, no_filter, limit=8)
    refused = call_log_service.calls(session(), who, tenant.id,
                                     call_log_service.CallFilter(status="refused"), limit=5)
    return render_template(
        "portal/dashboard.html", tenant=tenant, figures=figures, chart=chart,
        entries=ledger_service.entries(session(), tenant.id, limit=10) if owner else [],
        alerts=alerts.for_tenant(session(), who, tenant.id, limit=5) if owner else [],
        auto_topup=auto_topup.rule_for(session(), tenant.id) if owner else None,
        billing=summary, recent_calls=recent, refusals=refused,
        consequence=dash.next_consequence(tenant, next_renewal_on=summary.next_renewal_on,
                                          suspends_on=summary.suspends_on,
                                          terminates_on=summary.terminates_on),
        low_balance=alerts.is_low(tenant),
        notices=notices.current_for(session(), tenant.id, now=now()),
        price_changes=rates.scheduled(session(), tenant, now=now()),
        price_label=rates.label, price_show=rates.show)


@bp.get("/ledger")
@login_required
def ledger():
    """Every ledger entry, newest first, a page at a time, filtered by local dates."""
    return ledger_page(own_tenant(("owner",)), back=url_for("portal.dashboard"))

