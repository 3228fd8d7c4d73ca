"""Group commit: the settlements a process's threads hand over, committed together.

Under a threaded server several status callbacks of one process arrive at once. Each
request thread hands its work to the process's committer and waits; the committer takes
every piece waiting (up to `max_batch`), runs them in one transaction and commits once,
then answers each: a request answers its provider only after the transaction holding
its event has committed, as when it settles alone. PostgreSQL then does one commit (one
WAL flush, two round trips fewer per event) for the batch instead of one per event.

Each piece is a `Work`: `read` (no locks taken) gives what the piece needs and the order
it takes its locks in, `write` does it. The committer runs every read first, then the
writes sorted by that order (tenant, then call), so two committers whose batches share
tenants lock their rows in the same order. A batch that fails (a deadlock PostgreSQL
broke, a hold closed under it, a lost connection) is rolled back whole and each piece
is then run alone in its own transaction, as without group commit: a bad piece costs the
others time, never their result. Nothing is lost when the process stops: a piece
is only answered after its commit, and an unanswered provider retries.

The committer is a daemon thread started on first use in each process (after a
server's fork) and ended after `idle_seconds` without work.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from callcenter import metrics
from callcenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)


class Work(Protocol):
    """One piece of work a committer can batch."""

    def read(self, session: Session) -> tuple[tuple, Any]:
        """What `write` needs, and the order key its locks are taken in."""

    def write(self, session: Session, facts: Any) -> Any:
        """Do it in the session's transaction; the answer for the waiting request."""


# A unit of work for one transaction: the caller's context manager opens a session
# (for the web layer: an app context and its scoped session) and closes it afterwards.
SessionScope = Callable[[], AbstractContextManager[Session]]


@dataclass
class _Item:
    work: Work
    future: Future


@dataclass
class BatchStats:
    """What a committer did: batches committed, pieces in them, batches that fell back."""

    batches: int = 0
    pieces: int = 0
    fallbacks: int = 0
    largest: int = 0


def _read(session: Session, batch: list[_Item]) -> list[tuple[tuple, Any]]:
    """Every piece's `read`; in one call when they are of one kind that reads many at once
    (`read_many(session, works)`, same answers in the same order)."""
    kind = type(batch[0].work)
    many = getattr(kind, "read_many", None)
    if many is not None and all(type(item.work) is kind for item in batch):
        return many(session, [item.work for item in batch])
    return [item.work.read(session) for item in batch]


class Committer:
    """Runs handed-over work in shared transactions, one thread per process."""

    def __init__(self, scope: SessionScope, *, max_batch: int = 64,
                 idle_seconds: float = 30.0) -> None:
        self._scope = scope
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self.stats = BatchStats()

    def run(self, work: Work) -> Any:
        """Hand `work` over and wait until the transaction holding it committed; its
        answer, or the exception it raised (run alone)."""
        item = _Item(work, Future())
        with self._lock:
            if self._pid != os.getpid():  # a forked child inherits no running thread
                self._queue, self._thread, self._pid = queue.SimpleQueue(), None, os.getpid()
            self._queue.put(item)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="group-commit",
                                                daemon=True)
                self._thread.start()
        return item.future.result()

    # --- the committer thread -----------------------------------------------------------

    def _loop(self) -> None:
        me, pending = threading.current_thread(), self._queue
        while True:
            try:
                first = pending.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:  # no `run` can enqueue while we decide to stop
                    if pending.empty():
                        if self._thread is me:
                            self._thread = None
                        return
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            try:
                self._run_batch(batch)
            except BaseException as exc:  # never leave a request waiting
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(exc)

    def _run_batch(self, batch: list[_Item]) -> None:
        if len(batch) == 1:
            if self._run_alone(batch[0]):
                self._count(1)
            return
        try:
            answers = self._together(batch)
        except Exception:
            log.warning("group commit: a batch of %d failed; each runs alone", len(batch),
                        exc_info=True)
            self.stats.fallbacks += 1
            metrics.GROUP_COMMITS.labels("fell_back").inc()
            for item in batch:
                self._run_alone(item)
            return
        for item, answer in answers:
            item.future.set_result(answer)
        self._count(len(batch))

    def _together(self, batch: list[_Item]) -> list[tuple[_Item, Any]]:
        with self._scope() as session:
            uow = UnitOfWork(session)
            try:
                read = [(item, *found) for item, found in zip(batch, _read(session, batch),
                                                               strict=True)]
                read.sort(key=lambda entry: entry[1])
                answers = [(item, item.work.write(session, facts))
                           for item, _order, facts in read]
                uow.commit()
            except BaseException:
                uow.rollback()
                raise
        return answers

    def _run_alone(self, item: _Item) -> bool:
        """Run one piece in its own transaction; True if it committed."""
        try:
            with self._scope() as session:
                uow = UnitOfWork(session)
                try:
                    answer = item.work.write(session, item.work.read(session)[1])
                    uow.commit()
                except BaseException:
                    uow.rollback()
                    raise
        except Exception as exc:
            item.future.set_exception(exc)
            return False
        item.future.set_result(answer)
        return True

    def _count(self, size: int) -> None:
        metrics.GROUP_COMMITS.labels("committed").inc()
        metrics.GROUP_COMMIT_PIECES.inc(size)
        stats = self.stats
        stats.batches += 1
        stats.pieces += size
        stats.largest = max(stats.largest, size)
