"""The group committer: pieces waiting together share one transaction, in lock order; a
failing batch falls back to each piece alone; a forked or idle committer starts afresh."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from callcenter.services.group_commit import Committer


@dataclass
class FakeSession:
    """What the committer and its unit of work touch: commit, rollback, info."""

    log: list = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def commit(self) -> None:
        self.log.append("commit")

    def rollback(self) -> None:
        self.log.append("rollback")


@dataclass
class Piece:
    name: str
    order: tuple
    fail: bool = False
    gate: threading.Event | None = None  # the write waits for it
    writing: threading.Event = field(default_factory=threading.Event)

    def read(self, session):
        session.log.append(f"read {self.name}")
        return self.order, self.name

    def write(self, session, facts):
        self.writing.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        session.log.append(f"write {facts}")
        if self.fail:
            raise ValueError(f"{self.name} failed")
        return f"done {facts}"


def _committer(**kw):
    sessions: list[FakeSession] = []

    @contextmanager
    def scope():
        session = FakeSession()
        sessions.append(session)
        yield session

    return Committer(scope, **kw), sessions


def _run_all(committer: Committer, pieces: list[Piece], first_gate: threading.Event):
    """Hand `pieces[0]` over, then the rest while the committer is held in its write, so
    they wait together; the answers (or exceptions) by piece name."""
    answers: dict[str, object] = {}

    def run(piece: Piece) -> None:
        try:
            answers[piece.name] = committer.run(piece)
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            answers[piece.name] = exc

    first = threading.Thread(target=run, args=(pieces[0],))
    first.start()
    assert pieces[0].writing.wait(10)  # the committer holds it, alone
    others = [threading.Thread(target=run, args=(p,)) for p in pieces[1:]]
    for thread in others:
        thread.start()
    # every other piece is queued behind the held one before it may finish
    deadline, tick = time.monotonic() + 10, threading.Event()
    while committer._queue.qsize() < len(pieces) - 1:
        assert time.monotonic() < deadline, "the pieces were not handed over"
        tick.wait(0.001)
    first_gate.set()
    for thread in [first, *others]:
        thread.join(10)
    return answers


def test_pieces_waiting_together_share_one_commit_in_lock_order():
    committer, sessions = _committer()
    gate = threading.Event()
    pieces = [Piece("p0", (0, 0), gate=gate)] + [
        Piece(f"p{i}", (order, i)) for i, order in zip(range(1, 7), (5, 3, 9, 3, 1, 7),
                                                       strict=True)]
    answers = _run_all(committer, pieces, gate)
    assert answers == {p.name: f"done {p.name}" for p in pieces}
    alone, together = sessions
    assert alone.log == ["read p0", "write p0", "commit"]
    # all read first (in the order they were handed over), then written by (tenant,
    # call) whatever that order was, then one commit
    assert sorted(together.log[:6]) == [f"read p{i}" for i in range(1, 7)]
    assert together.log[6:] == ["write p5", "write p2", "write p4", "write p1", "write p6",
                                "write p3", "commit"]
    assert (committer.stats.batches, committer.stats.pieces, committer.stats.largest) == (2, 7, 6)


def test_a_failing_batch_is_rolled_back_and_each_piece_runs_alone():
    committer, sessions = _committer()
    gate = threading.Event()
    pieces = [Piece("p0", (0,), gate=gate), Piece("a", (1,)), Piece("bad", (2,), fail=True),
              Piece("c", (3,))]
    answers = _run_all(committer, pieces, gate)
    assert answers["p0"] == "done p0" and answers["a"] == "done a" and answers["c"] == "done c"
    assert isinstance(answers["bad"], ValueError)
    batch = sessions[1]
    assert batch.log[-1] == "rollback" and "commit" not in batch.log
    # then alone, each in its own transaction: two commit, the bad one rolls back
    alone = {s.log[1]: s.log[-1] for s in sessions[2:]}  # its write: how it ended
    assert alone == {"write a": "commit", "write bad": "rollback", "write c": "commit"}
    assert committer.stats.fallbacks == 1


def test_a_forked_process_gets_its_own_queue_and_thread():
    committer, _ = _committer()
    assert committer.run(Piece("one", (1,))) == "done one"
    parent_thread, parent_queue = committer._thread, committer._queue
    committer._pid = -1  # as a forked child sees it: another process's state
    assert committer.run(Piece("two", (1,))) == "done two"
    assert committer._queue is not parent_queue and committer._thread is not parent_thread


def test_an_idle_committer_ends_its_thread_and_starts_again_on_demand():
    committer, _ = _committer(idle_seconds=0.01)
    assert committer.run(Piece("one", (1,))) == "done one"
    thread = committer._thread
    thread.join(10)  # it ends once nothing came within idle_seconds
    assert not thread.is_alive()
    assert committer.run(Piece("two", (1,))) == "done two"
    assert committer._thread is not thread


@pytest.mark.parametrize("size", [1, 3])
def test_an_exception_reaches_only_its_own_caller(size):
    committer, _ = _committer()
    gate = threading.Event()
    pieces = [Piece("p0", (0,), gate=gate, fail=True)] + [
        Piece(f"p{i}", (i,)) for i in range(1, size)]
    answers = _run_all(committer, pieces, gate)
    assert isinstance(answers["p0"], ValueError)
    assert all(answers[p.name] == f"done {p.name}" for p in pieces[1:])
