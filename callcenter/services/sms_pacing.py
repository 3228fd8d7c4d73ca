"""Each sender's pace: at most `rate` messages a second, whoever sends them.

Every worker on every app server takes its sending slot from the sender's row, in the
transaction that claims the message: one conditional UPDATE moves the next free slot
on by 1/rate and returns the one taken, so two workers never get the same slot. A
worker that would wait long for its slot stops and resumes later instead of reserving
(a reserved slot nobody uses would only slow the sender down).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callcenter.models import SmsPacing

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_US = 1_000_000


def _us(moment: datetime) -> int:
    return int(moment.timestamp() * _US)


def _moment(us: int) -> datetime:
    return datetime.fromtimestamp(us / _US, UTC)


def next_free(session: Session, sender: str, now: datetime) -> datetime:
    """When the sender's next slot is free (now, if it is idle)."""
    slot = session.scalar(sa.select(SmsPacing.next_slot_us).where(SmsPacing.sender == sender))
    return max(now, _moment(slot)) if slot else now


def reserve(session: Session, sender: str, now: datetime, rate: float) -> datetime:
    """Take the sender's next slot (at or after `now`) and return its start."""
    gap = max(1, round(_US / rate))
    now_us = _us(now)
    insert = _INSERT[session.get_bind().dialect.name]
    session.execute(insert(SmsPacing).values(sender=sender, next_slot_us=0)
                    .on_conflict_do_nothing(index_elements=["sender"]))
    taken = session.execute(
        sa.update(SmsPacing).where(SmsPacing.sender == sender)
        .values(next_slot_us=sa.case((SmsPacing.next_slot_us > now_us, SmsPacing.next_slot_us),
                                     else_=now_us) + gap)
        .returning(SmsPacing.next_slot_us)
        .execution_options(synchronize_session=False)).scalar_one()
    return _moment(taken - gap)
