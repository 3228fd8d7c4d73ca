"""Payments tests run with Stripe configured and a fake gateway at the seam."""

from __future__ import annotations

import pytest

from tests.payments.helpers import CONFIG, FakeGateway


@pytest.fixture
def app_config() -> dict:
    return dict(CONFIG)


@pytest.fixture
def stripe_fake(app) -> FakeGateway:
    fake = FakeGateway()
    app.extensions["stripe_gateway"] = fake
    return fake
