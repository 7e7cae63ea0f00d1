"""Every text a person sees is translated into zh_CN, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from salondesk import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def source_texts() -> set[str]:
    """Every text the package marks for translation (a plural by its singular)."""
    found = extract_from_dir(str(ROOT / "salondesk"), method_map=[("**.py", "python")],
                             keywords={"_": None, "N_": None, "ngettext": (1, 2)})
    return {text if isinstance(text, str) else text[0]
            for _file, _line, text, _comments, _context in found}


def catalogue(locale: str) -> dict[str, list[str]]:
    """Source text -> its translated forms (one for zh_CN plurals); untranslated: empty."""
    path = ROOT / "resources" / "translations" / locale / "LC_MESSAGES" / "salondesk.po"
    with path.open("rb") as fh:
        result = {}
        for m in read_po(fh, locale=locale):
            if not m.id or m.fuzzy:
                continue
            source = m.id if isinstance(m.id, str) else m.id[0]
            forms = [m.string] if isinstance(m.string, str) else list(m.string)
            result[source] = [f for f in forms if f]
        return result


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_translations_catalogue_is_not_marked_fuzzy(locale: str) -> None:
    """pybabel compile skips a catalogue whose header is fuzzy: the app would show English."""
    path = ROOT / "resources" / "translations" / locale / "LC_MESSAGES" / "salondesk.po"
    with path.open("rb") as fh:
        assert not read_po(fh, locale=locale).fuzzy


def test_translations_zh_cn_covers_every_text() -> None:
    zh = catalogue("zh_CN")
    missing = sorted(t for t in source_texts() if not zh.get(t))
    assert not missing, ("untranslated (run `python scripts/translations.py update`, then "
                         "translate in resources/translations/zh_CN): " + repr(missing[:20]))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_translations_keep_every_placeholder(locale: str) -> None:
    for source, forms in catalogue(locale).items():
        for translated in forms:
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translated)), \
                source


def test_translations_switch_at_once() -> None:
    previous = i18n.current_locale()
    try:
        i18n.set_locale("zh_CN")
        assert i18n._("Wrong name or PIN.") == "姓名或密码错误。"
        i18n.set_locale("en")
        assert i18n._("Wrong name or PIN.") == "Wrong name or PIN."
    finally:
        i18n.set_locale(previous)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_translations_compile_without_errors(locale: str) -> None:
    """What ``pybabel compile`` checks: a '%' that reads as a %-format ("100% of" is "% o")
    must match in both texts, or the build stops. Say "percent" in such source texts."""
    path = ROOT / "resources" / "translations" / locale / "LC_MESSAGES" / "salondesk.po"
    with path.open("rb") as fh:
        cat = read_po(fh, locale=locale)
    problems = [(m.id, [str(e) for e in errors]) for m, errors in cat.check()]
    assert not problems, problems[:10]
