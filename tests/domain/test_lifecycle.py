"""The tenant lifecycle: every transition from every state, the fields each one sets,
and the dates (grace deadline, auto-termination, calling) in the tenant's timezone."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

import pytest

from callcenter.domain import lifecycle as lc
from callcenter.domain.errors import InvalidInput, InvalidState

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai, 09:00 in New York
EARLIER = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class FakeTenant:
    """A plain object with the tenant's lifecycle attributes."""

    status: str = lc.ACTIVE
    status_reason: str | None = None
    timezone: str = "Asia/Shanghai"
    grace_days: int = 3
    auto_terminate_after_days: int | None = None
    billing_period_months: int = 1
    billing_anchor: date | None = None
    period_end: date | None = None
    activated_on: date | None = None
    past_due_since: date | None = None
    suspended_on: date | None = None
    suspension_cause: str | None = None
    updated_at: datetime = EARLIER


# Every state a tenant can be in: (status, suspension cause).
STATES = {
    "pending": (lc.PENDING, None),
    "active": (lc.ACTIVE, None),
    "past_due": (lc.PAST_DUE, None),
    "suspended_admin": (lc.SUSPENDED, lc.ADMIN),
    "suspended_unpaid": (lc.SUSPENDED, lc.UNPAID),
    "suspended_termination": (lc.SUSPENDED, lc.TERMINATION),
    "terminated": (lc.TERMINATED, None),
    "purged": (lc.PURGED, None),
}

TRANSITIONS = {
    "activate": lambda t: lc.activate(t, NOW),
    "fall_past_due": lambda t: lc.fall_past_due(t, date(2026, 3, 1), NOW),
    "suspend_admin": lambda t: lc.suspend(t, lc.ADMIN, "fraud check", now=NOW),
    "suspend_unpaid": lambda t: lc.suspend(t, lc.UNPAID, "rent unpaid", now=NOW),
    "suspend_termination": lambda t: lc.suspend(t, lc.TERMINATION, "closing", now=NOW),
    "resume": lambda t: lc.resume(t, "checked", now=NOW),
    "clear_arrears": lambda t: lc.clear_arrears(t, NOW),
    "terminate": lambda t: lc.terminate(t, "breach", NOW),
    "purge": lambda t: lc.purge(t, NOW),
}

# transition -> the states it is allowed from; every other state refuses it.
ALLOWED = {
    "activate": {"pending"},
    "fall_past_due": {"active"},
    "suspend_admin": {"active", "past_due"},
    "suspend_unpaid": {"past_due"},
    "suspend_termination": {"pending", "active", "past_due", "suspended_admin",
                            "suspended_unpaid"},
    "resume": {"suspended_admin", "suspended_unpaid"},
    "clear_arrears": {"past_due", "suspended_unpaid"},
    "terminate": {"suspended_termination"},
    "purge": {"terminated"},
}

# The status each allowed transition leads to (resume: no rent owed in these cases).
TARGET = {
    "activate": lc.ACTIVE, "fall_past_due": lc.PAST_DUE, "suspend_admin": lc.SUSPENDED,
    "suspend_unpaid": lc.SUSPENDED, "suspend_termination": lc.SUSPENDED,
    "resume": lc.ACTIVE, "clear_arrears": lc.ACTIVE, "terminate": lc.TERMINATED,
    "purge": lc.PURGED,
}


def _tenant(state: str, **fields: object) -> FakeTenant:
    status, cause = STATES[state]
    suspended_on = date(2026, 2, 20) if cause else None
    return FakeTenant(status=status, suspension_cause=cause, suspended_on=suspended_on,
                      **fields)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("transition", TRANSITIONS)
def test_each_transition_is_allowed_only_from_its_states(transition, state):
    tenant = _tenant(state)
    before = asdict(tenant)
    if state in ALLOWED[transition]:
        TRANSITIONS[transition](tenant)
        assert tenant.status == TARGET[transition]
        assert tenant.updated_at == NOW
    else:
        with pytest.raises(InvalidState):
            TRANSITIONS[transition](tenant)
        assert asdict(tenant) == before  # a refused transition changes nothing


