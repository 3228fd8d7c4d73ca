"""Jinja filters: money amounts and local times formatted for the reader's locale, scripts
with their screening hits marked. CSV, JSON and form values never go through these: they
keep machine formats (`format_amount`, ISO 8601)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from callcenter.domain.invoicing import format_rate
from callcenter.domain.money import MICROS, format_amount
from callcenter.services import locales
from callcenter.services.mail import delivery
from callcenter.web.common.i18n import locale_code

CENTS = Decimal("0.01")


def highlight(text: str, hits: list[dict]) -> Markup:
    """`text` with each hit's span wrapped in <mark title="category">; overlaps merged."""
    spans = sorted((h["start"], h["end"], h["category"]) for h in hits or [])
    out, pos = [], 0
    for start, end, category in spans:
        if end <= pos:
            continue
        start = max(start, pos)
        out.append(escape(text[pos:start]))
        out.append(Markup('<mark title="{}">{}</mark>').format(category, text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def money(micros: int | None, precise: bool = False, locale: str | None = None) -> str:
    """An amount for reading: the locale's separators, 2 decimals (rounded half up), or
    every significant decimal up to 6 with `precise` (rates, prices per minute)."""
    if micros is None:
        return ""
    value = Decimal(micros) / MICROS
    code = locale or locale_code()
    if precise:
        return format_decimal(value, "#,##0.00####", locale=locales.babel_locale(code))
    return format_decimal(value.quantize(CENTS, ROUND_HALF_UP), "#,##0.00",
                          locale=locales.babel_locale(code))


def local_time(moment: datetime | None, zone: str, fmt: str | None = None,
               locale: str | None = None) -> str:
    """A UTC moment as wall-clock time in a timezone (the tenant's), in the locale's
    pattern; with `fmt`, a strftime format (for machine-readable output)."""
    if moment is None:
        return ""
    if fmt is not None:
        return moment.astimezone(ZoneInfo(zone)).strftime(fmt)
    code = locales.normalize(locale) or locale_code()
    return format_datetime(moment, locales.DATETIME_PATTERNS[code], tzinfo=ZoneInfo(zone),
                           locale=locales.babel_locale(code))


def local_date(day: date | datetime | None, locale: str | None = None) -> str:
    """A calendar date in the locale's pattern."""
    if day is None:
        return ""
    code = locales.normalize(locale) or locale_code()
    return format_date(day, locales.DATE_PATTERNS[code], locale=locales.babel_locale(code))


def platform_bank() -> dict | None:
    """The platform's bank details from PLATFORM_BANK_*, or None when not configured."""
    cfg = current_app.config
    if not cfg.get("PLATFORM_BANK_ACCOUNT"):
        return None
    return {"name": cfg.get("PLATFORM_BANK_NAME") or "", "account": cfg["PLATFORM_BANK_ACCOUNT"],
            "holder": cfg.get("PLATFORM_BANK_HOLDER") or "",
            "swift": cfg.get("PLATFORM_BANK_SWIFT") or ""}


def money_text(micros: int, currency: str) -> str:
    """An amount as the pages print it: the app's `money` filter (locale-aware) and the
    currency; for Python code under web/ that builds text for a page."""
    return f"{money(micros, precise=True)} {currency}"


def page_url(page: int) -> str:
    """This page's URL with its query string, at another `page`."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, page=page)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["amount"] = format_amount  # form values: parsed back as typed
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["tax_rate"] = format_rate
    app.jinja_env.globals["mail_delivery"] = delivery
    app.jinja_env.globals["platform_bank"] = platform_bank
    app.jinja_env.globals["page_url"] = page_url
