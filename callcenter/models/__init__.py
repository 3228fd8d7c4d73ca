"""Typed SQLAlchemy tables. Nothing here imports Flask."""

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.ledger import AuditLog, Hold, LedgerEntry
from callcenter.models.seat import Arrear, Seat, SeatCharge
from callcenter.models.tenant import TENANT_STATUSES, RatePlan, Tenant
from callcenter.models.user import ApiToken, LoginAttempt, User

__all__ = [
    "ApiToken", "Arrear", "AuditLog", "Base", "Hold", "LedgerEntry", "LoginAttempt",
    "RatePlan", "Seat", "SeatCharge", "TENANT_STATUSES", "Tenant", "UTCDateTime", "User", "utcnow",
]
