"""Low-balance alerts: once per crossing of the tenant's threshold, mailed to the owners.

The ledger's balance UPDATE returns the threshold and the armed flag with the new
balance, and the ledger calls `crossed` only when a debit leaves an armed tenant below
its threshold: the hot path pays no extra statement otherwise. `crossed` disarms the
tenant with one conditional UPDATE (under the row lock the debit already holds, so
concurrent debits raise one alert) and records the alert and its mail; later debits
see the tenant disarmed and do nothing. Money arriving re-arms it once the balance is
back at or above the threshold (`rearm_if_recovered`), and so does an admin lowering
the threshold.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain import lifecycle
from callcenter.domain.money import format_amount
from callcenter.models import Alert, Job, Tenant
from callcenter.services import mail, mail_texts
from callcenter.services import uow as uow_module
from callcenter.services.access import Actor, tenant_for


def crossed(session: Session, tenant_id: int, *, now: datetime) -> Alert | None:
    """Raise the low-balance alert if the tenant is armed and below its threshold; else None.

    Accounts not opened yet (no money arrived), closed ones and terminations in progress
    (whose settlement empties the balance) are left alone.
    """
    row = session.execute(
        sa.update(Tenant)
        .where(Tenant.id == tenant_id, Tenant.low_balance_armed.is_(True),
               Tenant.low_balance_threshold_micros > 0,
               Tenant.balance_micros < Tenant.low_balance_threshold_micros,
               Tenant.status.in_(lifecycle.BILLABLE),
               sa.func.coalesce(Tenant.suspension_cause, "") != lifecycle.TERMINATION)
        .values(low_balance_armed=False)
        .returning(Tenant.balance_micros, Tenant.low_balance_threshold_micros, Tenant.name,
                   Tenant.account_code, Tenant.currency)
        .execution_options(synchronize_session=False)).first()
    _forget(session, tenant_id)
    if row is None:
        return None
    balance, threshold, name, code, currency = row
    alert = Alert(tenant_id=tenant_id, kind="low_balance", balance_micros=balance,
                  threshold_micros=threshold, created_at=now)
    session.add(alert)
    for locale, owners in mail.owners_by_locale(session, tenant_id).items():
        subject, body = mail_texts.low_balance(
            locale=locale, name=name, account_code=code or "", currency=currency,
            balance=format_amount(balance), threshold=format_amount(threshold))
        job = mail.queue(uow_module.of(session), to=owners, subject=subject, body=body,
                         topic="low_balance", now=now, tenant_id=tenant_id,
                         path="/portal/payments", transfer_reference=code or None,
                         locale=locale)
        if alert.mail_job_id is None:
            alert.mail_job_id = job.id if job else None
    session.flush()
    return alert


def _forget(session: Session, tenant_id: int) -> None:
    tenant = session.identity_map.get(sa.inspect(Tenant).identity_key_from_primary_key(
        (tenant_id,)))
    if tenant is not None:
        session.expire(tenant, ["low_balance_armed"])


def _rearm(session: Session, tenant: Tenant, now: datetime) -> None:
    tenant.low_balance_armed = True
    session.execute(sa.update(Alert).where(Alert.tenant_id == tenant.id,
                                           Alert.resolved_at.is_(None))
                    .values(resolved_at=now).execution_options(synchronize_session=False))


def rearm_if_recovered(session: Session, tenant: Tenant, *, now: datetime) -> bool:
    """After money arrived: re-arm a disarmed tenant whose balance is back at or above
    the threshold, and mark its open alerts resolved. True if it re-armed."""
    if tenant.low_balance_armed or tenant.balance_micros < tenant.low_balance_threshold_micros:
        return False
    _rearm(session, tenant, now)
    return True


def threshold_changed(session: Session, tenant: Tenant, *, now: datetime) -> None:
    """An admin set a new threshold: re-arm if the balance is at or above it (or it is
    off), else alert now if armed (a threshold above the balance is a crossing too)."""
    session.flush()
    if tenant.low_balance_threshold_micros == 0 \
            or tenant.balance_micros >= tenant.low_balance_threshold_micros:
        if not tenant.low_balance_armed:
            _rearm(session, tenant, now)
        return
    crossed(session, tenant.id, now=now)


def is_low(tenant: Tenant) -> bool:
    """The dashboard's banner: an open account's balance is below a threshold that is set."""
    return tenant.status in lifecycle.BILLABLE and not lifecycle.terminating(tenant) \
        and 0 < tenant.low_balance_threshold_micros \
        and tenant.balance_micros < tenant.low_balance_threshold_micros


def for_tenant(session: Session, actor: Actor, tenant_id: int, *,
               before_id: int | None = None, limit: int = 50) -> list[tuple[Alert, Job | None]]:
    """A tenant's alerts, newest first, each with the mail that told the owners."""
    tenant_for(session, actor, tenant_id, roles=("admin", "owner"))
    stmt = (sa.select(Alert, Job).outerjoin(Job, Job.id == Alert.mail_job_id)
            .where(Alert.tenant_id == tenant_id))
    if before_id is not None:
        stmt = stmt.where(Alert.id < before_id)
    return [(a, j) for a, j in session.execute(stmt.order_by(Alert.id.desc()).limit(limit))]
