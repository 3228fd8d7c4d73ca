"""Domain errors. The web layer maps each `code` to an HTTP status in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every business-rule failure; `code` is the contract's error code."""

    code = "error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


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
