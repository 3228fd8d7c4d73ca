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
Adjustments: {adjustments}
Closing balance: {closing_balance}

Calls placed: {placed}, answered: {answered}, billed minutes: {minutes}.

Sign in to download it as PDF or CSV.
""")


def _text(locale: str | None, text: str) -> str:
    return locales.translations(locale).gettext(text)


def _signed(locale: str | None, body: str, values: dict[str, str]) -> str:
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
