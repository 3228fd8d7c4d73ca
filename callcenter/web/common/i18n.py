"""Chinese and English: Flask-Babel bound to the app, the locale chosen per request.

The order: the signed-in user's saved setting (`users.locale`), else `?lang=` (remembered
in a cookie) or the cookie, else the browser's `Accept-Language`, else English.
Templates use `_()` / `ngettext()` and `{% trans %}` (Jinja's i18n extension, trimmed);
Python code in `web/` marks strings with `_` (translated now, inside a request) or
`lazy_gettext` (translated when rendered). The catalogs are those of
`services/locales.py` (the same ones the mail uses), found by our codes `en` / `zh_CN`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from babel.support import NullTranslations
from flask import Flask, has_request_context, request
from flask_babel import Babel, Domain, get_locale, gettext, lazy_gettext, ngettext
from flask_login import current_user

from callcenter.services import locales
from callcenter.services.locales import DEFAULT as DEFAULT_LOCALE
from callcenter.services.locales import LOCALES

_ = gettext
__all__ = ["LOCALES", "_", "error_text", "gettext", "lazy_gettext", "ngettext",
           "locale_code", "select_locale", "init_app"]
COOKIE = "lang"


class CatalogDomain(Domain):
    """Flask-Babel's domain with our catalog lookup (`zh_CN`, not `zh_Hans_CN`)."""

    def get_translations(self) -> NullTranslations:
        if not has_request_context():
            return NullTranslations()
        return locales.translations(locale_code())


class CatalogBabel(Babel):
    @property
    def domain_instance(self) -> Domain:
        return _DOMAIN


_DOMAIN = CatalogDomain()
babel = CatalogBabel()


def locale_code() -> str:
    """The request's language as one of LOCALES (English outside a request)."""
    if not has_request_context():
        return DEFAULT_LOCALE
    return locales.normalize(str(get_locale())) or DEFAULT_LOCALE


def error_text(exc: Exception) -> str:
    """A domain error's message for a page, in the reader's language.

    Errors built with `DomainError.of(N_(template), **params)` are translated (the params
    go in as they are); the others keep their English `message`. The API says `message`.
    """
    template = getattr(exc, "template", None)
    message = getattr(exc, "message", None) or str(exc)
    if not template:
        return message
    params = getattr(exc, "params", None) or {}
    try:
        return gettext(template, **params) if params else gettext(template)
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return message


def _user_setting() -> str | None:
    # Machine-facing routes never load the signed-in user just for a language.
    if request.path.startswith(("/api/", "/webhooks/", "/static/")):
        return None
    user = current_user
    if user is None or not user.is_authenticated:
        return None
    return locales.normalize(getattr(user, "locale", None))


def select_locale() -> str:
    """The user's setting, else `?lang=` or the cookie, else `Accept-Language`."""
    chosen = (_user_setting() or locales.normalize(request.args.get("lang"))
              or locales.normalize(request.cookies.get(COOKIE)))
    if chosen:
        return chosen
    for offered, _quality in request.accept_languages:
        found = locales.normalize(offered)
        if found:
            return found
    return DEFAULT_LOCALE


def here_without_lang() -> str:
    """This page's path and query without `lang`: where the language switch returns."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + (f"?{urlencode(args)}" if args else "")


def remember(response, code: str):
    """Keep a language chosen without signing in (or before) in a cookie for a year."""
    from flask import current_app

    response.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    return response


def init_app(app: Flask) -> None:
    """Bind Babel (catalogs from `translations/`, trimmed `{% trans %}` blocks)."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(locales.TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(get_locale=get_locale, locale_code=locale_code,
                                 LANGUAGES=locales.NAMES, here_without_lang=here_without_lang)

    @app.after_request
    def remember_language(response):
        req = request._get_current_object()  # once: every request runs this (hot path)
        # Without a query string there is no `lang` (and nothing to parse).
        asked = locales.normalize(req.args.get("lang")) if req.query_string else None
        if asked and req.cookies.get(COOKIE) != asked:
            remember(response, asked)
        return response
