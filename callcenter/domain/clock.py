"""The clock is a value services receive, so tests control time without sleeping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from callcenter.domain.errors import InvalidInput

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, aware and in UTC."""
    return datetime.now(UTC)


class FrozenClock:
    """A clock tests set and advance by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: int) -> None:
        """Move forward by a `timedelta(**delta)`."""
        self.now = self.now + timedelta(**delta)


def parse_as_of(value: object) -> datetime | None:
    """An ISO 8601 moment (a date means its start, UTC; no zone means UTC)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise InvalidInput("as_of must be an ISO 8601 date or time", details={"field": "as_of"})
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
