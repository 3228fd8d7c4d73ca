"""Rate plans cached per process: a plan version never changes once written.

`rates.set_rates` stores every change as a new version, so a plan row is immutable and
its id names its content (only a pending tenant's seat price, not cached here, is ever
rewritten). The call hot path reads which plan is in force (the newest version effective
by now, as `tenants.rate_plan_at`) in its one query, so new rates apply from the next
call after they take effect; the plan's rates and prefixes come from here, loaded once
per process and database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from callcenter.domain.rating import Increment, rate_for
from callcenter.models import RatePlan

MAX_PLANS = 4096  # per database; a plan can carry thousands of prefixes


@dataclass(frozen=True)
class PlanRates:
    """One rate plan version, as rating needs it."""

    id: int
    default_per_minute_micros: int
    increment: Increment
    connect_fee_micros: int
    prefixes: Mapping[str, int]

    def rate_for(self, e164: str) -> tuple[str | None, int]:
        """The longest matching prefix and its per-minute rate, or the default."""
        return rate_for(e164, self.prefixes, self.default_per_minute_micros)


# One cache per engine: two databases in one process (tests) never share plan ids.
_caches: weakref.WeakKeyDictionary[sa.Engine, dict[int, PlanRates]] = \
    weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cache(session: Session) -> dict[int, PlanRates]:
    engine = session.get_bind()
    found = _caches.get(engine)
    if found is None:
        with _lock:
            found = _caches.setdefault(engine, {})
    return found


def plan_rates(session: Session, plan_id: int) -> PlanRates:
    """The rates of plan `plan_id`, read from the database the first time only."""
    cache = _cache(session)
    plan = cache.get(plan_id)
    if plan is None:
        row = session.get_one(RatePlan, plan_id)
        plan = PlanRates(row.id, row.default_per_minute_micros,
                         Increment(row.initial_increment, row.subsequent_increment),
                         row.connect_fee_micros, dict(row.prefixes or {}))
        if len(cache) >= MAX_PLANS:
            cache.clear()  # rare: many tenants changing rates; reloading is cheap
        cache[plan_id] = plan
    return plan
