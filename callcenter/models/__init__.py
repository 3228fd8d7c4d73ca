"""Typed SQLAlchemy tables. Nothing here imports Flask."""

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.call import CALL_STATUSES, TERMINAL_STATUSES, Call, ProviderEvent
from callcenter.models.compliance import (
    SCRIPT_STATUSES,
    Consent,
    DncEntry,
    LexiconTerm,
    ScreeningRule,
    Script,
)
from callcenter.models.ledger import AuditLog, Hold, LedgerEntry
from callcenter.models.payment import (
    Erasure,
    Payment,
    StripeEvent,
    Termination,
    TerminationLine,
)
from callcenter.models.seat import Arrear, Seat, SeatCharge
from callcenter.models.tenant import TENANT_STATUSES, RatePlan, Tenant
from callcenter.models.user import ApiToken, LoginAttempt, User

__all__ = [
    "CALL_STATUSES", "TERMINAL_STATUSES", "Call", "ProviderEvent",
    "SCRIPT_STATUSES", "Consent", "DncEntry", "LexiconTerm", "Script", "ScreeningRule",
    "Erasure", "Payment", "StripeEvent", "Termination", "TerminationLine",
    "ApiToken", "Arrear", "AuditLog", "Base", "Hold", "LedgerEntry", "LoginAttempt",
    "RatePlan", "Seat", "SeatCharge", "TENANT_STATUSES", "Tenant", "UTCDateTime", "User", "utcnow",
]
