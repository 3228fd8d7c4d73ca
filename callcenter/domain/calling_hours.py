"""Calling-hours rules: weekly windows in the CALLEE's local time, capped by the platform.

Pure domain code: no Flask, no database, no clock. The moment to judge is always passed
in as a timezone-aware datetime, so the same function serves live calls, the
`compliance/check` endpoint (`at` may be in the future) and tests.

A schedule is seven lists (Monday first) of half-open intervals [start, end) of local
wall-clock minutes. Comparing wall-clock minutes of the callee's local date (rather
than UTC offsets computed once) is what keeps the rule right on DST change days.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from callcenter.domain.phone import callee_country, callee_timezones

DAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60

OUTSIDE_CALLING_HOURS = "outside_calling_hours"
PUBLIC_HOLIDAY = "public_holiday"
# Reasons are reported in this fixed order so API answers are stable.
_REASON_ORDER = (OUTSIDE_CALLING_HOURS, PUBLIC_HOLIDAY)

UnknownZonePolicy = Literal["tenant_timezone", "refuse"]
_POLICIES: frozenset[str] = frozenset({"tenant_timezone", "refuse"})

# Make-up working days (China's 调休) are called with the MONDAY intervals: the tenant's
# weekend schedule says nothing about a day the law turns into a working day, and Monday
# is the one weekday every tenant schedule is most likely to describe as "a normal day".
MAKEUP_DAY_WEEKDAY = 0

Interval = tuple[int, int]  # minutes since local midnight, [start, end), end <= 1440

_TIME_RE = re.compile(r"(\d{2}):(\d{2})")


@dataclass(frozen=True)
class Schedule:
    """Seven tuples of sorted, non-overlapping intervals, Monday first."""

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("a schedule needs exactly 7 days")

    def intervals(self, weekday: int) -> tuple[Interval, ...]:
        """Intervals of `weekday` (0 = Monday, as `date.weekday()`)."""
        return self.days[weekday]


@dataclass(frozen=True)
class HoursDecision:
    """Outcome of a calling-hours check; `timezones` are the zones actually checked."""

    allowed: bool
    reasons: tuple[str, ...]
    timezones: tuple[str, ...]


def _parse_time(value: object, where: str) -> int:
    """Parse "HH:MM" (00:00..24:00) into minutes since midnight."""
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{where}: {value!r} is not a time in HH:MM form")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{where}: {value!r} is outside 00:00-24:00")
    return hours * 60 + minutes


def _format_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_day(key: str, raw: object) -> tuple[Interval, ...]:
    # A bare string is a Sequence too; reject it so "09:00-18:00" gets a clear message.
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValueError(f"{key}: expected a list of [start, end] pairs")
    intervals: list[Interval] = []
    for index, pair in enumerate(raw):
        where = f"{key}[{index}]"
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"{where}: expected a [start, end] pair")
        start, end = _parse_time(pair[0], where), _parse_time(pair[1], where)
        if start >= end:
            raise ValueError(f"{where}: start {pair[0]} must be before end {pair[1]}")
        intervals.append((start, end))
    intervals.sort()
    for before, after in zip(intervals, intervals[1:], strict=False):
        # Half-open intervals may touch (12:00 end, 12:00 start) but not overlap.
        if after[0] < before[1]:
            raise ValueError(
                f"{key}: intervals {_format_time(before[0])}-{_format_time(before[1])} and "
                f"{_format_time(after[0])}-{_format_time(after[1])} overlap"
            )
    return tuple(intervals)


def parse_schedule(obj: object) -> Schedule:
    """Validate the JSON form {"mon": [["09:00", "18:00"]], ...}; raise ValueError."""
    if not isinstance(obj, Mapping):
        raise ValueError("a calling window must be an object keyed by day (mon..sun)")
    unknown = sorted(str(key) for key in obj if key not in DAY_KEYS)
    if unknown:
        raise ValueError(f"unknown day(s) {', '.join(unknown)}; use {', '.join(DAY_KEYS)}")
    # A missing day means no calling that day.
    return Schedule(tuple(_parse_day(key, obj.get(key, [])) for key in DAY_KEYS))


def schedule_to_json(schedule: Schedule) -> dict[str, list[list[str]]]:
    """The JSON form of `schedule`; days without intervals are left out."""
    return {
        key: [[_format_time(start), _format_time(end)] for start, end in intervals]
        for key, intervals in zip(DAY_KEYS, schedule.days, strict=True)
        if intervals
    }


def _every_day(start: str, end: str) -> Schedule:
    return parse_schedule({key: [[start, end]] for key in DAY_KEYS})


# The service agreement: 09:00-18:00 callee local time, every day.
DEFAULT_SCHEDULE = _every_day("09:00", "18:00")
# What the platform allows at most, whatever a tenant configures.
PLATFORM_CAP = _every_day("08:00", "21:00")


def _intersect(a: tuple[Interval, ...], b: tuple[Interval, ...]) -> tuple[Interval, ...]:
    # Both sides are non-overlapping, so pairwise overlaps are non-overlapping too.
    overlaps = [
        (max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) < min(e1, e2)
    ]
    return tuple(sorted(overlaps))


def effective_schedule(tenant: Schedule, cap: Schedule = PLATFORM_CAP) -> Schedule:
    """The tenant's schedule clipped to the platform cap: a tenant narrows, never widens."""
    return Schedule(tuple(_intersect(t, c) for t, c in zip(tenant.days, cap.days, strict=True)))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


