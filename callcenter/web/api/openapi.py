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


def build_spec() -> dict:
    """Collect every /api/v1 view into one OpenAPI document."""
    spec = APISpec(title="callcenter API", version="1", openapi_version="3.0.3")
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
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
