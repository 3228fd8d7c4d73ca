"""The app under gunicorn, configured as production, on 127.0.0.1 and a free port."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.pgdb import ROOT

TWILIO_TOKEN = secrets.token_hex(16)
TWILIO_SID = "AC" + "b" * 32
# Calls at any hour: the bench runs whenever it is started, and calling hours are not
# what it measures (they are still evaluated on every authorization).
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                 "sun")}


@dataclass(frozen=True)
class ServerSettings:
    """How gunicorn serves the app, and the SQLAlchemy pool of each worker."""

    worker_class: str = "sync"
    workers: int = 4
    threads: int = 1
    pool_size: int | None = None  # None: SQLAlchemy's default
    max_overflow: int | None = None
    preload: bool = True  # as `make run`

    def label(self) -> str:
        text = f"{self.worker_class} x{self.workers}"
        if self.worker_class == "gthread":
            text += f" t{self.threads}"
        if self.pool_size is not None:
            text += f" pool {self.pool_size}+{self.max_overflow or 0}"
        return text

    def as_dict(self) -> dict:
        return asdict(self)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, port: int, settings: ServerSettings | None = None) -> dict:
    """The production environment the app (and its migrations) run with."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STRIPE_", "SMTP_", "TWILIO_", "DB_", "CALLING_HOURS_"))}
    env.update({
        "CALLCENTER_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_hex(32),
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CALLING_HOURS_CAP": json.dumps(ALL_DAY),
        "MAX_CALL_SECONDS": "3600",
    })
    if settings is not None and settings.pool_size is not None:
        env["DB_POOL_SIZE"] = str(settings.pool_size)
        env["DB_MAX_OVERFLOW"] = str(settings.max_overflow or 0)
    return env


class Server:
    """gunicorn serving `wsgi:app` (or `target`); a context manager that stops it on the way
    out."""

    def __init__(self, database_url: str, settings: ServerSettings, log_dir: Path, *,
                 root: Path | None = None, name: str = "app", target: str = "wsgi:app",
                 env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.root = root or ROOT  # another checkout's app with `--compare`
        self.target = target  # the WSGI application (benchmarks.floor:app for the floor)
        self.port = free_port()
        self.env = app_env(database_url, self.port, settings)
        label = settings.label().replace(" ", "_")
        self.log = log_dir / (f"gunicorn-{label}.log" if name == "app"
                              else f"gunicorn-{name}-{label}.log")
        self.process: subprocess.Popen | None = None
        # As `make run` serves it: every worker's counters in one directory, for /metrics
        self._metrics_dir = tempfile.TemporaryDirectory(prefix="bench-metrics-")
        self.metrics_token = secrets.token_hex(16)
        self.env.update(PROMETHEUS_MULTIPROC_DIR=self._metrics_dir.name,
                        METRICS_TOKEN=self.metrics_token)
        self.env.update(env or {})

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        s = self.settings
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "--chdir", str(self.root),
               "--bind", f"127.0.0.1:{self.port}", "--workers", str(s.workers), "--worker-class",
               s.worker_class, "--error-logfile", str(self.log), "--log-level", "warning"]
        if s.worker_class == "gthread":
            cmd += ["--threads", str(s.threads)]
        if s.preload:
            cmd.append("--preload")
        return cmd + [self.target]

    def __enter__(self) -> Server:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(self.command(), cwd=self.root, env=self.env,  # noqa: S603
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 60) -> None:
        """The workers forked and answering HTTP (the app has no /readyz yet)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            if len(self.worker_pids()) >= self.settings.workers and self._ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout:.0f} s; see {self.log}")

    def _ready(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/webhooks/twilio/status")  # 405: routed, no database
            status = conn.getresponse().status
            conn.close()
            return status == 405
        except OSError:
            return False

    def group_commit(self) -> dict[str, float]:
        """The group committers' counters summed over the workers (services/group_commit.py):
        batches committed, batches that fell back to each piece alone, pieces committed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {self.metrics_token}"})
        text = conn.getresponse().read().decode()
        conn.close()
        found = {"batches": 0.0, "fell_back": 0.0, "pieces": 0.0}
        for line in text.splitlines():
            if line.startswith('callcenter_group_commit_batches_total{result="committed"}'):
                found["batches"] = float(line.rsplit(" ", 1)[1])
            elif line.startswith('callcenter_group_commit_batches_total{result="fell_back"}'):
                found["fell_back"] = float(line.rsplit(" ", 1)[1])
            elif line.startswith("callcenter_group_commit_pieces_total "):
                found["pieces"] = float(line.rsplit(" ", 1)[1])
        return found

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (children of the master)."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        """Graceful stop; killed if it does not go within 15 s."""
        if self.process is None or self.process.poll() is not None:
            self._metrics_dir.cleanup()
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._metrics_dir.cleanup()
