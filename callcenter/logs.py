"""Logs: one JSON object per line, with secrets and personal data taken out of every record.

Whatever a library logs (SQLAlchemy's statements and rows at DEBUG, Werkzeug's request
lines, gunicorn's errors, a traceback whose database error quotes the row it refused)
passes through `RedactingFilter` on the handler, so no log line carries a phone number
(E.164 or national), an email address, a bearer token, a Stripe or Twilio secret, a card
number or a database error's DETAIL text. The settings' own secrets are removed verbatim
(`add_secrets`). Erasure cannot reach a log file: what is not written needs no erasing.

`configure()` installs the handler on the root logger (the app does so when nothing else
has configured logging); `gunicorn.conf.py` puts the same formatter and filter on
gunicorn's handlers and sends the app's records to gunicorn's error log.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

# The request being served (set by the web layer), stamped on every record it logs.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)

_SECRETS: set[str] = set()
_SECRET_MIN = 8  # shorter settings are not secrets worth a search in every line

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # A database error's DETAIL (and PostgreSQL's other context lines) quote row values.
    (re.compile(r"(?m)\b(DETAIL|HINT|CONTEXT|WHERE):[^\n]*"), r"\1: [redacted]"),
    (re.compile(r"(?i)\b(bearer|basic|token)(\s+|=|:\s*)[A-Za-z0-9._~+/=-]{8,}"),
     r"\1\2[redacted]"),
    (re.compile(r"\bcc_[A-Za-z0-9_-]{16,}"), "[token]"),  # our API tokens
    (re.compile(r"\b(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9]+"), "[stripe-key]"),
    (re.compile(r"\bwhsec_[A-Za-z0-9]+"), "[stripe-key]"),
    (re.compile(r"\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"), "[client-secret]"),
    (re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
]
# Digits that could be a full phone or card number: at least 8 digits, alone or in groups
# joined by spaces, dots, dashes or parentheses (`+44 20 7946 0123`, `(020) 7946-0123`,
# `%2B442079460123`), not an ISO date, not an IPv4 address and not part of a word.
_NUMBER = re.compile(
    r"(?<![\w.])(?:\+|%2[Bb]|00)?(?!\d{4}-\d\d-\d\d)(?!\d{1,3}(?:\.\d{1,3}){3}(?![\d.]))"
    r"\(?\d(?:[\s.()-]{0,2}\d){6,}(?![\w])")
_NUMBER_DIGITS = 8


def add_secrets(values) -> None:
    """Remember setting values (tokens, keys, passwords) to remove from every line."""
    for value in values:
        if isinstance(value, str) and len(value) >= _SECRET_MIN:
            _SECRETS.add(value)
    _redact_known.cache_clear()  # its answers were computed without these secrets


def redact(text: str) -> str:
    """`text` without secrets, tokens, emails, DETAIL lines and phone or card numbers."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, "[secret]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _NUMBER.sub(_number, text)


@functools.lru_cache(maxsize=1024)
def _redact_known(text: str) -> str:
    """`redact(text)`, remembered: for the few values a record marks as `known`."""
    return redact(text)


def _number(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group(0))
    return "[number]" if digits >= _NUMBER_DIGITS else match.group(0)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack in place, redacted.

    A record may name in `known` the fields (and "message") whose values come from a small
    set the code chose (route templates, endpoint names, standard methods): their
    redaction is the same as ever, remembered per value instead of recomputed per line.
    Free text is never remembered.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: keep the template, never its arguments
            message = str(record.msg)
        known = getattr(record, "known", ())
        record.msg = _redact_known(message) if "message" in known else redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {k: (_redact_known(v) if k in known else redact(v))
                             if isinstance(v, str) else v for k, v in fields.items()}
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        record._redacted = True
        return True


# json.dumps(line, ensure_ascii=False, default=str) builds this encoder for every call.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return _JSON.encode(line)


def handler(stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler (stderr by default) writing redacted JSON lines."""
    found = logging.StreamHandler(stream or sys.stderr)
    found.setFormatter(JsonFormatter())
    found.addFilter(RedactingFilter())
    return found


def configure(level: str | int = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every logger's records to one redacted JSON handler on the root logger."""
    root = logging.getLogger()
    installed = handler(stream)
    root.addHandler(installed)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    return installed


def protect(log_handler: logging.Handler, *, json_lines: bool = True) -> None:
    """Give an existing handler (gunicorn's) the redaction and, by default, JSON lines."""
    if not any(isinstance(f, RedactingFilter) for f in log_handler.filters):
        log_handler.addFilter(RedactingFilter())
    if json_lines:
        log_handler.setFormatter(JsonFormatter())
