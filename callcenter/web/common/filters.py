"""Jinja filters: money amounts, local times, scripts with their screening hits marked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, request, url_for
from markupsafe import Markup, escape

from callcenter.domain.invoicing import format_rate
from callcenter.domain.money import format_amount
from callcenter.services.mail import delivery


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


def local_time(moment: datetime | None, zone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC moment as wall-clock time in a timezone (the tenant's)."""
    return moment.astimezone(ZoneInfo(zone)).strftime(fmt) if moment else ""


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
    return f"{current_app.jinja_env.filters['money'](micros)} {currency}"


def page_url(page: int) -> str:
    """This page's URL with its query string, at another `page`."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    return url_for(request.endpoint or "", **(request.view_args or {}), **args, page=page)


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.jinja_env.filters["money"] = format_amount
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["tax_rate"] = format_rate
    app.jinja_env.globals["mail_delivery"] = delivery
    app.jinja_env.globals["platform_bank"] = platform_bank
    app.jinja_env.globals["page_url"] = page_url
