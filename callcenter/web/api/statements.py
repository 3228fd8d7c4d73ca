"""Monthly statements: JSON, or the CSV and PDF files."""

from __future__ import annotations

from flask import jsonify, request

from callcenter.web.api import bp
from callcenter.web.common.statements import as_json, file_response, load


@bp.get("/tenants/<int:tenant_id>/statements/<period>")
def get_statement(tenant_id: int, period: str):
    """A month's statement.
    ---
    get:
      summary: The statement of a calendar month in the tenant's timezone (admin, owner)
      description: >
        closing_balance = opening_balance + the sum of the lines, and a month's closing
        balance is the next month's opening balance. The current month is a statement
        so far (complete false).
      parameters:
        - {name: tenant_id, in: path, required: true, schema: {type: integer}}
        - {name: period, in: path, required: true, schema: {type: string, example: "2026-10"}}
        - {name: format, in: query, schema: {type: string, enum: [json, csv, pdf]}}
      responses:
        200:
          description: the statement (JSON), or the file
          content:
            application/json: {schema: {type: object}}
            text/csv: {schema: {type: string}}
            application/pdf: {schema: {type: string, format: binary}}
        400: {description: "not a month (YYYY-MM), or an unknown format"}
        404: {description: "no such tenant, or a month that has not started"}
    """
    st = load(tenant_id, period)
    fmt = request.args.get("format", "json")
    if fmt == "json":
        return jsonify(as_json(st))
    return file_response(st, fmt)
