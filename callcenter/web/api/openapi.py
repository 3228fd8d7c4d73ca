"""The OpenAPI 3 document, generated from the API views' docstrings."""

from __future__ import annotations

from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify

from callcenter.web.api import bp


def build_spec() -> dict:
    """Collect every /api/v1 view into one OpenAPI document."""
    spec = APISpec(title="callcenter API", version="1", openapi_version="3.0.3",
                   plugins=[FlaskPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.options["security"] = [{"bearer": []}]
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            view = current_app.view_functions[rule.endpoint]
            spec.path(view=view, app=current_app)
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
