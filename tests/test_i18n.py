"""Both catalogs are complete and current: every string the templates and views mark is
in `messages.pot` (re-extracted here with `babel.cfg`), translated in `zh_CN`, present in
`en` (whose msgstr is its msgid, by design), never fuzzy, and with the same placeholders
and markup as its msgid. The `zh_CN` directory is what a `zh-CN` request loads."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from callcenter.services import locales

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
# The options of `make extract`: keep them the same.
EXTRACT = ["-F", "babel.cfg", "--no-location", "--sort-output", "--no-wrap",
           "--project", "callcenter", "-k", "lazy_gettext", "-k", "_l"]
PERCENT = re.compile(r"%\((\w+)\)[sd]")
BRACES = re.compile(r"\{(\w+)\}")
TAGS = re.compile(r"</?[a-z]+\b")


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _forms(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def test_the_pot_holds_every_marked_string(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", *EXTRACT,
                    "-o", str(fresh), "."], cwd=ROOT, check=True, capture_output=True)
    extracted, committed = _ids(_catalog(fresh)), _ids(_catalog(TRANSLATIONS / "messages.pot"))
    assert sorted(map(str, extracted - committed)) == [], "run `make extract` and translate"
    assert sorted(map(str, committed - extracted)) == [], "stale entries: run `make extract`"
    assert len(extracted) > 500


@pytest.mark.parametrize("locale", locales.LOCALES)
def test_each_catalog_translates_every_entry_without_fuzzy_ones(locale):
    pot = _catalog(TRANSLATIONS / "messages.pot")
    po = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    assert _ids(pot) - _ids(po) == set(), "missing entries: run `make extract`"
    assert _ids(po) - _ids(pot) == set(), "obsolete entries: run `make extract`"
    fuzzy = [m.id for m in po if m.id and m.fuzzy]
    empty = [m.id for m in po if m.id and not all(_strings(m))]
    assert fuzzy == [] and empty == []
    assert not po.obsolete


def test_the_english_catalog_says_the_msgids():
    po = _catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", "en")
    wrong = [m.id for m in po if m.id and _strings(m) != _forms(m)]
    assert wrong == []


@pytest.mark.parametrize("locale", locales.LOCALES)
def test_translations_keep_the_placeholders_and_markup(locale):
    po = _catalog(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    bad = []
    for m in po:
        if not m.id:
            continue
        wanted = [(sorted(set(PERCENT.findall(f))), sorted(set(BRACES.findall(f))),
                   sorted(TAGS.findall(f))) for f in _forms(m)]
        for string in _strings(m):
            got = (sorted(set(PERCENT.findall(string))), sorted(set(BRACES.findall(string))),
                   sorted(TAGS.findall(string)))
            # Chinese has one plural form: it may use either English form's placeholders.
            if got not in wanted:
                bad.append((m.id, string))
    assert bad == []


def test_a_plural_with_the_count_keeps_it_in_chinese():
    po = _catalog(TRANSLATIONS / "zh_CN" / "LC_MESSAGES" / "messages.po", "zh_CN")
    for m in po:
        if m.id and isinstance(m.id, tuple):
            counts = set(PERCENT.findall(m.id[1]))
            assert counts <= set(PERCENT.findall(m.string[0])), m.id


def test_the_zh_CN_directory_is_the_catalog_of_a_zh_request():
    # Babel reads zh_CN as zh_Hans_CN, which gettext alone would never find as zh_CN/.
    assert locales.normalize("zh_Hans_CN") == "zh_CN"
    assert locales.normalize("zh-cn") == "zh_CN" and locales.normalize("zh") == "zh_CN"
    assert locales.normalize("zh-TW") is None and locales.normalize("fr") is None
    assert locales.translations("zh_Hans_CN").gettext("Balance") == "余额"
    assert locales.translations("zh_CN").ngettext("%(count)s month", "%(count)s months", 3) \
        == "%(count)s 个月"
    assert locales.translations("en").gettext("Balance") == "Balance"


def test_the_makefile_compiles_the_catalogs_for_run_and_test():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^translations:.*\n\t.*pybabel -q compile -d translations", makefile,
                     re.M)
    assert re.search(r"^run: .*translations", makefile, re.M)
    assert re.search(r"^test: .*translations", makefile, re.M)
    for option in EXTRACT[2:]:
        assert option in makefile
