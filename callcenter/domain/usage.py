"""Usage figures for the dashboard: local calendar days, burn rate, days of calling left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

BURN_DAYS = 7  # the burn rate is the average spend of the last 7 local days
CHART_DAYS = 30  # the charts show the last 30 local days


def day_bounds(zone: str, today: date, days: int) -> list[datetime]:
    """`days + 1` UTC moments: the local midnights starting `days - 1` days before
    `today`, and the midnight after `today` (DST-safe: days may be 23 or 25 hours)."""
    tz = ZoneInfo(zone)
    first = today - timedelta(days=days - 1)
    return [datetime.combine(first + timedelta(days=i), time(), tz).astimezone(UTC)
            for i in range(days + 1)]


def burn_rate(spent_micros: int, days: int = BURN_DAYS) -> int:
    """The average spend per day over `days` days, in micro-units (never negative)."""
    return max(spent_micros, 0) // days


def days_left(available_micros: int, per_day_micros: int) -> Decimal | None:
    """Days of calling the available funds last at `per_day_micros` (one decimal);
    None when nothing was spent (no estimate), 0 when nothing is available."""
    if per_day_micros <= 0:
        return None
    if available_micros <= 0:
        return Decimal("0.0")
    return (Decimal(available_micros) / per_day_micros).quantize(Decimal("0.1"),
                                                                 ROUND_HALF_UP)


def answer_rate(placed: int, answered: int) -> Decimal | None:
    """Answered / placed as a percentage with one decimal; None with no calls placed."""
    if not placed:
        return None
    return (Decimal(answered) * 100 / placed).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class DayValue:
    """One local day's figure in a chart."""

    day: date
    value: int


def series(first: date, values: dict[int, int], days: int) -> list[DayValue]:
    """`days` consecutive days from `first`, each with its value by index (0 if none)."""
    return [DayValue(first + timedelta(days=i), values.get(i, 0)) for i in range(days)]


def carried(first: date, values: dict[int, int], opening: int, days: int) -> list[DayValue]:
    """Day-end values carried forward over days without a value (a balance)."""
    out, current = [], opening
    for i in range(days):
        current = values.get(i, current)
        out.append(DayValue(first + timedelta(days=i), current))
    return out
