"""One inbound-event inbox for every provider: each (provider, event id) is taken once.

A webhook's service records the event first, inside the transaction that applies it. A
redelivery finds the key taken and changes nothing; a concurrent delivery of the same
event waits (on PostgreSQL) for the first one's commit and then finds it taken. The
insert is one `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: no savepoint, no
exception, one round trip on the hot path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from callcenter.models import InboundEvent

# The two databases the application runs on; both have ON CONFLICT DO NOTHING.
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Applied(NamedTuple):
    """What applying an event did, and whose it turned out to be."""

    outcome: str
    tenant_id: int | None = None


def record(session: Session, provider: str, event_id: str, *, type: str,  # noqa: A002
           payload: dict[str, Any], now: datetime, outcome: str = "received",
           call_id: int | None = None, tenant_id: int | None = None,
           object_id: str | None = None, provider_created: int | None = None) -> int | None:
    """Take the event's key and store it; its row id, or None for a duplicate."""
    insert = _INSERT[session.get_bind().dialect.name]
    stmt = (insert(InboundEvent)
            .values(provider=provider, event_id=event_id[:255], type=type[:100],
                    outcome=outcome[:32], call_id=call_id, tenant_id=tenant_id,
                    object_id=object_id[:255] if object_id else None,
                    provider_created=provider_created, payload=payload, received_at=now)
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(InboundEvent.id))
    return session.execute(stmt).scalar()


def set_outcome(session: Session, row_id: int, outcome: str, *,
                tenant_id: int | None = None) -> None:
    """Record what applying the event did (and whose it was, once known)."""
    values: dict[str, Any] = {"outcome": outcome[:32]}
    if tenant_id is not None:
        values["tenant_id"] = tenant_id
    session.execute(sa.update(InboundEvent).where(InboundEvent.id == row_id).values(**values)
                    .execution_options(synchronize_session=False))


def unclaimed(session: Session, *, limit: int = 100) -> list[InboundEvent]:
    """Reports about calls nobody authorized, newest first, for an admin to look at."""
    return list(session.scalars(sa.select(InboundEvent)
                                .where(InboundEvent.outcome == "unknown_call")
                                .order_by(InboundEvent.id.desc()).limit(limit)))
