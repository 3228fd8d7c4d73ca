"""The texts of the mails the platform sends, in one place (whole sentences with named
placeholders, so they can be translated as they are)."""

from __future__ import annotations

SIGNATURE = "-- callcenter"

LOW_BALANCE_SUBJECT = "Low balance: {name} ({account_code})"
LOW_BALANCE_BODY = """Hello,

The balance of {name} ({account_code}) is {balance} {currency},
below your alert threshold of {threshold} {currency}.

Calls stop when the available funds run out. Top up to keep calling.

You get this message once each time the balance falls below the
threshold; the next one comes only after the balance has been back
above it.
"""

NOTICE_SUBJECT = "Planned maintenance from {starts}"
NOTICE_BODY = """Hello,

We will carry out maintenance from {starts} to {ends} ({timezone}).

Affected services: {services}

{message}
"""
ALL_SERVICES = "all"

STATEMENT_SUBJECT = "Your statement for {period}: {name}"
STATEMENT_BODY = """Hello,

The statement of {name} ({account_code}) for {period} is ready. Amounts in {currency}.

Opening balance: {opening_balance}
Top-ups: {topups}
Refunds: {refunds}
Call charges: {call_charges}
SMS charges: {sms_charges}
Seat rent: {seat_rent}
Late fees: {late_fees}
Adjustments: {adjustments}
Closing balance: {closing_balance}

Calls placed: {placed}, answered: {answered}, billed minutes: {minutes}.

Sign in to download it as PDF or CSV.
"""

PASSWORD_RESET_SUBJECT = "Reset your callcenter password"  # noqa: S105 - a subject
PASSWORD_RESET_BODY = """Hello,

Someone (we hope you) asked to reset the password of {email}.
Open this link within {minutes} minutes to choose a new one:

{link}

The link works once. If you did not ask, ignore this message: your
password stays as it is.
"""  # noqa: S105 - a mail text, not a password


def _signed(body: str) -> str:
    return f"{body}\n{SIGNATURE}\n"


def low_balance(*, name: str, account_code: str, currency: str, balance: str,
                threshold: str) -> tuple[str, str]:
    """Subject and body of the low-balance alert."""
    values = {"name": name, "account_code": account_code, "currency": currency,
              "balance": balance, "threshold": threshold}
    return LOW_BALANCE_SUBJECT.format(**values), _signed(LOW_BALANCE_BODY.format(**values))


def notice(*, starts: str, ends: str, timezone: str, services: list[str],
           message: str) -> tuple[str, str]:
    """Subject and body of a maintenance notice (times already in the tenant's zone)."""
    values = {"starts": starts, "ends": ends, "timezone": timezone, "message": message,
              "services": ", ".join(services) if services else ALL_SERVICES}
    return NOTICE_SUBJECT.format(**values), _signed(NOTICE_BODY.format(**values))


def statement(**values: str) -> tuple[str, str]:
    """Subject and body of the monthly statement (figures as decimal strings)."""
    return STATEMENT_SUBJECT.format(**values), _signed(STATEMENT_BODY.format(**values))


def password_reset(*, email: str, link: str, minutes: int) -> tuple[str, str]:
    """Subject and body of the password-reset mail (the link carries a one-time token)."""
    values = {"email": email, "link": link, "minutes": str(minutes)}
    return PASSWORD_RESET_SUBJECT, _signed(PASSWORD_RESET_BODY.format(**values))