@pytest.mark.parametrize(("transition", "predicate"), [
    ("activate", lc.can_activate),
    ("fall_past_due", lc.can_fall_past_due),
    ("suspend_admin", lambda t: lc.can_suspend(t, lc.ADMIN)),
    ("suspend_unpaid", lambda t: lc.can_suspend(t, lc.UNPAID)),
    ("suspend_termination", lambda t: lc.can_suspend(t, lc.TERMINATION)),
    ("resume", lc.can_resume),
    ("clear_arrears", lc.owes_rent),
    ("terminate", lc.can_terminate),
    ("purge", lc.can_purge),
])
def test_predicates_agree_with_the_transitions(transition, predicate):
    allowed = {state for state in STATES if predicate(_tenant(state))}
    assert allowed == ALLOWED[transition]


def test_unknown_suspension_cause_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown suspension cause"):
        lc.can_suspend(FakeTenant(), "holiday")


# --- the fields each transition sets ----------------------------------------------


@pytest.mark.parametrize(("timezone", "months", "opened", "period_end"), [
    ("Asia/Shanghai", 1, date(2026, 3, 2), date(2026, 4, 2)),
    ("Asia/Shanghai", 3, date(2026, 3, 2), date(2026, 6, 2)),
    ("Pacific/Kiritimati", 12, date(2026, 3, 3), date(2027, 3, 3)),  # UTC+14: tomorrow
])
def test_activate_opens_the_account_and_its_first_period_on_the_local_day(
        timezone, months, opened, period_end):
    tenant = FakeTenant(status=lc.PENDING, timezone=timezone, billing_period_months=months)
    lc.activate(tenant, NOW)
    assert (tenant.status, tenant.activated_on, tenant.billing_anchor, tenant.period_end,
            tenant.updated_at) == (lc.ACTIVE, opened, opened, period_end, NOW)


def test_fall_past_due_starts_the_grace_clock_and_keeps_the_reason():
    tenant = FakeTenant(status_reason="kept")
    lc.fall_past_due(tenant, date(2026, 3, 1), NOW)
    assert (tenant.status, tenant.past_due_since, tenant.status_reason) == \
        (lc.PAST_DUE, date(2026, 3, 1), "kept")


@pytest.mark.parametrize(("cause", "on", "expected_on"), [
    (lc.ADMIN, None, date(2026, 3, 2)),  # today in Shanghai
    (lc.TERMINATION, None, date(2026, 3, 2)),
    (lc.UNPAID, date(2026, 3, 4), date(2026, 3, 4)),  # the billing run's day
])
def test_suspend_records_cause_reason_and_day(cause, on, expected_on):
    tenant = FakeTenant(status=lc.PAST_DUE, past_due_since=date(2026, 3, 1))
    lc.suspend(tenant, cause, "  a reason  ", now=NOW, on=on)
    assert (tenant.status, tenant.suspension_cause, tenant.status_reason,
            tenant.suspended_on, tenant.past_due_since, tenant.updated_at) == \
        (lc.SUSPENDED, cause, "a reason", expected_on, date(2026, 3, 1), NOW)


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_suspend_and_resume_require_a_reason(reason):
    tenant = FakeTenant()
    with pytest.raises(InvalidInput):
        lc.suspend(tenant, lc.ADMIN, reason, now=NOW)
    assert tenant == FakeTenant()
    suspended = _tenant("suspended_admin")
    with pytest.raises(InvalidInput):
        lc.resume(suspended, reason, now=NOW)
    assert suspended == _tenant("suspended_admin")


def test_a_refused_status_is_reported_before_a_missing_reason():
    with pytest.raises(InvalidState, match="a terminated tenant cannot be suspended"):
        lc.suspend(FakeTenant(status=lc.TERMINATED), lc.ADMIN, "", now=NOW)
    with pytest.raises(InvalidState, match="a active tenant is not suspended"):
        lc.resume(FakeTenant(), "", now=NOW)


