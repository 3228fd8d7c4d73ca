"""Browser tests: the app served by a real WSGI server, driven in Debian's Chromium.

Playwright's own browser download cannot work here, so the tests use /usr/bin/chromium.
Without it they are skipped; `REQUIRE_BROWSER=1` (CI) turns that skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def e2e_app(sqlite_url, clock):
    """The app on SQLite with the real clock's shape (tests still set the time)."""
    from tests.conftest import _make_app, _teardown

    app = _make_app(sqlite_url, clock, WTF_CSRF_ENABLED=True)
    yield app
    _teardown(app)


@pytest.fixture
def live_url(e2e_app):
    """Serve the app on a free loopback port for the length of a test."""
    server = make_server("127.0.0.1", 0, e2e_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    """Headless Chromium through Playwright."""
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing", pytrace=False)
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots(request):
    """Save a page's screenshot as a test artifact: $ARTIFACTS_DIR (CI uploads it), else
    `artifacts/` at the repository root (git-ignored), as screenshots/<test>-<name>.png."""
    from pathlib import Path

    root = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).parents[2] / "artifacts")
    folder = root / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
