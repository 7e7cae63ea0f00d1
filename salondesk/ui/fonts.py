"""The bundled CJK font, registered at start-up so Chinese never depends on the machine's fonts.

A counter PC (and CI) may have no CJK font at all; Qt then draws every Hanzi as an empty box.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from salondesk.paths import font_path

log = logging.getLogger(__name__)

_family: str | None = None


def bundled_family() -> str | None:
    """Register the bundled font once per process; its family name, or None if it is missing."""
    global _family  # noqa: PLW0603 - Qt's font database is process-wide too
    if _family is None:
        path = font_path()
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if not families:
            log.warning("bundled font not loaded: %s", path.name)
            return None
        _family = families[0]
    return _family


def install_app_font(app: QApplication) -> str | None:
    """Make the bundled font the application font, keeping the platform's point size."""
    family = bundled_family()
    if family is not None:
        font = QFont(app.font())
        font.setFamilies([family])
        app.setFont(font)
    return family
