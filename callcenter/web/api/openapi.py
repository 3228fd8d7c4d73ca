"""The OpenAPI 3 document: operations from the views' docstrings, request bodies from the
typed inputs the views parse (`web/common/inputs.py`), so the two cannot drift."""

from __future__ import annotations

from apispec import APISpec, yaml_utils
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify

from callcenter.web.api import bp
from callcenter.web.common.inputs import Body, declared_body


def request_body(spec: APISpec, body: Body) -> dict:
    """The requestBody of an operation, its schema registered as a component once."""
    if body.name not in spec.components.schemas:
        spec.components.schema(body.name, body.schema())
    content: dict = {"application/json": {"schema": body.name}}
    if body.upload:
        content["multipart/form-data"] = {"schema": body.form_schema()}
    return {"required": not body.optional, "content": content}


ERROR_SCHEMA = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "details": {"type": "object"}}}},
}
# Answers any operation may give, in the one error shape: bad input (400), no or a bad
# token (401), a role that may not (403), not found or another tenant's (404), a body
# too large (413) or not UTF-8 JSON (415), throttled (429, with Retry-After), the
# database briefly unavailable (503). Operations document their own business errors.
COMMON_ERRORS = {
    400: "invalid input", 401: "no valid bearer token", 403: "the role does not allow this",
    404: "not found, or another tenant's", 413: "request body too large",
    415: "the body must be UTF-8 JSON", 429: "throttled; see Retry-After",
    503: "the service cannot take this right now; retry",
}
PUBLIC_ERRORS = {400, 413, 415, 429, 503}


def _with_errors(operation: dict, *, public: bool) -> None:
    """Give every documented or common error answer the error shape."""
    responses = operation.setdefault("responses", {})
    for status, text in COMMON_ERRORS.items():
        if public and status not in PUBLIC_ERRORS:
            continue
        responses.setdefault(status, {"description": text})
    for status, response in responses.items():
        if int(status) >= 400 and "content" not in response:
            response["content"] = {"application/json": {"schema": "Error"}}
        if int(status) == 429:
            response.setdefault("headers", {"Retry-After": {
                "description": "seconds to wait", "schema": {"type": "integer"}}})


def build_spec() -> dict:
    """Collect every /api/v1 view into one OpenAPI document."""
    spec = APISpec(title="callcenter API", version="1", openapi_version="3.0.3")
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", ERROR_SCHEMA)
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = current_app.view_functions[rule.endpoint]
        operations = yaml_utils.load_operations_from_docstring(view.__doc__ or "")
        body = declared_body(view)
        for operation in operations.values():
            if "requestBody" in operation:
                raise ValueError(f"{rule.endpoint}: declare the body with @accepts, "
                                 "not in the docstring")
            if body is not None:
                operation["requestBody"] = request_body(spec, body)
            _with_errors(operation, public=operation.get("security") == [])
        spec.path(path=FlaskPlugin.flaskpath2openapi(rule.rule), operations=operations)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


@bp.get("/openapi.json")
def openapi():
    """The API description.
    ---
    get:
      summary: This OpenAPI document
      security: []
      responses:
        200: {description: the document}
    """
    return jsonify(build_spec())
