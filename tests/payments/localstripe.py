"""Starting localstripe (a local Stripe stand-in) as a subprocess, and waiting for it;
the fixtures are in conftest.py."""

from __future__ import annotations

import socket
import subprocess
import time

# Bind to loopback only, and keep localstripe from writing its store to /tmp.
LAUNCHER = """
import sys
import localstripe.resources as resources
resources.Store.dump_to_disk = lambda self: None
from aiohttp import web
from localstripe.server import app
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"localstripe exited: {proc.stdout.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)  # polling a starting subprocess, not waiting for app time
    raise RuntimeError("localstripe did not start")


def wait_until(check, timeout: float = 20.0, what: str = "localstripe's webhook"):
    """Poll `check()` until it returns something true: localstripe delivers webhooks
    about a second after the event (another process's time, not the app's clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
