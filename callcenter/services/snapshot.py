"""Per-process snapshots of small, rarely changed tables that the hot path consults.

The call settlement path must not pay a round trip to learn that a tenant has no
webhook endpoint or no automatic top-up rule. Each process keeps one snapshot per
database engine, loaded in one query and refreshed after `seconds`; a change made in
this process clears it after its commit, a change made by another app server is seen
within `seconds`. Callers treat a snapshot as a hint that decides whether to run the
real, conditional statement, never as the truth.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.models import AutoTopup, WebhookEndpoint
from callcenter.services.uow import UnitOfWork

T = TypeVar("T")
REFRESH_SECONDS = 5.0


class Snapshot(Generic[T]):
    """`load(session)` cached per engine for `seconds` (monotonic time)."""

    def __init__(self, load: Callable[[Session], T], *, seconds: float = REFRESH_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._load, self.seconds, self.monotonic = load, seconds, monotonic
        self._values: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, session: Session) -> T:
        """The cached value for this session's database, reloaded when too old."""
        engine = session.get_bind()
        found = self._values.get(engine)
        now = self.monotonic()
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = self._load(session)
        self._values[engine] = (now, value)
        return value

    def clear(self) -> None:
        """Forget every cached value; the next `get` reloads."""
        self._values.clear()

    def clear_after_commit(self, session: Session) -> None:
        """Forget the cached values once the caller's change is committed."""
        UnitOfWork.of(session).after_commit(self.clear)


@dataclass(frozen=True)
class Hints:
    """Which tenants the settlement hooks may concern, loaded in one query."""

    thresholds: dict[int, int]  # tenant -> threshold of its enabled automatic top-up
    subscriptions: dict[int, frozenset[str]]  # tenant -> event types its endpoints want


def _hints(session: Session) -> Hints:
    topups = (sa.select(AutoTopup.tenant_id, AutoTopup.threshold_micros.label("threshold"),
                        sa.type_coerce(sa.null(), sa.JSON).label("events"))
              .where(AutoTopup.enabled.is_(True)))
    hooks = (sa.select(WebhookEndpoint.tenant_id, sa.null(), WebhookEndpoint.events)
             .where(WebhookEndpoint.deleted_at.is_(None)))
    thresholds: dict[int, int] = {}
    wanted: dict[int, set[str]] = {}
    for tenant_id, threshold, types in session.execute(sa.union_all(topups, hooks)):
        if types is None:
            thresholds[tenant_id] = threshold
        else:
            wanted.setdefault(tenant_id, set()).update(types)
    return Hints(thresholds, {t: frozenset(types) for t, types in wanted.items()})


HINTS: Snapshot[Hints] = Snapshot(_hints)
