"""The two languages of the platform and their catalogs, without Flask.

Pages (through Flask-Babel, `web/common/i18n.py`) and mail (rendered for the recipient,
`mail_texts.py`) load the same catalogs from `translations/<code>/LC_MESSAGES/`. The
codes are ours (`en`, `zh_CN`): Babel parses `zh_CN` as `zh_Hans_CN`, a name gettext
would never look up as the `zh_CN` directory, so catalogs are found by our code and
formatting uses the Babel locale it stands for.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = ("en", "zh_CN")
DEFAULT = "en"
NAMES = {"en": "English", "zh_CN": "简体中文"}
DOMAIN = "messages"
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def normalize(code: str | None) -> str | None:
    """One of LOCALES for a code people or browsers send (`zh`, `zh-CN`, `zh_Hans_CN`,
    `en-GB`...), else None."""
    if not code:
        return None
    code = code.strip().replace("-", "_")
    lang = code.split("_", 1)[0].lower()
    if lang == "zh" and "hant" not in code.lower() and not code.upper().endswith(("_TW", "_HK")):
        return "zh_CN"
    if lang == "en":
        return "en"
    return None


def babel_locale(code: str | None) -> Locale:
    """The Babel locale that formats numbers and dates for one of our codes."""
    return Locale.parse(normalize(code) or DEFAULT)


@lru_cache(maxsize=8)
def translations(code: str | None) -> NullTranslations:
    """The catalog of one of our codes: the compiled `.mo` (`make translations`) when it
    is at least as new as the `.po`, else compiled from the `.po` in memory (so a fresh
    checkout works before the build step); English strings if there is no catalog."""
    code = normalize(code) or DEFAULT
    folder = TRANSLATIONS / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=code)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


# Dates and times people read (CSV, JSON and form values keep ISO 8601). English keeps
# the ISO order operators and their tenants read without doubt (no 03/04 riddles).
DATETIME_PATTERNS = {"en": "yyyy-MM-dd HH:mm", "zh_CN": "yyyy年M月d日 HH:mm"}
DATE_PATTERNS = {"en": "yyyy-MM-dd", "zh_CN": "yyyy年M月d日"}
