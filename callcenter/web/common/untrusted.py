"""Hostile input refused for every route at once, before any view runs.

- JSON bodies are parsed strictly (`domain.untrusted.strict_json`): duplicate keys,
  nesting deeper than 32 levels and control characters in any string are a 400.
- A JSON body labelled with a charset other than UTF-8 is a 415: we would read it as
  UTF-8 whatever it says, so what the caller meant and what we read could differ.
- `<int:...>` in a URL takes ASCII digits only, and an id beyond the 32-bit id columns
  is a 400 (not a database error).
- Control characters in the path, the query string or a form field are a 400.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, UnsupportedMediaType
from werkzeug.routing import IntegerConverter

from callcenter.domain.errors import InvalidInput
from callcenter.domain.untrusted import MAX_ID, bad_characters, strict_json

UTF8 = {"utf-8", "utf8"}


class StrictJSONProvider(DefaultJSONProvider):
    """`request.get_json()` everywhere: duplicate keys, deep nesting and control
    characters raise InvalidInput (a 400 that names the reason, even when parsed silently)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if kwargs:
            return super().loads(s, **kwargs)
        return strict_json(s)


class InvalidId(BadRequest):
    """An id in the URL beyond the id columns' range."""

    name = "Invalid Input"  # the JSON error code: invalid_input, as for bodies


class IdConverter(IntegerConverter):
    """`<int:...>`: ASCII digits (`\\d` would take other scripts' digits), at most MAX_ID."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise InvalidId(f"{value[:20]} is not a valid id")
        return number


def _refuse_control_characters() -> None:
    req = request._get_current_object()  # once: every request runs this (hot path)
    query = req.query_string
    if bad_characters(req.path) or (query and bad_characters(query.decode("utf-8",
                                                                          "replace"))):
        raise InvalidInput("the URL contains control characters")
    if query and any(bad_characters(value) for value in req.args.values()):
        raise InvalidInput("a query parameter contains control characters")
    if req.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields = req.form.items(multi=True)
        # One search over every name and value (joined by a newline, which is allowed);
        # only a form holding a forbidden character is walked to name the first field.
        # (A multipart part may come without a usable name: werkzeug gives None.)
        if not bad_characters("\n".join(part or "" for part in chain.from_iterable(fields))):
            return
        for name, value in req.form.items(multi=True):
            field = (name or "")[:40]
            if bad_characters(name or "") or bad_characters(value or ""):
                raise InvalidInput(f"{field} contains control characters",
                                   details={"field": field})


def _refuse_mislabelled_json() -> None:
    if request.is_json:
        charset = request.mimetype_params.get("charset")
        if charset is not None and charset.lower() not in UTF8:
            raise UnsupportedMediaType("JSON bodies must be UTF-8 (charset=utf-8 or none)")


def init_app(app: Flask) -> None:
    """Install the strict JSON parser, the id converter and the request checks."""
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_hostile_input() -> None:
        _refuse_mislabelled_json()
        _refuse_control_characters()
