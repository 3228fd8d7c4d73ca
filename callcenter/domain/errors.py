"""Domain errors. The web layer maps each `code` to an HTTP status in one place.

`message` is English (the API's JSON says it). An error built with `Error.of(N_("... %(x)s"),
x=...)` also keeps its `template` and `params`, so the pages can show it in the reader's
language (`web/common/i18n.error_text`): `N_` only marks the template for `make extract`,
it translates nothing (no Flask, no locale, below `web/`).
"""

from __future__ import annotations

from typing import Any, Self


def N_(template: str) -> str:  # noqa: N802 - the gettext convention for a no-op marker
    """Mark a message template for extraction; the web layer translates it."""
    return template


class DomainError(Exception):
    """Base of every business-rule failure; `code` is the contract's error code."""

    code = "error"

    def __init__(self, message: str, *, details: dict | None = None,
                 template: str | None = None, params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.template = template
        self.params = dict(params or {})

    @classmethod
    def of(cls, template: str, /, *, details: dict | None = None, **params: Any) -> Self:
        """The error whose English message is `template % params`, translatable on pages."""
        message = template % params if params else template
        return cls(message, details=details, template=template, params=params)


class InvalidInput(DomainError):
    """The caller sent something malformed; nothing was changed."""

    code = "invalid_input"


class NotFound(DomainError):
    """No such resource, or not one the caller may see."""

    code = "not_found"


class Forbidden(DomainError):
    """Authenticated, but the role does not allow this."""

    code = "forbidden"


class Unauthorized(DomainError):
    """Missing or bad credentials."""

    code = "unauthorized"


class RateLimited(DomainError):
    """Too many attempts; try again later."""

    code = "rate_limited"


class InsufficientFunds(DomainError):
    """The tenant's available funds do not cover the operation."""

    code = "insufficient_funds"


class Conflict(DomainError):
    """The request conflicts with existing state (e.g. a reused idempotency key)."""

    code = "conflict"


class IdempotencyConflict(Conflict):
    """The same idempotency key was used before with a different amount or kind."""

    code = "idempotency_conflict"


class InvalidState(Conflict):
    """The resource is not in a state that allows this operation."""

    code = "invalid_state"


class ShortNotice(Conflict):
    """Maintenance scheduled sooner than the least advance notice, without the override."""

    code = "short_notice"


class ContentProhibited(DomainError):
    """Content screening refused the text (an SMS body): nothing was sent."""

    code = "content_prohibited"


class NotConfigured(DomainError):
    """The platform lacks the settings this needs (SMS without a sender or Twilio)."""

    code = "not_configured"