@pytest.mark.parametrize(("past_due_since", "status"), [
    (None, lc.ACTIVE),
    (date(2026, 2, 1), lc.PAST_DUE),  # rent still unpaid: the grace clock holds
])
def test_resume_returns_to_past_due_while_rent_is_unpaid(past_due_since, status):
    tenant = _tenant("suspended_admin", status_reason="fraud check",
                     past_due_since=past_due_since)
    lc.resume(tenant, "checked", now=NOW)
    assert (tenant.status, tenant.status_reason, tenant.suspension_cause,
            tenant.suspended_on, tenant.past_due_since, tenant.updated_at) == \
        (status, None, None, None, past_due_since, NOW)


@pytest.mark.parametrize("state", ["past_due", "suspended_unpaid"])
def test_clear_arrears_resets_every_dunning_field(state):
    tenant = _tenant(state, status_reason="unpaid", past_due_since=date(2026, 2, 1))
    lc.clear_arrears(tenant, NOW)
    assert (tenant.status, tenant.status_reason, tenant.past_due_since, tenant.suspended_on,
            tenant.suspension_cause, tenant.updated_at) == (lc.ACTIVE, None, None, None,
                                                            None, NOW)


def test_terminate_names_the_reason_and_keeps_the_dates():
    tenant = _tenant("suspended_termination", past_due_since=date(2026, 2, 1))
    lc.terminate(tenant, "platform_fault", NOW)
    assert (tenant.status, tenant.status_reason, tenant.suspension_cause,
            tenant.suspended_on, tenant.past_due_since) == \
        (lc.TERMINATED, "Terminated: platform fault", None, date(2026, 2, 20),
         date(2026, 2, 1))


@pytest.mark.parametrize(("status", "message"), [
    (lc.PURGED, "already erased"),
    (lc.SUSPENDED, "only a terminated tenant"),
    (lc.ACTIVE, "only a terminated tenant"),
])
def test_only_a_terminated_tenant_is_purged(status, message):
    with pytest.raises(InvalidState, match=message):
        lc.ensure_purgeable(FakeTenant(status=status))
    tenant = FakeTenant(status=lc.TERMINATED)
    lc.purge(tenant, NOW)
    assert (tenant.status, tenant.status_reason) == (lc.PURGED, "Customer data erased")


# --- groups -------------------------------------------------------------------------


def test_status_groups_nest_and_partition():
    assert set(lc.OPEN) | set(lc.CLOSED) == set(lc.STATUSES)
    assert not set(lc.OPEN) & set(lc.CLOSED)
    assert set(lc.CALLABLE) < set(lc.BILLABLE) < set(lc.OPEN)
    assert set(lc.DUNNING) < set(lc.BILLABLE)


# --- dates --------------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "moment", "day"), [
    ("Asia/Shanghai", datetime(2026, 3, 1, 15, 59, tzinfo=UTC), date(2026, 3, 1)),
    ("Asia/Shanghai", datetime(2026, 3, 1, 16, 0, tzinfo=UTC), date(2026, 3, 2)),
    ("America/New_York", datetime(2026, 3, 2, 4, 59, tzinfo=UTC), date(2026, 3, 1)),
    ("America/New_York", datetime(2026, 3, 2, 5, 0, tzinfo=UTC), date(2026, 3, 2)),
    ("America/New_York", datetime(2026, 7, 2, 3, 59, tzinfo=UTC), date(2026, 7, 1)),  # EDT
])
def test_local_date_takes_a_zone_name_or_a_tenant(zone, moment, day):
    assert lc.local_date(zone, moment) == day
    assert lc.local_date(FakeTenant(timezone=zone), moment) == day


@pytest.mark.parametrize(("fields", "expected"), [
    ({"status": lc.PAST_DUE, "past_due_since": date(2026, 3, 1)}, date(2026, 3, 4)),
    ({"status": lc.PAST_DUE, "past_due_since": date(2026, 3, 1), "grace_days": 0},
     date(2026, 3, 1)),
    ({"status": lc.PAST_DUE, "past_due_since": None}, None),
    ({"status": lc.ACTIVE, "past_due_since": date(2026, 3, 1)}, None),
    ({"status": lc.SUSPENDED, "suspension_cause": lc.UNPAID,
      "past_due_since": date(2026, 3, 1)}, None),  # already suspended
])
def test_suspends_on_is_the_end_of_the_grace_period(fields, expected):
    assert lc.suspends_on(FakeTenant(**fields)) == expected


