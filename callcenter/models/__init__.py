"""Typed SQLAlchemy tables. Nothing here imports Flask."""

from callcenter.models.auto_topup import AutoTopup
from callcenter.models.base import Base, UTCDateTime, utcnow
from callcenter.models.call import CALL_STATUSES, TERMINAL_STATUSES, Call
from callcenter.models.care import COMPLAINT_KINDS, DISPUTE_STATUSES, Complaint, Dispute
from callcenter.models.compliance import (
    SCRIPT_STATUSES,
    Consent,
    DncEntry,
    LexiconTerm,
    ScreeningRule,
    Script,
)
from callcenter.models.documents import INVOICE_KINDS, CreditNote, DocumentCounter, Invoice
from callcenter.models.inbox import InboundEvent
from callcenter.models.job import JOB_STATUSES, Job
from callcenter.models.ledger import AuditLog, Hold, LedgerEntry
from callcenter.models.payment import Erasure, Payment, Termination, TerminationLine
from callcenter.models.reports import (
    ALERT_KINDS,
    NOTICE_SERVICES,
    Alert,
    Notice,
    NoticeTenant,
    Statement,
)
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
from callcenter.models.user import ApiToken, LoginThrottle, PasswordReset, User
from callcenter.models.webhook import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "CALL_STATUSES", "TERMINAL_STATUSES", "Call", "InboundEvent",
    "COMPLAINT_KINDS", "DISPUTE_STATUSES", "Complaint", "Dispute",
    "SCRIPT_STATUSES", "Consent", "DncEntry", "LexiconTerm", "Script", "ScreeningRule",
    "INVOICE_KINDS", "CreditNote", "DocumentCounter", "Invoice",
    "Erasure", "Payment", "Termination", "TerminationLine",
    "JOB_STATUSES", "Job", "AutoTopup",
    "BATCH_STATUSES", "FINAL_MESSAGE_STATUSES", "MESSAGE_STATUSES", "SmsBatch", "SmsMessage",
    "SmsPacing", "SmsReply",
    "WebhookAttempt", "WebhookDelivery", "WebhookEndpoint", "WebhookEvent",
    "ALERT_KINDS", "NOTICE_SERVICES", "Alert", "Notice", "NoticeTenant", "Statement",
    "ApiToken", "Arrear", "AuditLog", "Base", "Hold", "LedgerEntry", "LoginThrottle",
    "PasswordReset",
    "RatePlan", "Seat", "SeatCharge", "TENANT_STATUSES", "Tenant", "UTCDateTime", "User", "utcnow",
]
