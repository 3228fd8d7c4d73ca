"""The unit of work: one business transaction and the effects that must follow its commit.

Services that call the outside world (Stripe refunds, Twilio, mail) register those calls
with `after_commit`, so they happen only once the rows that justify them are durable and
never for a transaction that rolled back. Each effect is written to be safe to repeat (a
provider idempotency key, or a row it re-reads), because a crash between the commit and
the effect leaves it to a later run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

Effect = Callable[[], object]


class UnitOfWork:
    """The session, `commit`, `rollback` and the effects waiting for the next commit."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._effects: list[Effect] = []
        session.info["uow"] = self  # services handed only the session find it (`of`)

    @classmethod
    def of(cls, session: Session) -> UnitOfWork:
        """The unit of work this session belongs to (a new one if it has none).

        Services that take a session (the call hot path) use it to register effects
        that must follow the caller's commit.
        """
        found = session.info.get("uow")
        return found if isinstance(found, cls) else cls(session)

    def after_commit(self, effect: Effect) -> None:
        """Run `effect` once the current transaction commits; drop it if it rolls back."""
        self._effects.append(effect)

    def commit(self) -> None:
        """Commit, then run the waiting effects in order; one failing does not stop the rest.

        An effect may itself commit through this unit of work (a refund records Stripe's
        answer): effects it registers run at that commit.
        """
        self.session.commit()
        effects, self._effects = self._effects, []
        for effect in effects:
            try:
                effect()
            except Exception:  # the transaction stands; the effect is retried later
                log.exception("an after-commit effect failed")
                self.session.rollback()

    def rollback(self) -> None:
        """Undo the transaction and forget its effects."""
        self.session.rollback()
        self._effects.clear()

    @property
    def pending_effects(self) -> int:
        """How many effects wait for the next commit."""
        return len(self._effects)


def of(session: Session) -> UnitOfWork:
    """The unit of work over `session` (the newest one made), or a new one."""
    found = session.info.get("uow")
    return found if isinstance(found, UnitOfWork) else UnitOfWork(session)
