"""Chinese and English: Flask-Babel bound to the app, the locale chosen per request.

Templates use `_()` / `ngettext()` (Jinja's i18n extension, installed by Flask-Babel);
Python code in `web/` marks strings with `_` (translated now, inside a request) or
`lazy_gettext` (translated when rendered). Catalogs live in `translations/`, extracted
with `babel.cfg`; `tests/test_i18n.py` fails on a missing or fuzzy entry.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext

LOCALES = ("en", "zh_CN")
DEFAULT_LOCALE = "en"

babel = Babel()

_ = gettext
__all__ = ["LOCALES", "_", "gettext", "lazy_gettext", "ngettext", "select_locale", "init_app"]


def select_locale() -> str:
    """`?lang=` (remembered in a cookie), else the cookie, else `Accept-Language`."""
    asked = request.args.get("lang") or request.cookies.get("lang")
    if asked in LOCALES:
        return asked
    if asked == "zh":
        return "zh_CN"
    offered = ["en", "zh_CN", "zh-CN", "zh"]
    best = request.accept_languages.best_match(offered, default=DEFAULT_LOCALE)
    return "zh_CN" if best.lower().startswith("zh") else "en"


def init_app(app: Flask) -> None:
    """Bind Babel; catalogs come from `<root>/translations`."""
    from pathlib import Path

    root = Path(app.root_path).parent
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(root / "translations"))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    @app.after_request
    def remember_language(response):
        asked = request.args.get("lang")
        if asked in LOCALES and request.cookies.get("lang") != asked:
            response.set_cookie("lang", asked, max_age=365 * 86400, samesite="Lax",
                                secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return response
