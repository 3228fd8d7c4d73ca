"""The texts of the mails the platform sends, in one place (whole sentences with named
placeholders, so they can be translated as they are).

Mail is written for its RECIPIENT, not for whoever caused it (often nobody: a billing
run, a call): each function takes the recipient's locale (`users.locale`) and reads the
same catalogs as the pages (`locales.translations`). `N_` only marks a text for
`pybabel extract`.
"""

from __future__ import annotations

from callcenter.services import locales


def N_(text: str) -> str:  # noqa: N802 - the gettext marker's conventional name
    return text


SIGNATURE = "-- callcenter"

LOW_BALANCE_SUBJECT = N_("Low balance: {name} ({account_code})")
LOW_BALANCE_BODY = N_("""Hello,

The balance of {name} ({account_code}) is {balance} {currency},
below your alert threshold of {threshold} {currency}.

Calls stop when the available funds run out. Top up to keep calling.

You get this message once each time the balance falls below the
threshold; the next one comes only after the balance has been back
above it.
""")

NOTICE_SUBJECT = N_("Planned maintenance from {starts}")
NOTICE_BODY = N_("""Hello,

We will carry out maintenance from {starts} to {ends} ({timezone}).

Affected services: {services}

{message}
""")
ALL_SERVICES = N_("all")

STATEMENT_SUBJECT = N_("Your statement for {period}: {name}")
STATEMENT_BODY = N_("""Hello,

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
""")

PASSWORD_RESET_SUBJECT = N_("Reset your callcenter password")  # noqa: S105 - a subject
PASSWORD_RESET_BODY = N_("""Hello,

Someone (we hope you) asked to reset the password of {email}.
Open this link within {minutes} minutes to choose a new one:

{link}

The link works once. If you did not ask, ignore this message: your
password stays as it is.
""")  # noqa: S105 - a mail text, not a password


BANK_TRANSFER = N_("""To pay by bank transfer:
Bank: {name}
Account holder: {holder}
Account number: {account}
{swift}Reference: {reference}
""")


# The price items of a price change mail (services/rates.py names them in English).
PRICE_ITEMS = (N_("Calls, per minute"), N_("Billing increment"), N_("Connect fee"),
               N_("SMS, per segment"), N_("Seat, per month"))
# What a dispute became (models.care.DISPUTE_STATUSES).
DISPUTE_STATUSES = {"open": N_("open"), "rejected": N_("rejected"), "credited": N_("credited")}


def _text(locale: str | None, text: str) -> str:
    return locales.translations(locale).gettext(text)


def bank_transfer(config, reference: str, locale: str | None = None) -> str:
    """The platform's bank details (PLATFORM_BANK_*) for a transfer quoting `reference`."""
    swift = config.get("PLATFORM_BANK_SWIFT")
    return _text(locale, BANK_TRANSFER).format(
        name=config.get("PLATFORM_BANK_NAME") or "",
        holder=config.get("PLATFORM_BANK_HOLDER") or "",
        account=config["PLATFORM_BANK_ACCOUNT"],
        swift=f"SWIFT / BIC: {swift}\n" if swift else "", reference=reference)


def _signed(locale: str | None, body: str, values: dict) -> str:
    return f"{_text(locale, body).format(**values)}\n{SIGNATURE}\n"


def low_balance(*, locale: str | None, name: str, account_code: str, currency: str,
                balance: str, threshold: str) -> tuple[str, str]:
    """Subject and body of the low-balance alert."""
    values = {"name": name, "account_code": account_code, "currency": currency,
              "balance": balance, "threshold": threshold}
    return (_text(locale, LOW_BALANCE_SUBJECT).format(**values),
            _signed(locale, LOW_BALANCE_BODY, values))


def notice(*, locale: str | None, starts: str, ends: str, timezone: str, services: list[str],
           message: str) -> tuple[str, str]:
    """Subject and body of a maintenance notice (times already in the tenant's zone)."""
    values = {"starts": starts, "ends": ends, "timezone": timezone, "message": message,
              "services": ", ".join(services) if services else _text(locale, ALL_SERVICES)}
    return (_text(locale, NOTICE_SUBJECT).format(**values),
            _signed(locale, NOTICE_BODY, values))


def statement(*, locale: str | None, **values: str) -> tuple[str, str]:
    """Subject and body of the monthly statement (figures as decimal strings)."""
    return (_text(locale, STATEMENT_SUBJECT).format(**values),
            _signed(locale, STATEMENT_BODY, values))


PRICE_CHANGE_SUBJECT = N_("Your prices change on {effective}: {name}")
PRICE_CHANGE_BODY = N_("""Hello,

The prices of {name} change on {effective} ({timezone}). Amounts in {currency}.

{lines}

Calls and messages authorized before then keep the old prices.
""")


def _item(locale: str | None, item: str) -> str:
    base, sep, prefix = item.partition(": +")
    return _text(locale, base) + sep + prefix


def price_change(*, locale: str | None = None, name: str, currency: str, timezone: str,
                 effective: str, lines: list[tuple[str, str, str]]) -> tuple[str, str]:
    """Subject and body of a price change: (item, old, new) lines side by side."""
    lines = [(_item(locale, item), old, new) for item, old, new in lines]
    width = max(len(item) for item, _, _ in lines)
    table = "\n".join(f"{item.ljust(width)}  {old} -> {new}" for item, old, new in lines)
    values = {"name": name, "currency": currency, "timezone": timezone,
              "effective": effective, "lines": table}
    return (_text(locale, PRICE_CHANGE_SUBJECT).format(**values),
            _signed(locale, PRICE_CHANGE_BODY, values))


DISPUTE_SUBJECT = N_("Your dispute {id} is {status}: {name}")
DISPUTE_BODY = N_("""Hello,

Your dispute {id} of a charge of {disputed} {currency} is {status}.

{credit}Our note: {note}

The dispute and its answer are on the Disputes page.
""")
DISPUTE_CREDIT = N_("We credited {amount} {currency} to your balance.\n\n")


def dispute_resolved(*, locale: str | None = None, id: int, name: str, status: str,
                     disputed: str, currency: str, note: str,
                     credit: str | None) -> tuple[str, str]:
    """Subject and body of a dispute's answer (a credit's amount when there is one)."""
    values = {"id": id, "name": name, "disputed": disputed, "currency": currency,
              "note": note,
              "status": _text(locale, DISPUTE_STATUSES[status])
              if status in DISPUTE_STATUSES else status,
              "credit": _text(locale, DISPUTE_CREDIT).format(amount=credit, currency=currency)
              if credit else ""}
    return (_text(locale, DISPUTE_SUBJECT).format(**values),
            _signed(locale, DISPUTE_BODY, values))


def password_reset(*, locale: str | None = None, email: str, link: str,
                   minutes: int) -> tuple[str, str]:
    """Subject and body of the password-reset mail (the link carries a one-time token)."""
    values = {"email": email, "link": link, "minutes": str(minutes)}
    return (_text(locale, PASSWORD_RESET_SUBJECT),
            _signed(locale, PASSWORD_RESET_BODY, values))
