"""Bulk number input shared by consent and do-not-call lists: parse, classify, report."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from callcenter.domain.errors import InvalidInput
from callcenter.domain.phone import InvalidNumber, normalize_number
from callcenter.domain.untrusted import bad_characters

MAX_ROWS = 20_000


@dataclass
class Row:
    """One input row and what became of it."""

    row: int
    input: str
    number: str | None = None
    status: str = "valid"  # valid / duplicate / invalid
    reason: str | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, "input": self.input, "number": self.number,
                "status": self.status, "reason": self.reason}


def rows_from_numbers(numbers: object, start: int = 1) -> list[Row]:
    """A JSON list of number strings as rows (bad entries become invalid rows)."""
    if not isinstance(numbers, list) or not numbers:
        raise InvalidInput("numbers must be a non-empty list", details={"field": "numbers"})
    if len(numbers) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} numbers per request")
    return [Row(i + start, value if isinstance(value, str) else repr(value))
            for i, value in enumerate(numbers)]


def rows_from_csv(data: bytes, columns: tuple[str, ...]) -> list[Row]:
    """CSV with a header naming `number` (and optional `columns`), or bare numbers."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the file must be UTF-8 CSV") from exc
    if bad_characters(text):
        raise InvalidInput("the file contains control characters")
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        raise InvalidInput("the file is empty")
    header = [h.strip().lower() for h in lines[0]]
    has_header = "number" in header
    index = header.index("number") if has_header else 0
    body = lines[1:] if has_header else lines
    if len(body) > MAX_ROWS:
        raise InvalidInput(f"at most {MAX_ROWS} rows per file")
    rows = []
    for n, cells in enumerate(body, start=2 if has_header else 1):
        if not any(c.strip() for c in cells):
            continue
        row = Row(n, cells[index].strip() if index < len(cells) else "")
        if has_header:
            row.extra = {c: cells[header.index(c)].strip() for c in columns
                         if c in header and header.index(c) < len(cells)}
        rows.append(row)
    if not rows:
        raise InvalidInput("the file has no rows")
    return rows


def normalize_rows(rows: list[Row], default_region: str | None = None) -> list[Row]:
    """Normalize to E.164; mark invalid numbers and repeats within the input."""
    seen: set[str] = set()
    for row in rows:
        try:
            row.number = normalize_number(row.input, default_region)
        except InvalidNumber as exc:
            row.status, row.reason = "invalid", str(exc)
            continue
        if row.number in seen:
            row.status, row.reason = "duplicate", "repeated in this input"
        seen.add(row.number)
    return rows


def summary(rows: list[Row]) -> dict:
    """Counts per status plus every row's outcome."""
    counts = {"valid": 0, "duplicate": 0, "invalid": 0}
    for row in rows:
        counts[row.status] += 1
    return {**counts, "rows": [r.as_dict() for r in rows]}
