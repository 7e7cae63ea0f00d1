"""The one translation layer for the GUI, the CLI, receipts and PDFs (gettext, no Qt).

Source strings are English; ``zh_CN`` is the default locale. Catalogues live in
``resources/translations/<locale>/LC_MESSAGES/salondesk.po``; the build compiles them to
``.mo``, and a missing or stale ``.mo`` is compiled in memory from the ``.po`` at first use.
Call :func:`_` at the moment a text is shown, so a change of locale takes effect at once;
mark texts defined at import time with :func:`N_` and translate them where they are shown.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache

from salondesk.paths import resources_dir

DOMAIN = "salondesk"
DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
LOCALE_NAMES = {"zh_CN": "简体中文", "en": "English"}

_current: gettext.NullTranslations = gettext.NullTranslations()
_current_locale = "en"



@cache
def translations(locale: str) -> gettext.NullTranslations:
    folder = resources_dir() / "translations" / locale / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as fh:
            catalogue = read_po(fh, locale=locale)
        buffer = io.BytesIO()
        write_mo(buffer, catalogue)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def set_locale(locale: str) -> None:
    """Switch every later :func:`_` call to ``locale`` (``zh_CN`` or ``en``)."""
    global _current, _current_locale  # noqa: PLW0603 - the process-wide UI language
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    _current = translations(locale)
    _current_locale = locale


def current_locale() -> str:
    return _current_locale


def _(message: str) -> str:
    """Translate ``message`` into the current locale."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a text for extraction without translating it yet."""
    return message


set_locale(os.environ.get("SALONDESK_LOCALE", DEFAULT_LOCALE))
