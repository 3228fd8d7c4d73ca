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
Service credits: {credits}
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


BANK_TRANSFER = """To pay by bank transfer:
Bank: {name}
Account holder: {holder}
Account number: {account}
{swift}Reference: {reference}
"""


def bank_transfer(config, reference: str) -> str:
    """The platform's bank details (PLATFORM_BANK_*) for a transfer quoting `reference`."""
    swift = config.get("PLATFORM_BANK_SWIFT")
    return BANK_TRANSFER.format(name=config.get("PLATFORM_BANK_NAME") or "",
                                holder=config.get("PLATFORM_BANK_HOLDER") or "",
                                account=config["PLATFORM_BANK_ACCOUNT"],
                                swift=f"SWIFT / BIC: {swift}\n" if swift else "",
                                reference=reference)


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


PRICE_CHANGE_SUBJECT = "Your prices change on {effective}: {name}"
PRICE_CHANGE_BODY = """Hello,

The prices of {name} change on {effective} ({timezone}). Amounts in {currency}.

{lines}

Calls and messages authorized before then keep the old prices.
"""


def price_change(*, name: str, currency: str, timezone: str, effective: str,
                 lines: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Subject and body of a price change: (item, old, new) lines side by side."""
    width = max(len(item) for item, _, _ in lines)
    table = "\n".join(f"{item.ljust(width)}  {old} -> {new}" for item, old, new in lines)
    values = {"name": name, "currency": currency, "timezone": timezone,
              "effective": effective, "lines": table}
    return (PRICE_CHANGE_SUBJECT.format(**values),
            _signed(PRICE_CHANGE_BODY.format(**values)))


DISPUTE_SUBJECT = "Your dispute {id} is {status}: {name}"
DISPUTE_BODY = """Hello,

Your dispute {id} of a charge of {disputed} {currency} is {status}.

{credit}Our note: {note}

The dispute and its answer are on the Disputes page.
"""
DISPUTE_CREDIT = "We credited {amount} {currency} to your balance.\n\n"


def dispute_resolved(*, id: int, name: str, status: str, disputed: str, currency: str,
                     note: str, credit: str | None) -> tuple[str, str]:
    """Subject and body of a dispute's answer (a credit's amount when there is one)."""
    values = {"id": id, "name": name, "status": status, "disputed": disputed,
              "currency": currency, "note": note,
              "credit": DISPUTE_CREDIT.format(amount=credit, currency=currency)
              if credit else ""}
    return DISPUTE_SUBJECT.format(**values), _signed(DISPUTE_BODY.format(**values))


def password_reset(*, email: str, link: str, minutes: int) -> tuple[str, str]:
    """Subject and body of the password-reset mail (the link carries a one-time token)."""
    values = {"email": email, "link": link, "minutes": str(minutes)}
    return PASSWORD_RESET_SUBJECT, _signed(PASSWORD_RESET_BODY.format(**values))
