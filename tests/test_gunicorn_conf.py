"""gunicorn.conf.py's hooks: the loaded app is frozen out of the garbage collector."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


def test_the_master_before_a_fork_and_each_worker_after_its_init_freeze_what_is_loaded():
    from gunicorn.http import wsgi

    banner = wsgi.Response.default_headers  # the file also patches it (test_leaks.py)
    hooks = runpy.run_path(str(CONF))
    wsgi.Response.default_headers = banner
    gc.unfreeze()
    try:
        hooks["pre_fork"](None, None)  # the master, the app preloaded
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # this test process's modules, as the app's would be
        # ... so a full collection no longer walks them
        gc.collect()
        assert gc.get_freeze_count() == frozen
        loaded_after_fork = [[n] for n in range(1000)]  # lists: always tracked
        hooks["post_worker_init"](None)  # a worker, once it has loaded the app
        assert gc.get_freeze_count() >= frozen + len(loaded_after_fork)
    finally:
        gc.unfreeze()
