"""The unit of work: effects run once after a commit, never after a rollback."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.services.uow import UnitOfWork


class CommitFails(UnitOfWork):
    """A unit of work whose next commit fails the way a lost database connection does."""

    def commit(self) -> None:
        try:
            raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))
        except sa.exc.OperationalError:
            self.rollback()
            raise


def test_effect_runs_once_after_commit(session):
    uow, ran = UnitOfWork(session), []
    uow.after_commit(lambda: ran.append(1))
    uow.commit()
    uow.commit()
    assert ran == [1]


def test_effect_does_not_run_after_rollback(session):
    uow, ran = UnitOfWork(session), []
    uow.after_commit(lambda: ran.append(1))
    uow.rollback()
    uow.commit()
    assert ran == [] and uow.pending_effects == 0


def test_failing_effect_does_not_stop_the_next_one(session):
    uow, ran = UnitOfWork(session), []
    uow.after_commit(lambda: 1 / 0)
    uow.after_commit(lambda: ran.append("second"))
    uow.commit()
    assert ran == ["second"]


def test_effect_registered_by_an_effect_runs_at_its_commit(session):
    uow, ran = UnitOfWork(session), []

    def first() -> None:
        ran.append("first")
        uow.after_commit(lambda: ran.append("nested"))
        uow.commit()

    uow.after_commit(first)
    uow.commit()
    assert ran == ["first", "nested"]


