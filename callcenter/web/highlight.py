"""Render a script with its screening hits marked, safely escaped."""

from __future__ import annotations

from markupsafe import Markup, escape


def highlight(text: str, hits: list[dict]) -> Markup:
    """`text` with each hit's span wrapped in <mark title="category">; overlaps merged."""
    spans = sorted((h["start"], h["end"], h["category"]) for h in hits or [])
    out, pos = [], 0
    for start, end, category in spans:
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(category, text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
