"""Each route's documented request fields are exactly the fields its parser accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.domain.errors import InvalidInput
from callcenter.web.common.inputs import Body, declared_body

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes_with_bodies(app, document: dict) -> list[tuple[str, str, Body, dict]]:
    """(route, method, the parser the view declares, the documented JSON schema)."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods & WRITE_METHODS:
            operation = document["paths"][path][method.lower()]
            body = declared_body(app.view_functions[rule.endpoint])
            documented = operation.get("requestBody")
            assert (body is None) == (documented is None), f"{method} {rule.rule}"
            if body is not None:
                ref = documented["content"]["application/json"]["schema"]["$ref"]
                schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                found.append((f"{method} {rule.rule}", method, body, schema))
    return found


def _sample(prop: dict):
    """A valid value of a documented property, unlike its default."""
    if "example" in prop:
        return prop["example"]
    if "enum" in prop:
        return next(v for v in reversed(prop["enum"]) if v != prop.get("default"))
    if prop["type"] == "boolean":
        return not prop.get("default", False)
    if prop["type"] == "integer":
        return prop["maximum"]
    if prop["type"] == "array":
        return [_sample(prop["items"])]
    if prop["type"] == "object":
        return {name: _sample(p) for name, p in prop["properties"].items()}
    return "some text"


def _field_of(exc: InvalidInput) -> str | None:
    return exc.details.get("field")


def test_documented_fields_are_the_fields_the_parser_reads(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    routes = _routes_with_bodies(app, document)
    assert len(routes) >= 20
    for route, _method, body, schema in routes:
        props = schema["properties"]
        assert set(props) == {f.name for f in body.fields}, route
        sample = {name: _sample(prop) for name, prop in props.items()}
        parsed = body.parse(sample)  # every documented field is accepted
        for name in props:
            rest = {k: v for k, v in sample.items() if k != name}
            if name in schema.get("required", []):
                with pytest.raises(InvalidInput) as exc:
                    body.parse(rest)
                assert _field_of(exc.value) == name, route
            else:  # an optional field is read: leaving it out changes the input
                assert body.parse(rest) != parsed, f"{route}: {name} is ignored"
        extra = {**sample, "not_documented": "x"}
        if schema.get("additionalProperties") is False:
            with pytest.raises(InvalidInput):
                body.parse(extra)
        else:
            assert body.parse(extra) == parsed, route


def test_patch_tenant_documents_every_setting_and_refuses_others(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["TenantSettings"]
    assert schema["additionalProperties"] is False
    assert len(schema["properties"]) == 22  # 17 + tax rate, legal details, usage invoices


def test_upload_routes_document_their_csv_form(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/tenants/{tenant_id}/consents", "/api/v1/tenants/{tenant_id}/dnc",
                 "/api/v1/dnc"):
        form = paths[path]["post"]["requestBody"]["content"]["multipart/form-data"]
        assert "file" in form["schema"]["properties"], path


def test_api_views_read_bodies_only_through_their_declared_inputs(project_root):
    reads = re.compile(r"json_body\(|get_json|request\.(json|form|files|data|values|stream)")
    offenders = [str(p.relative_to(project_root))
                 for p in (project_root / "callcenter" / "web" / "api").glob("*.py")
                 if reads.search(Path(p).read_text())]
    assert offenders == []
