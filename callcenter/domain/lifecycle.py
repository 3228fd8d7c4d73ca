"""The tenant lifecycle: its statuses, the transitions between them, and their dates.

The only code that changes a tenant's status. Each transition checks that it is allowed
from the current status (`InvalidState` otherwise) and sets every field that goes with
it, so a status never disagrees with its reason, cause and dates. Functions work on any
object with the tenant's attributes (the model, or a plain object in tests).

    pending --activate--> active --fall_past_due--> past_due
    active/past_due --suspend(admin)--> suspended --resume--> active or past_due
    past_due --suspend(unpaid)--> suspended --clear_arrears--> active
    past_due --clear_arrears--> active
    any open status --suspend(termination)--> suspended --terminate--> terminated
    terminated --purge--> purged
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from callcenter.domain.billing_cycle import add_months
from callcenter.domain.errors import InvalidInput, InvalidState

PENDING = "pending"  # created, waiting for its first payment
ACTIVE = "active"
PAST_DUE = "past_due"  # rent unpaid, still calling during the grace period
SUSPENDED = "suspended"  # no calls, no new seats; see the cause
TERMINATED = "terminated"  # settled; kept for accounting until erasure
PURGED = "purged"  # customer data erased
STATUSES = (PENDING, ACTIVE, PAST_DUE, SUSPENDED, TERMINATED, PURGED)

# Why a tenant is suspended: the cause decides how it comes back.
ADMIN = "admin"  # an admin's decision: an admin resumes it
UNPAID = "unpaid"  # rent unpaid after the grace period: paying the arrears resumes it
TERMINATION = "termination"  # calls stopped while the termination settles: never resumes
SUSPENSION_CAUSES = (ADMIN, UNPAID, TERMINATION)

CALLABLE = (ACTIVE, PAST_DUE)  # past due: only until the grace period ends (`may_call`)
BILLABLE = (ACTIVE, PAST_DUE, SUSPENDED)  # the billing run renews their seats
DUNNING = (PAST_DUE, SUSPENDED)  # the billing run follows up late fees and escalation
OPEN = (PENDING, ACTIVE, PAST_DUE, SUSPENDED)  # the account takes payments
CLOSED = (TERMINATED, PURGED)


class Zoned(Protocol):
    """Anything with an IANA timezone name."""

    timezone: str


class TenantState(Protocol):
    """The tenant attributes the lifecycle reads and writes."""

    status: str
    status_reason: str | None
    timezone: str
    grace_days: int
    auto_terminate_after_days: int | None
    billing_period_months: int
    billing_anchor: date | None
    period_end: date | None
    activated_on: date | None
    past_due_since: date | None
    suspended_on: date | None
    suspension_cause: str | None
    updated_at: datetime


# --- dates --------------------------------------------------------------------------


def local_date(zone: str | Zoned, moment: datetime) -> date:
    """The calendar day at `moment` in a timezone (or a tenant's): billing days are local."""
    name = zone if isinstance(zone, str) else zone.timezone
    return moment.astimezone(ZoneInfo(name)).date()


def suspends_on(tenant: TenantState) -> date | None:
    """The day a past-due tenant's grace period ends and calls stop; None if not past due."""
    if tenant.status != PAST_DUE or tenant.past_due_since is None:
        return None
    return tenant.past_due_since + timedelta(days=tenant.grace_days)


def grace_over(tenant: TenantState, day: date) -> bool:
    """Past due and the grace period has ended by `day` (a tenant-local date)."""
    deadline = suspends_on(tenant)
    return deadline is not None and day >= deadline


def terminates_on(tenant: TenantState) -> date | None:
    """The day an unpaid suspension becomes a termination, if auto-termination is set."""
    days = tenant.auto_terminate_after_days
    if tenant.status != SUSPENDED or tenant.suspension_cause != UNPAID or not days \
            or tenant.suspended_on is None:
        return None
    return tenant.suspended_on + timedelta(days=days)


def may_call(tenant: TenantState, now: datetime) -> bool:
    """Whether the account may place calls now, even before the billing run suspends it."""
    return tenant.status in CALLABLE and not grace_over(tenant, local_date(tenant, now))


# --- which transitions are allowed ---------------------------------------------------


def terminating(tenant: TenantState) -> bool:
    """Calls were stopped for a termination that is not settled yet."""
    return tenant.status == SUSPENDED and tenant.suspension_cause == TERMINATION


def owes_rent(tenant: TenantState) -> bool:
    """Past due, or suspended for unpaid rent: paying every arrear makes it active."""
    return tenant.status == PAST_DUE or (tenant.status == SUSPENDED
                                         and tenant.suspension_cause == UNPAID)


def can_activate(tenant: TenantState) -> bool:
    """Only a pending account opens, with its first payment."""
    return tenant.status == PENDING


def can_fall_past_due(tenant: TenantState) -> bool:
    """Only an active tenant falls past due (a suspended one stays suspended)."""
    return tenant.status == ACTIVE


def can_suspend(tenant: TenantState, cause: str) -> bool:
    """Admins suspend a calling tenant; unpaid rent suspends a past-due one; a
    termination stops any open account once."""
    if cause == ADMIN:
        return tenant.status in (ACTIVE, PAST_DUE)
    if cause == UNPAID:
        return tenant.status == PAST_DUE
    if cause == TERMINATION:
        return tenant.status in OPEN and not terminating(tenant)
    raise ValueError(f"unknown suspension cause: {cause}")


def can_resume(tenant: TenantState) -> bool:
    """An admin lifts a suspension, except the stop of a termination in progress: calls
    must not start again while the account is being settled."""
    return tenant.status == SUSPENDED and not terminating(tenant)


def can_terminate(tenant: TenantState) -> bool:
    """Only after calls were stopped for the termination."""
    return terminating(tenant)


def can_purge(tenant: TenantState) -> bool:
    """Only a terminated tenant's data is erased."""
    return tenant.status == TERMINATED


def ensure_purgeable(tenant: TenantState) -> None:
    """InvalidState unless the tenant's data may be erased (checked before erasing)."""
    if tenant.status == PURGED:
        raise InvalidState("this tenant's data was already erased")
    if not can_purge(tenant):
        raise InvalidState("only a terminated tenant's data can be erased")


def _refuse(tenant: TenantState, what: str) -> InvalidState:
    return InvalidState(f"a {tenant.status} tenant {what}")


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", details={"field": "reason"})
    return reason.strip()


# --- transitions ---------------------------------------------------------------------


def activate(tenant: TenantState, now: datetime) -> None:
    """Open a pending account the day its first money arrives; its billing cycle starts."""
    if not can_activate(tenant):
        raise _refuse(tenant, "cannot be activated")
    day = local_date(tenant, now)
    tenant.status, tenant.activated_on, tenant.updated_at = ACTIVE, day, now
    tenant.billing_anchor = day
    tenant.period_end = add_months(day, tenant.billing_period_months)


def fall_past_due(tenant: TenantState, since: date, now: datetime) -> None:
    """Rent due on `since` is unpaid: the grace period counts from that day."""
    if not can_fall_past_due(tenant):
        raise _refuse(tenant, "cannot fall past due")
    tenant.status, tenant.past_due_since, tenant.updated_at = PAST_DUE, since, now


def suspend(tenant: TenantState, cause: str, reason: str | None, *, now: datetime,
            on: date | None = None) -> None:
    """Stop calls for `cause`, with a reason; `on` (default: today locally) starts the
    auto-termination clock."""
    if not can_suspend(tenant, cause):
        raise _refuse(tenant, "cannot be suspended")
    tenant.status_reason = _reason(reason)
    tenant.status, tenant.suspension_cause, tenant.updated_at = SUSPENDED, cause, now
    tenant.suspended_on = on if on is not None else local_date(tenant, now)


def resume(tenant: TenantState, reason: str | None, *, now: datetime) -> None:
    """Lift a suspension (with a reason, for the audit log)."""
    if not can_resume(tenant):
        raise _refuse(tenant, "is being terminated" if terminating(tenant)
                      else "is not suspended")
    _reason(reason)
    # Resuming with rent still unpaid goes back to past due, so the grace clock holds.
    tenant.status = PAST_DUE if tenant.past_due_since else ACTIVE
    tenant.status_reason, tenant.updated_at = None, now
    tenant.suspension_cause = tenant.suspended_on = None


def clear_arrears(tenant: TenantState, now: datetime) -> None:
    """Every arrear is paid: a past-due or unpaid-suspended tenant is active again; one
    suspended for another cause stays suspended, but owes nothing when resumed."""
    if not owes_rent(tenant):
        if tenant.past_due_since is None:
            raise _refuse(tenant, "has no arrears to clear")
        tenant.past_due_since, tenant.updated_at = None, now
        return
    tenant.status, tenant.status_reason, tenant.updated_at = ACTIVE, None, now
    tenant.past_due_since = tenant.suspended_on = tenant.suspension_cause = None


def terminate(tenant: TenantState, reason: str, now: datetime) -> None:
    """The settlement is booked: the account is closed for good."""
    if not can_terminate(tenant):
        raise _refuse(tenant, "is not being terminated")
    tenant.status, tenant.suspension_cause, tenant.updated_at = TERMINATED, None, now
    tenant.status_reason = f"Terminated: {reason.replace('_', ' ')}"


def purge(tenant: TenantState, now: datetime) -> None:
    """The tenant's customer data was erased."""
    ensure_purgeable(tenant)
    tenant.status, tenant.updated_at = PURGED, now
    tenant.status_reason = "Customer data erased"
