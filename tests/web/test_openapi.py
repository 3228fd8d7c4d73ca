"""The OpenAPI document is generated from the code and covers every /api/v1 route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def _spec_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule).removeprefix("/api/v1")


def test_every_api_route_is_documented(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = "/api/v1" + _spec_path(rule.rule)
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_spec_is_valid_openapi_3(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
