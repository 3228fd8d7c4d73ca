"""Every JSON request body of the API, as typed inputs.

A view declares its body with `@accepts(BODY)` and parses it with `read(BODY)`; the
OpenAPI document is generated from the same `Body`, so it cannot drift from the code.
Bodies whose use case takes one object build the service's own type (`NewTenant`,
`SettingsChange`); the others build the small dataclasses below. The rate plan's body
is in `web/common/kinds.py`: the admin rate editor parses it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callcenter.domain.sms_text import KINDS, MAX_BODY
from callcenter.integrations.stripe_gateway import METHOD_OPTIONS
from callcenter.models.care import COMPLAINT_KINDS
from callcenter.models.payment import TERMINATION_REASONS
from callcenter.models.reports import NOTICE_SERVICES
from callcenter.services import complaints, disputes, events, notices, seats, sms, tenants, webhooks
from callcenter.services.number_lists import Row
from callcenter.web.common.inputs import Body, Field, Kind, invalid
from callcenter.web.common.kinds import (
    CURRENCY,
    EMAIL,
    INCREMENT,
    MOMENT,
    NUMBERS,
    PASSWORD,
    SCHEDULE,
    SENDER,
    TIMEZONE,
    amount,
    array,
    boolean,
    choice,
    integer,
    number_list,
    percent,
    signed_amount,
    string,
    tax_rate,
    text,
)

NUMBER = string(example="+14155550123")


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str
    name: str | None


@dataclass(frozen=True)
class CallRequest:
    seat_identity: str
    to: str


@dataclass(frozen=True)
class Check:
    to: str
    at: datetime | None


@dataclass(frozen=True)
class NumberBatch:
    rows: list[Row]
    source: str | None = None
    evidence: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ScriptDraft:
    title: str
    text: str


@dataclass(frozen=True)
class Review:
    decision: str
    note: str | None


@dataclass(frozen=True)
class Credit:
    amount: int
    reason: str
    reference: str | None = None


@dataclass(frozen=True)
class Adjustment:
    amount: int
    reason: str


@dataclass(frozen=True)
class Fapiao:
    fapiao_number: str


@dataclass(frozen=True)
class BankTransfer:
    amount: int
    method: str
    reference: str


@dataclass(frozen=True)
class CardTopup:
    amount: int
    method: str = "card"


@dataclass(frozen=True)
class SeatRequest:
    count: int | None
    label: str | None


@dataclass(frozen=True)
class BillingRun:
    as_of: datetime | None


@dataclass(frozen=True)
class SeatAssignment:
    agent_user_id: int | None


@dataclass(frozen=True)
class NewAgent:
    email: str
    password: str


@dataclass(frozen=True)
class AgentChange:
    active: bool | None = None
    password: str | None = None


@dataclass(frozen=True)
class PasswordChange:
    current_password: str
    new_password: str


@dataclass(frozen=True)
class ErasureRequest:
    confirm: bool
    declined_export: bool


@dataclass(frozen=True)
class Reason:
    reason: str


@dataclass(frozen=True)
class TerminationOrder:
    reason: str
    force: bool


@dataclass(frozen=True)
class Note:
    note: str | None


@dataclass(frozen=True)
class LineClosure:
    status: str
    reference: str | None


@dataclass(frozen=True)
class NumberRef:
    number: str


# A phone number in a body, not in the URL path: paths end up in access logs.
NUMBER_REF = Body("NumberRef", (
    Field("number", NUMBER, required=True),
), build=NumberRef)

TOKEN_REQUEST = Body("TokenRequest", (
    Field("email", string(example="owner@example.com"), required=True),
    Field("password", string(fmt="password"), required=True),
    Field("name", string(max_length=100, example="CRM sync"),
          description="a label to recognise the token by"),
), build=Credentials)

CALL_REQUEST = Body("CallRequest", (
    Field("seat_identity", string(min_length=1, example="t000001-1a2b3c4d"), required=True),
    Field("to", NUMBER, required=True),
), build=CallRequest)

NEW_TENANT = Body("NewTenant", (
    Field("name", text(200, example="Acme Outreach"), required=True),
    Field("currency", CURRENCY, required=True),
    Field("timezone", TIMEZONE, required=True),
    Field("owner_email", EMAIL, required=True),
    Field("owner_password", PASSWORD, required=True),
    Field("rate_per_minute", amount(allow_zero=True, example="0.013"), required=True,
          into="rate_per_minute_micros"),
    Field("billing_increment", INCREMENT, default="60/60", into="increment"),
    Field("connect_fee", amount(allow_zero=True, example="0.01"), default="0",
          into="connect_fee_micros"),
    Field("seat_price_monthly", amount(allow_zero=True, example="30.00"), required=True,
          into="seat_price_monthly_micros"),
    Field("billing_period_months", choice(1, 3, 12), default=1),
), build=tenants.NewTenant)

TENANT_SETTINGS = Body("TenantSettings", (
    Field("name", text(200, example="Acme Outreach Ltd")),
    Field("consent_required", boolean(), description="calls need a consent on record"),
    Field("script_required", boolean(), description="calls need an approved script"),
    Field("calling_window", SCHEDULE, nullable=True,
          description="the tenant's own window inside the platform's; null: none"),
    Field("no_calls_on_holidays", boolean()),
    Field("low_balance_threshold", amount(allow_zero=True, example="20.00"),
          into="low_balance_threshold_micros", description="0 turns the alert off"),
    Field("grace_days", integer(0, 90), description="days past due before suspension"),
    Field("caller_id", text(32, example="+14155550100")),
    Field("timezone", TIMEZONE),
    Field("seat_price_monthly", amount(allow_zero=True, example="30.00"),
          into="seat_price_monthly_micros"),
    Field("billing_period_months", choice(1, 3, 12),
          description="only before the account is activated"),
    Field("late_fee_percent_per_day", percent(), into="late_fee_ppm_per_day"),
    Field("auto_terminate_after_days", integer(1, 365), nullable=True,
          description="terminate after this many days suspended; null: never"),
    Field("sms_sender", SENDER, nullable=True,
          description="the tenant's own SMS sender; replies to it are the tenant's; "
                      "null: the platform's TWILIO_SMS_FROM"),
    Field("sms_signature", text(40, example="Acme"), nullable=True,
          description="signature in 【】 at the start of messages to +86; null: the "
                      "tenant's name"),
    Field("sms_opt_out_text", text(100, example="Reply STOP to opt out"), nullable=True,
          description="ends marketing messages outside China; null: the default"),
    Field("sms_opt_out_text_cn", text(40, example="拒收请回复R"), nullable=True,
          description="ends marketing messages to +86; null: the default"),
    Field("tax_rate", tax_rate(), into="tax_rate_ppm",
          description="VAT-style rate on the tenant's invoices; prices include it"),
    Field("legal_name", text(200, example="Acme Outreach Ltd"), nullable=True,
          description="the buyer's name on invoices; null: the tenant's name"),
    Field("tax_id", text(64, example="91310000MA1FL1234X"), nullable=True),
    Field("address", text(500, example="1 Main St, Shanghai"), nullable=True),
    Field("invoice_usage_monthly", boolean(),
          description="invoice each month's usage instead of each payment"),
), build=tenants.SettingsChange, strict=True, partial=True)

REASON = Body("Reason", (
    Field("reason", string(example="abuse report"), required=True),
), build=Reason)

CREDIT = Body("Credit", (
    Field("amount", amount(example="25.00"), required=True),
    Field("reason", text(500, example="outage on 2026-11-02"), required=True),
    Field("reference", text(200, example="notice 12"), nullable=True,
          description="a notice, a dispute or a ticket the credit answers"),
), build=Credit)

ADJUSTMENT = Body("Adjustment", (
    Field("amount", signed_amount(), required=True,
          description="signed; a negative adjustment may take the balance below zero "
                      "when no call or message holds funds"),
    Field("reason", text(500, example="duplicate bank transfer"), required=True),
), build=Adjustment)

FAPIAO = Body("Fapiao", (
    Field("fapiao_number", text(64, example="24312000000012345678"), required=True,
          description="the official fapiao number from the tax system (a correction "
                      "replaces it)"),
), build=Fapiao, strict=True)

BANK_TRANSFER = Body("BankTransfer", (
    Field("amount", amount(example="100.00"), required=True),
    Field("method", choice("bank_transfer"), required=True),
    Field("reference", string(example="BANK-2026-0042"), required=True,
          description="the bank's reference; the top-up is idempotent on it"),
), build=BankTransfer)

CARD_TOPUP = Body("CardTopup", (
    Field("amount", amount(example="100.00"), required=True),
    Field("method", choice(*METHOD_OPTIONS), default="card",
          description="Stripe payment method type; alipay and wechat_pay only in the "
                      "currencies the platform offers them for"),
), build=CardTopup)


def _event_types(value, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise invalid(name, f"{name} must be a non-empty list of event types")
    return value


WEBHOOK_ENDPOINT = Body("WebhookEndpoint", (
    Field("url", string(min_length=1, max_length=2000,
                        example="https://crm.example.com/hooks/callcenter"), required=True,
          description="https in production; must not resolve to a private address"),
    Field("events", Kind({"type": "array", "minItems": 1,
                          "items": {"type": "string", "enum": list(events.EVENT_TYPES)},
                          "example": ["call.settled", "payment.received"]}, _event_types),
          required=True),
), build=webhooks.NewEndpoint)

SEAT_REQUEST = Body("SeatRequest", (
    Field("count", integer(1, seats.MAX_SEATS_PER_REQUEST), description="or a label"),
    Field("label", string(example="Night shift"), description="one seat with this label"),
), build=SeatRequest)

def _assignment(**values) -> SeatAssignment:
    if "agent_user_id" not in values:  # a partial body: null is a value, absence is not
        raise invalid("agent_user_id", "agent_user_id is required (null: nobody)")
    return SeatAssignment(**values)


SEAT_ASSIGNMENT = Body("SeatAssignment", (
    Field("agent_user_id", integer(1, 2**31 - 1), required=True, nullable=True,
          description="one of the tenant's agents; null: nobody"),
), build=_assignment, strict=True, partial=True)

NEW_AGENT = Body("NewAgent", (
    Field("email", EMAIL, required=True),
    Field("password", PASSWORD, required=True, description="the agent's initial password"),
), build=NewAgent)

AGENT_CHANGE = Body("AgentChange", (
    Field("active", boolean(), description="false disables the agent: its sessions and "
                                           "tokens end, its seats are unassigned"),
    Field("password", PASSWORD, description="a new password; the agent's sessions and "
                                            "tokens end"),
), build=AgentChange, strict=True, partial=True)

PASSWORD_CHANGE = Body("PasswordChange", (
    Field("current_password", string(fmt="password"), required=True),
    Field("new_password", PASSWORD, required=True),
), build=PasswordChange)

ERASURE_REQUEST = Body("ErasureRequest", (
    Field("confirm", boolean(), default=False,
          description="owners: true to confirm the erasure, which cannot be undone"),
    Field("declined_export", boolean(), default=False,
          description="owners: true to erase without having downloaded the export"),
), build=ErasureRequest, optional=True)

BILLING_RUN = Body("BillingRun", (
    Field("as_of", MOMENT, description="default now"),
), build=BillingRun, optional=True)

COMPLIANCE_CHECK = Body("ComplianceCheck", (
    Field("to", NUMBER, required=True),
    Field("at", MOMENT, description="default now"),
), build=Check)

CONSENTS = Body("Consents", (
    Field("numbers", NUMBERS, required=True, into="rows"),
    Field("source", string(example="web form"),
          description="where the consent was given; required unless each row has one"),
    Field("evidence", string(example="https://example.com/forms/123")),
), build=NumberBatch, upload="numbers")

DNC_NUMBERS = Body("DncNumbers", (
    Field("numbers", NUMBERS, required=True, into="rows"),
    Field("reason", string(example="asked not to be called")),
), build=NumberBatch, upload="numbers")

NEW_SCRIPT = Body("NewScript", (
    Field("title", string(example="Appointment reminder"), required=True),
    Field("text", string(example="Hello, this is Acme calling about your appointment."),
          required=True),
), build=ScriptDraft)

SCRIPT_REVIEW = Body("ScriptReview", (
    Field("decision", choice("approve", "reject"), required=True),
    Field("note", string(), description="required to reject"),
), build=Review)

TERMINATION = Body("Termination", (
    Field("reason", choice(*TERMINATION_REASONS), required=True),
    Field("force", boolean(), default=False, description="settle stale call holds first"),
), build=TerminationOrder)

TERMINATION_REQUEST = Body("TerminationRequest", (
    Field("note", string(example="We are closing the campaign.")),
), build=Note)

LINE_CLOSURE = Body("LineClosure", (
    Field("status", choice("paid", "waived"), required=True),
    Field("reference", string(example="REFUND-0042"),
          description="the bank's reference; required for a bank refund"),
), build=LineClosure)

NEW_NOTICE = Body("NewNotice", (
    Field("starts_at", MOMENT, required=True),
    Field("ends_at", MOMENT, required=True),
    Field("message", text(2000, example="Our carrier upgrades its switches; calls may "
                                        "drop for up to 10 minutes."), required=True),
    Field("services", array(choice(*NOTICE_SERVICES), max_items=len(NOTICE_SERVICES)),
          description="what is affected; default: everything"),
    Field("tenant_ids", array(integer(1, 2**31 - 1), min_items=1, max_items=10_000),
          description="the tenants concerned; default: every tenant"),
    Field("override_short_notice", boolean(), default=False,
          description="publish even if it starts sooner than MIN_NOTICE_HOURS "
                      "(audited)"),
), build=notices.NoticeDraft)


SMS_BATCH = Body("SmsBatch", (
    Field("to", number_list(sms.MAX_RECIPIENTS), required=True,
          description="recipients; a number listed twice is messaged once"),
    Field("body", string(min_length=1, max_length=MAX_BODY,
                         example="Your appointment is tomorrow at 10:00."), required=True),
    Field("kind", choice(*KINDS), default="marketing",
          description="marketing messages carry the opt-out line"),
), build=sms.NewBatch)


DISPUTE = Body("Dispute", (
    Field("ledger_entry_id", integer(1, 2**63 - 1),
          description="the disputed ledger entry (or give call_id)"),
    Field("call_id", integer(1, 2**31 - 1), description="the call whose charge is disputed"),
    Field("reason", text(disputes.MAX_REASON, example="The call never connected"),
          required=True),
    Field("evidence", text(disputes.MAX_EVIDENCE, example="Carrier trace 4411 shows no answer"),
          description="optional supporting text"),
), build=disputes.NewDispute)

DISPUTE_RESOLUTION = Body("DisputeResolution", (
    Field("decision", choice(*disputes.DECISIONS), required=True),
    Field("amount", amount(example="1.20"), into="amount_micros",
          description="the credit (decision credit only); at most the disputed amount "
                      "unless justification says why"),
    Field("note", text(disputes.MAX_REASON, example="Carrier confirmed the fault"),
          required=True),
    Field("justification", text(disputes.MAX_REASON),
          description="why a credit exceeds the disputed amount"),
), build=disputes.Resolution)

COMPLAINT = Body("Complaint", (
    Field("number", NUMBER, required=True, description="the number that was called"),
    Field("kind", choice(*COMPLAINT_KINDS), required=True),
    Field("note", text(complaints.MAX_NOTE, example="Called three times after asking not to"),
          required=True),
), build=complaints.NewComplaint)