@pytest.mark.parametrize(("fields", "expected"), [
    ({"status": lc.SUSPENDED, "suspension_cause": lc.UNPAID,
      "suspended_on": date(2026, 3, 4), "auto_terminate_after_days": 30}, date(2026, 4, 3)),
    ({"status": lc.SUSPENDED, "suspension_cause": lc.UNPAID,
      "suspended_on": date(2026, 3, 4), "auto_terminate_after_days": None}, None),
    ({"status": lc.SUSPENDED, "suspension_cause": lc.UNPAID,
      "suspended_on": None, "auto_terminate_after_days": 30}, None),
    ({"status": lc.SUSPENDED, "suspension_cause": lc.ADMIN,
      "suspended_on": date(2026, 3, 4), "auto_terminate_after_days": 30}, None),
    ({"status": lc.PAST_DUE, "suspended_on": None, "auto_terminate_after_days": 30}, None),
])
def test_terminates_on_counts_from_an_unpaid_suspension_only(fields, expected):
    assert lc.terminates_on(FakeTenant(**fields)) == expected


# Past due since 1 March with 3 days' grace: calls stop at local midnight starting 4 March.
@pytest.mark.parametrize(("zone", "moment", "allowed"), [
    ("Asia/Shanghai", datetime(2026, 3, 3, 15, 59, 59, tzinfo=UTC), True),  # 23:59:59 3rd
    ("Asia/Shanghai", datetime(2026, 3, 3, 16, 0, tzinfo=UTC), False),  # 00:00 4th
    ("America/New_York", datetime(2026, 3, 4, 4, 59, 59, tzinfo=UTC), True),
    ("America/New_York", datetime(2026, 3, 4, 5, 0, tzinfo=UTC), False),
    ("UTC", datetime(2026, 3, 3, 23, 59, 59, tzinfo=UTC), True),
    ("UTC", datetime(2026, 3, 4, 0, 0, tzinfo=UTC), False),
])
def test_may_call_ends_with_the_grace_period_in_the_tenants_timezone(zone, moment, allowed):
    tenant = FakeTenant(status=lc.PAST_DUE, past_due_since=date(2026, 3, 1), timezone=zone)
    assert lc.may_call(tenant, moment) is allowed
    assert lc.grace_over(tenant, lc.local_date(tenant, moment)) is not allowed


@pytest.mark.parametrize(("state", "allowed"), [
    ("pending", False), ("active", True), ("past_due", True), ("suspended_admin", False),
    ("suspended_unpaid", False), ("suspended_termination", False), ("terminated", False),
    ("purged", False),
])
def test_may_call_by_status(state, allowed):
    # Past due inside its grace period still calls; every suspension stops calls.
    assert lc.may_call(_tenant(state, past_due_since=date(2026, 3, 1)), NOW) is allowed


def test_zero_grace_days_stop_calls_on_the_day_rent_falls_due():
    tenant = FakeTenant(status=lc.PAST_DUE, past_due_since=date(2026, 3, 2), grace_days=0)
    assert not lc.may_call(tenant, NOW)


def test_rent_paid_while_suspended_by_an_admin_leaves_nothing_owed_on_resume():
    tenant = FakeTenant(status=lc.SUSPENDED, suspension_cause=lc.ADMIN,
                        past_due_since=date(2026, 2, 1), suspended_on=date(2026, 2, 2))
    lc.clear_arrears(tenant, NOW)
    assert (tenant.status, tenant.suspension_cause, tenant.past_due_since) == (
        lc.SUSPENDED, lc.ADMIN, None)
    lc.resume(tenant, "checked", now=NOW)
    assert tenant.status == lc.ACTIVE
