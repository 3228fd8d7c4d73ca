"""Typed request inputs: one definition per body gives both its parser and its schema.

A `Body` lists `Field`s; each field's `Kind` (see `kinds.py`) turns a JSON value into a
clean value (micro-units, an Increment, an aware datetime) or raises InvalidInput naming
the field, and carries the JSON schema of what it accepts. A view declares its body with
`accepts` and parses it with `read`; the OpenAPI document is generated from the same
objects, so what is documented is what is parsed. Rules about the values that pages
share with the API (text lengths, states) stay in the services.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app, request

from callcenter.domain.errors import InvalidInput
from callcenter.services import number_lists as lists
from callcenter.web.common.context import json_body

T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., Any])


def invalid(name: str, message: str) -> InvalidInput:
    """InvalidInput about one field."""
    return InvalidInput(message, details={"field": name})


@dataclass(frozen=True)
class Kind:
    """What a field accepts: its JSON schema, and a parser (value, field name) -> value."""

    schema: Mapping[str, Any]
    parse: Callable[[Any, str], Any]


@dataclass(frozen=True)
class Field:
    """One member of a body; absent (or null) means `default`, parsed like a sent value."""

    name: str
    kind: Kind
    required: bool = False
    default: Any = None
    into: str | None = None  # the target's attribute, when it is not `name`
    nullable: bool = False  # in a partial body, null is a value (it clears the setting)
    description: str | None = None

    @property
    def attr(self) -> str:
        return self.into or self.name

    def schema(self) -> dict[str, Any]:
        out = dict(self.kind.schema)
        if self.default is not None:
            out["default"] = self.default
        if self.nullable:
            out["nullable"] = True
        if self.description:
            out["description"] = "; ".join(filter(None, (self.description,
                                                         out.get("description"))))
        return out


@dataclass(frozen=True)
class Body(Generic[T]):
    """A JSON object body parsed into `build(**{field.attr: value})`.

    `strict` refuses fields it does not list (else they are ignored); `partial` (PATCH)
    parses only the fields sent; `optional` takes an empty request body as `{}`;
    `upload` names the field a CSV upload (`file`) may supply instead of JSON.
    """

    name: str
    fields: tuple[Field, ...]
    build: Callable[..., T]
    strict: bool = False
    partial: bool = False
    optional: bool = False
    upload: str | None = None

    def parse(self, data: Mapping[str, Any], *, given: Mapping[str, Any] | None = None,
              path: str = "") -> T:
        """Validate every field before building; `given` holds values parsed elsewhere."""
        if self.strict:
            unknown = sorted(set(data) - {f.name for f in self.fields})
            if unknown:
                raise InvalidInput(f"unknown fields: {', '.join(unknown)}",
                                   details={"fields": unknown})
        values: dict[str, Any] = {}
        for f in self.fields:
            name = path + f.name
            if given and f.name in given:
                values[f.attr] = given[f.name]
            elif self.partial:
                if f.name in data:
                    raw = data[f.name]
                    values[f.attr] = None if raw is None and f.nullable else f.kind.parse(raw,
                                                                                          name)
            elif data.get(f.name) is not None:
                values[f.attr] = f.kind.parse(data[f.name], name)
            elif f.required:
                raise invalid(name, f"{name} is required")
            else:
                values[f.attr] = None if f.default is None else f.kind.parse(f.default, name)
        return self.build(**values)

    def schema(self) -> dict[str, Any]:
        """The JSON schema of the body."""
        out: dict[str, Any] = {"type": "object",
                               "properties": {f.name: f.schema() for f in self.fields}}
        required = [f.name for f in self.fields if f.required]
        if required:
            out["required"] = required
        if self.strict:
            out["additionalProperties"] = False
        return out

    def form_schema(self) -> dict[str, Any]:
        """The multipart form of an upload body: the CSV `file` and the other fields."""
        props: dict[str, Any] = {"file": {"type": "string", "format": "binary",
                                          "description": "CSV with a number column"}}
        props.update((f.name, f.schema()) for f in self.fields if f.name != self.upload)
        return {"type": "object", "required": ["file"], "properties": props}

    def columns(self) -> tuple[str, ...]:
        """The optional CSV columns of an upload: the body's other fields."""
        return tuple(f.name for f in self.fields if f.name != self.upload)


def accepts(body: Body) -> Callable[[V], V]:
    """Declare a view's request body: the OpenAPI document shows it, `read` parses it."""
    def mark(view: V) -> V:
        view.request_body = body  # type: ignore[attr-defined]
        return view

    return mark


def declared_body(view: Callable[..., Any]) -> Body | None:
    """The body a view declared with `accepts`, if any."""
    return getattr(view, "request_body", None)


def read(body: Body[T]) -> T:
    """This request's body parsed by `body`, which the view must declare with `accepts`."""
    if declared_body(current_app.view_functions[request.endpoint or ""]) is not body:
        raise RuntimeError(f"{request.endpoint} reads a body it does not declare")
    upload = request.files.get("file") if body.upload else None
    if upload is not None:
        rows = lists.rows_from_csv(upload.read(), body.columns())
        return body.parse(request.form.to_dict(), given={body.upload: rows})
    if body.optional and not request.data:
        return body.parse({})
    return body.parse(json_body())