@dataclass(frozen=True)
class _HolidayYear:
    days_off: frozenset[date]  # public holidays, including substituted days off
    workdays: frozenset[date]  # weekend days made working days (China's 调休)


@functools.lru_cache(maxsize=512)
def _holiday_year(country: str, year: int) -> _HolidayYear:
    """Public holidays and make-up working days of `country` in `year`, cached."""
    try:
        calendar = holidays.country_holidays(country, years=year)
    except NotImplementedError:  # the package has no calendar for this country
        return _HolidayYear(frozenset(), frozenset())
    return _HolidayYear(
        days_off=frozenset(day for day in calendar if day.year == year),
        # holidays 0.109 has no WORKDAY category for CN; it exposes 调休 days as
        # `weekend_workdays` (what its own `is_working_day()` consults). That set also
        # holds other years' cross-year swaps (a late-December Saturday worked for the
        # next New Year), whatever `years` is built, hence the filter on `year`.
        workdays=frozenset(day for day in calendar.weekend_workdays if day.year == year),
    )


def _allows(intervals: tuple[Interval, ...], minute: int) -> bool:
    return any(start <= minute < end for start, end in intervals)


def check_calling_hours(
    e164: str,
    at: datetime,
    schedule: Schedule,
    *,
    tenant_timezone: str,
    max_zones: int = 5,
    unknown_zone_policy: UnknownZonePolicy = "tenant_timezone",
    no_calls_on_holidays: bool = False,
) -> HoursDecision:
    """May `e164` be called at `at` under `schedule` (already capped), in every callee zone?"""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("`at` must be a timezone-aware datetime")
    if unknown_zone_policy not in _POLICIES:
        raise ValueError(f"unknown_zone_policy must be one of {sorted(_POLICIES)}")
    _zone(tenant_timezone)  # fail on a misconfigured tenant every time, not only sometimes

    zones = callee_timezones(e164)
    # No zone, or too many to mean anything (toll-free ranges map to 40+ zones): the
    # callee's location is unknown, so use the tenant's zone or refuse, as configured.
    if not zones or len(zones) > max_zones:
        if unknown_zone_policy == "refuse":
            return HoursDecision(allowed=False, reasons=(OUTSIDE_CALLING_HOURS,), timezones=())
        zones = (tenant_timezone,)

    # Holidays come from the number's country even when the zone is the tenant's. With
    # the option off the calendar is not consulted at all, so a make-up Saturday is
    # then an ordinary Saturday: holidays and their swaps are one setting.
    country = callee_country(e164) if no_calls_on_holidays else None
    reasons: set[str] = set()
    for zone in zones:
        local = at.astimezone(_zone(zone))
        intervals = schedule.intervals(local.weekday())
        if country is not None:
            calendar = _holiday_year(country, local.year)
            if local.date() in calendar.workdays:
                intervals = schedule.intervals(MAKEUP_DAY_WEEKDAY)
            elif local.date() in calendar.days_off:
                reasons.add(PUBLIC_HOLIDAY)
        # Minute precision: 17:59:59 is still inside a window that ends at 18:00.
        if not _allows(intervals, local.hour * 60 + local.minute):
            reasons.add(OUTSIDE_CALLING_HOURS)

    ordered = tuple(reason for reason in _REASON_ORDER if reason in reasons)
    return HoursDecision(allowed=not ordered, reasons=ordered, timezones=zones)
