"""Statement periods and figures: calendar months in the tenant's timezone, the ledger's
entry kinds grouped into the statement's totals, and the call figures (ASR, ACD)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from callcenter.domain.errors import InvalidInput

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

# Each ledger kind feeds one total; kinds not listed (a later feature's) count as
# adjustments, so the totals always add up to closing - opening.
TOTALS = ("topups", "refunds", "call_charges", "sms_charges", "seat_rent", "late_fees",
          "credits", "adjustments")
TOTAL_OF_KIND = {"topup": "topups", "refund": "refunds", "call": "call_charges",
                 "sms": "sms_charges", "seat_rental": "seat_rent", "late_fee": "late_fees",
                 "credit": "credits", "adjustment": "adjustments", "write_off": "adjustments"}


@dataclass(frozen=True, order=True)
class Period:
    """One calendar month."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def bounds(self, zone: str) -> tuple[datetime, datetime]:
        """[start, end) of the month in `zone`, as UTC moments (DST-safe)."""
        tz = ZoneInfo(zone)
        nxt = self.next()
        start = datetime(self.year, self.month, 1, tzinfo=tz)
        end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
        return start.astimezone(UTC), end.astimezone(UTC)


def parse_period(value: str) -> Period:
    """"2026-10" -> Period(2026, 10), or InvalidInput."""
    match = _PERIOD.match(value or "")
    if not match:
        raise InvalidInput("the period must be a month such as 2026-10",
                           details={"field": "period"})
    return Period(int(match.group(1)), int(match.group(2)))


def period_of(moment: datetime, zone: str) -> Period:
    """The month `moment` falls in, in `zone`."""
    local = moment.astimezone(ZoneInfo(zone))
    return Period(local.year, local.month)


def months_between(first: Period, last: Period) -> list[Period]:
    """Every month from `last` back to `first`, newest first."""
    out, cur = [], last
    while cur >= first:
        out.append(cur)
        cur = cur.previous()
    return out


def totals(by_kind: dict[str, int]) -> dict[str, int]:
    """The statement's totals from the month's sums per ledger kind."""
    out = dict.fromkeys(TOTALS, 0)
    for kind, amount in by_kind.items():
        out[TOTAL_OF_KIND.get(kind, "adjustments")] += amount
    return out


@dataclass(frozen=True)
class CallFigures:
    """The month's calls: placed (authorized), answered, billed and answered seconds."""

    placed: int = 0
    answered: int = 0
    billed_seconds: int = 0
    answered_seconds: int = 0

    @property
    def minutes(self) -> str:
        """Billed minutes, to the hundredth."""
        return str((Decimal(self.billed_seconds) / 60).quantize(Decimal("0.01"),
                                                                ROUND_HALF_UP))

    @property
    def asr(self) -> str:
        """Answer-seizure ratio answered/placed, to four decimals (0 with no calls)."""
        if not self.placed:
            return "0.0000"
        return str((Decimal(self.answered) / self.placed).quantize(Decimal("0.0001"),
                                                                   ROUND_HALF_UP))

    @property
    def acd_seconds(self) -> int:
        """Average answered call duration in whole seconds (half up)."""
        if not self.answered:
            return 0
        return int((Decimal(self.answered_seconds) / self.answered).quantize(
            Decimal("1"), ROUND_HALF_UP))


@dataclass(frozen=True)
class SmsFigures:
    """The month's text messages: accepted by the provider, their segments, outcomes."""

    messages: int = 0
    segments: int = 0
    delivered: int = 0
    failed: int = 0
