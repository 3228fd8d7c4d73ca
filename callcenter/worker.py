"""The in-process background worker: every app server runs due jobs itself.

One daemon thread per process (started on the first request after gunicorn forks),
woken right after a commit that enqueued work and otherwise polling every
`BACKGROUND_POLL_SECONDS`. Several servers may run it at once: jobs are claimed with a
lease in the database (see services/background.py), so no job runs twice at a time and
none is lost when a server stops. `flask jobs run` does one pass from the shell.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from flask import Flask

from callcenter.domain.clock import system_clock
from callcenter.extensions import db
from callcenter.integrations.stripe_gateway import EXTENSION as STRIPE
from callcenter.services import (
    auto_topup_charge,  # noqa: F401 - registers the automatic top-up charge
    background,
    webhook_delivery,  # noqa: F401 - registers outbound webhook deliveries
)
from callcenter.services import mail as _mail  # noqa: F401 - registers the `mail` handler
from callcenter.services import notices as _notices  # noqa: F401 - and `notice.mail`
from callcenter.services import password_reset as _resets  # noqa: F401 - `password_reset`
from callcenter.services.uow import UnitOfWork

log = logging.getLogger(__name__)


def context(app: Flask) -> dict[str, Any]:
    """What handlers may use: the settings and the provider clients the app built."""
    return {"config": app.config, "gateway": app.extensions.get(STRIPE),
            "clock": app.config.get("CLOCK") or system_clock,
            **app.extensions.get("background_context", {})}


def run_pass(app: Flask, *, limit: int = 100) -> dict[str, int]:
    """Run the due jobs once, inside an app context."""
    clock = app.config.get("CLOCK") or system_clock
    with app.app_context():
        try:
            return background.run_due(UnitOfWork(db.session), context(app), clock=clock,
                                      limit=limit)
        finally:
            db.session.remove()


class Worker:
    """A daemon thread running due jobs, woken by commits that enqueue work."""

    def __init__(self, app: Flask, poll_seconds: float) -> None:
        self.app, self.poll_seconds = app, poll_seconds
        self.pid: int | None = None
        self._wake = threading.Event()

    def wake(self) -> None:
        """Work was committed: run it now instead of at the next poll."""
        self._wake.set()

    def ensure_running(self) -> None:
        """Start the thread in this process if it is not running here yet (after a fork)."""
        if self.pid == os.getpid():
            return
        self.pid = os.getpid()
        threading.Thread(target=self._loop, name="background-jobs", daemon=True).start()

    def _loop(self) -> None:
        while True:
            try:
                run_pass(self.app)
            except Exception:  # the database is down, say: keep the thread, try later
                log.exception("background pass failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()


def init_app(app: Flask) -> None:
    """Start the worker with the first request of each process, unless turned off."""
    if not app.config.get("BACKGROUND_WORKER", True):
        return
    worker = Worker(app, float(app.config.get("BACKGROUND_POLL_SECONDS", 5)))
    background.on_enqueue(worker.wake)
    app.extensions["background_worker"] = worker
    app.before_request(worker.ensure_running)
