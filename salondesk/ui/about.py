"""About SalonDesk: version, where this store's files are, and the licences of what ships.

Shown from the settings page; the IT helper reads the data and log folders off it when asked
for a crash report or a backup.
"""

from __future__ import annotations

import platform

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMessageBox, QWidget

from salondesk import __version__
from salondesk.i18n import _
from salondesk.paths import resources_dir
from salondesk.store.datadir import DataDir


def app_icon() -> QIcon:
    """The app icon (resources/icons); an empty icon if the file is missing."""
    return QIcon(str(resources_dir() / "icons" / "salondesk.png"))


def about_text(data_dir: DataDir) -> str:
    """The about box's text: plain, so it can be selected and pasted into a support mail."""
    return "\n".join([
        _("SalonDesk {version}").format(version=__version__),
        _("Offline point of sale and member console for salons and clinics."),
        "",
        _("Data folder: {path}").format(path=data_dir.root),
        _("Logs and crash reports: {path}").format(path=data_dir.logs_dir),
        _("Automatic backups: {path}").format(path=data_dir.backups_dir),
        "",
        _("Python {python}, Qt {qt}, PySide6 {pyside}").format(
            python=platform.python_version(), qt=qVersion(), pyside=pyside_version),
        _("Chinese font: LXGW WenKai, SIL Open Font License 1.1 (resources/fonts)."),
    ])


def show_about(parent: QWidget | None, data_dir: DataDir) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle(_("About SalonDesk"))
    box.setIconPixmap(app_icon().pixmap(96, 96))
    box.setText(about_text(data_dir))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.open()
    return box
