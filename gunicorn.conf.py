"""gunicorn settings read from the working directory by every `gunicorn wsgi:app` we run.

gunicorn announces itself (`Server: gunicorn`) in every response and has no setting to
stop it; telling every client which server and version to probe helps nobody but them,
so the header is left out.
"""

from gunicorn.http import wsgi as _wsgi

_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self):
    return [line for line in _default_headers(self) if not line.startswith("Server:")]


_wsgi.Response.default_headers = _without_server_banner


# Logs: gunicorn's error log (its destination and --log-level as given) carries the app's
# records too, all as redacted JSON lines (callcenter/logs.py). The access log, if one is
# asked for with --access-logfile, is redacted as well, but adds nothing to the app's own
# request lines (`callcenter.request`: route template, status, duration, request id), which
# never hold the raw path.
from gunicorn import glogging as _glogging  # noqa: E402


class JsonLogger(_glogging.Logger):
    """gunicorn's logger, its handlers writing redacted JSON, the root logger sharing them."""

    def setup(self, cfg):
        super().setup(cfg)
        import logging

        from callcenter import logs

        root = logging.getLogger()
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                logs.protect(handler)
        for handler in list(root.handlers):  # a previous setup's (configuration reload)
            if getattr(handler, "_gunicorn", False) and handler not in self.error_log.handlers:
                root.removeHandler(handler)
        for handler in self.error_log.handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(self.loglevel)


logger_class = JsonLogger


# The garbage collector: a full collection walks every object the process tracks, and the
# loaded app is about 190,000 of them (Flask, SQLAlchemy, the models, twilio, stripe, the
# PDF fonts ...): 140-210 ms per collection in a bench worker on the development machine,
# the four workers often at the same moment, during which they answer nothing, so every
# request queued behind them waits as long (open-loop voice p99s of 58-100 ms where the
# median is 4; benchmarks/FINDINGS.md, "Fourth session"). Objects alive when a worker
# starts live as long as it does: frozen (moved out of the collector's generations),
# collections walk only what came after.
# Frozen in the master before each fork (with --preload the app is loaded there; the
# children then share those pages instead of copying them when the collector writes to
# them), and in each worker once it has loaded the app (without --preload, or what it
# built since the fork).
import gc  # noqa: E402


def pre_fork(server, worker):
    gc.freeze()


def post_worker_init(worker):
    gc.freeze()
