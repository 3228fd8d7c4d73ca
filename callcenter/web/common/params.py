"""Query-string and body parameters shared by API views and pages."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import request

from callcenter.domain.errors import InvalidInput
from callcenter.domain.untrusted import MAX_ID, MAX_OFFSET, ascii_digits
from callcenter.web.common.i18n import _


def _cursor() -> int | None:
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        value = base64.urlsafe_b64decode(raw.encode() + b"==").decode()
    except (binascii.Error, UnicodeDecodeError):
        value = ""
    if not ascii_digits(value) or int(value) > MAX_ID:
        raise InvalidInput("cursor is not valid", details={"field": "cursor"})
    return int(value)


def _limit() -> int:
    raw = request.args.get("limit", "50")
    if not ascii_digits(raw) or not 1 <= int(raw) <= 200:
        raise InvalidInput("limit must be from 1 to 200", details={"field": "limit"})
    return int(raw)


def page_args() -> tuple[int | None, int]:
    """(before_id, limit) from `cursor` and `limit` (cursor pages, newest first)."""
    return _cursor(), _limit()


def next_cursor(rows: list, limit: int) -> str | None:
    """The cursor of the page after `rows[:limit]`, if `rows` has more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    if not hasattr(last, "id"):  # (object, extra) rows page by their object
        last = last[0]
    return base64.urlsafe_b64encode(str(last.id).encode()).decode().rstrip("=")


def cursor_page(fetch, to_json) -> dict:
    """One cursor page: `fetch(before_id, limit)` asked for one row more than the page, so
    the next cursor is known; `{items, next_cursor}` with each row through `to_json`."""
    before, limit = page_args()
    rows = fetch(before, limit + 1)
    return {"items": [to_json(row) for row in rows[:limit]],
            "next_cursor": next_cursor(rows, limit)}


def list_window() -> tuple[int, int]:
    """(offset, limit) of an offset page: limit 1 to 5000, default 1000."""
    offset, limit = request.args.get("offset", "0"), request.args.get("limit", "1000")
    if not ascii_digits(offset) or not ascii_digits(limit) or int(offset) > MAX_OFFSET \
            or not 1 <= int(limit) <= 5000:
        raise InvalidInput(f"offset must be 0 to {MAX_OFFSET} and limit 1 to 5000")
    return int(offset), int(limit)


def offset_page(rows: list, offset: int, limit: int, shape) -> dict:
    """`{items, next_offset}` from `limit + 1` fetched rows."""
    return {"items": [shape(r) for r in rows[:limit]],
            "next_offset": offset + limit if len(rows) > limit else None}


def page_number() -> int:
    """The `page` of a paged list (1 if absent or not a sensible number)."""
    raw = request.args.get("page", "1")
    if not ascii_digits(raw) or not 1 <= int(raw) <= 100_000:
        return 1
    return int(raw)


def date_range(zone: str) -> tuple[date | None, date | None, datetime | None,
                                   datetime | None]:
    """`from` and `to` (local calendar days, inclusive) and the UTC moments bounding them."""
    def day(name: str) -> date | None:
        value = request.args.get(name) or None
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(_("Enter a date like 2026-03-01."),
                               details={"field": name}) from exc

    first, last = day("from"), day("to")
    tz = ZoneInfo(zone)
    since = datetime.combine(first, time(), tz).astimezone(UTC) if first else None
    until = (datetime.combine(last + timedelta(days=1), time(), tz).astimezone(UTC)
             if last else None)
    return first, last, since, until
