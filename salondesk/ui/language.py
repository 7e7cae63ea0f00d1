"""Switching the UI language: our texts through ``salondesk.i18n``, Qt's own through its catalogue.

Every SalonDesk text is translated by :func:`salondesk.i18n._` when a widget is built, so a
change of language takes effect when a screen is built again (the main window rebuilds itself
after the language setting is saved). Qt's built-in texts - Yes/No in message boxes, Cut/Paste
in a line edit's menu, the file dialog - come from Qt's own ``qtbase_<locale>.qm``, which is
loaded here; SalonDesk's strings never go through Qt's ``tr()``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from salondesk import i18n

log = logging.getLogger(__name__)

_qt_translator: QTranslator | None = None


def apply_locale(locale: str) -> str:
    """Make ``locale`` the language of every later text; returns the locale actually used."""
    global _qt_translator  # noqa: PLW0603 - one installed Qt catalogue per application
    i18n.set_locale(locale)
    actual = i18n.current_locale()
    QLocale.setDefault(QLocale(actual))
    app = QCoreApplication.instance()
    if app is None:
        return actual
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if actual != "en":
        translator = QTranslator(app)
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if translator.load(f"qtbase_{actual}", folder):
            app.installTranslator(translator)
            _qt_translator = translator
        else:
            log.info("no Qt catalogue for %s; Qt's own buttons stay in English", actual)
    return actual
