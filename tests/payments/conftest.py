"""Payments tests run with Stripe configured and a fake gateway at the seam."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
import stripe
from werkzeug.serving import make_server

from tests.payments.helpers import CONFIG, WEBHOOK_SECRET, FakeGateway
from tests.payments.localstripe import LAUNCHER, _free_port, _wait_for_port


@pytest.fixture
def app_config() -> dict:
    return dict(CONFIG)


@pytest.fixture
def stripe_fake(app) -> FakeGateway:
    fake = FakeGateway()
    app.extensions["stripe_gateway"] = fake
    return fake


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    """localstripe on a free loopback port, for the module that asks for it."""
    pytest.importorskip("localstripe")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def live_url(app, localstripe: str) -> Iterator[str]:
    """The app served on a free loopback port; localstripe's webhooks point at it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    form = urllib.parse.urlencode({"url": f"{url}/webhooks/stripe",
                                   "secret": WEBHOOK_SECRET}).encode()
    urllib.request.urlopen(f"{localstripe}/_config/webhooks/callcenter", data=form,  # noqa: S310
                           timeout=10).close()
    try:
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def stripe_api(localstripe: str) -> stripe.StripeClient:
    """The card holder's side: attach a test card and confirm, as Stripe.js would."""
    return stripe.StripeClient(CONFIG["STRIPE_SECRET_KEY"],
                               base_addresses={"api": localstripe}, max_network_retries=0)
