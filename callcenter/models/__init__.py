"""Typed SQLAlchemy tables. Nothing here imports Flask."""

from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.call import CALL_STATUSES, TERMINAL_STATUSES, Call
from callcenter.models.compliance import (
    SCRIPT_STATUSES,
    Consent,
    DncEntry,
    LexiconTerm,
    ScreeningRule,
    Script,
)
from callcenter.models.inbox import InboundEvent
from callcenter.models.job import JOB_STATUSES, Job
from callcenter.models.ledger import AuditLog, Hold, LedgerEntry
from callcenter.models.payment import Erasure, Payment, Termination, TerminationLine
from callcenter.models.seat import Arrear, Seat, SeatCharge
from callcenter.models.sms import (
    BATCH_STATUSES,
    FINAL_MESSAGE_STATUSES,
    MESSAGE_STATUSES,
    SmsBatch,
    SmsMessage,
    SmsPacing,
    SmsReply,
)
from callcenter.models.tenant import TENANT_STATUSES, RatePlan, Tenant
from callcenter.models.user import ApiToken, LoginAttempt, User

__all__ = [
    "CALL_STATUSES", "TERMINAL_STATUSES", "Call", "InboundEvent",
    "SCRIPT_STATUSES", "Consent", "DncEntry", "LexiconTerm", "Script", "ScreeningRule",
    "Erasure", "Payment", "Termination", "TerminationLine",
    "JOB_STATUSES", "Job",
    "BATCH_STATUSES", "FINAL_MESSAGE_STATUSES", "MESSAGE_STATUSES", "SmsBatch", "SmsMessage",
    "SmsPacing", "SmsReply",
    "ApiToken", "Arrear", "AuditLog", "Base", "Hold", "LedgerEntry", "LoginAttempt",
    "RatePlan", "Seat", "SeatCharge", "TENANT_STATUSES", "Tenant", "UTCDateTime", "User", "utcnow",
]
