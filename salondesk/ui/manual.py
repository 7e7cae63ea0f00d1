"""The user manual inside the app: Markdown pages from ``docs/manual/<locale>/``.

Help → User manual (F1) opens the page for the screen in front of the person, in their
language (zh_CN when a page has no translation). Pages are plain Markdown so they read the
same on GitHub, in the bundle and here; images are resolved relative to the page, and a link
to another ``.md`` page opens it in the same window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QKeySequence,
    QShortcut,
    QTextCursor,
    QTextDocument,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QWidget,
)

from salondesk.i18n import DEFAULT_LOCALE, N_, _, current_locale
from salondesk.paths import resources_dir

#: The manual's pages in reading order: file stem and its title (translated when shown).
PAGES = (
    ("index", N_("Contents")),
    ("first-start", N_("First start and the recovery passphrase")),
    ("sign-in", N_("Signing in and locking")),
    ("checkout", N_("Checkout and payments")),
    ("members", N_("Members")),
    ("appointments", N_("Appointments")),
    ("day-close", N_("Shifts and day close")),
    ("reports", N_("Reports")),
    ("printer-scanner", N_("Receipt printer and scanner")),
    ("backup-restore", N_("Backup and restore")),
    ("head-office", N_("Head office")),
    ("damaged-store", N_("When the store is damaged")),
)

#: The page F1 opens for each area of the main window (and the start-up screens).
SCREEN_PAGES = {
    "wizard": "first-start",
    "unlock": "damaged-store",
    "login": "sign-in",
    "checkout": "checkout",
    "members": "members",
    "appointments": "appointments",
    "followups": "appointments",
    "commission": "reports",
    "reports": "day-close",
    "report_view": "reports",
    "catalogue": "checkout",
    "settings": "printer-scanner",
}

MAX_IMAGE_WIDTH = 720  # screenshots are shrunk to this in the viewer; the file keeps its size


def manual_root() -> Path:
    """``docs/manual`` beside ``resources/`` (the checkout's root, or the bundle's)."""
    return resources_dir().parent / "docs" / "manual"


def page_path(page: str, locale: str | None = None) -> Path:
    """The Markdown file of ``page`` in ``locale`` (default: the current one), falling back
    to zh_CN, the language every page is written in first."""
    for candidate in (locale or current_locale(), DEFAULT_LOCALE):
        path = manual_root() / candidate / f"{page}.md"
        if path.exists():
            return path
    return manual_root() / DEFAULT_LOCALE / f"{page}.md"


class ManualWindow(QDialog):
    """A non-modal window: the list of pages on the left, the page on the right."""

    page_shown = Signal(str)  # the page's stem

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("manualWindow")
        self.setWindowTitle(_("SalonDesk user manual"))
        self.setModal(False)
        self.resize(1040, 720)
        self.current_page = ""
        row = QHBoxLayout(self)
        self.contents = QListWidget(self)
        self.contents.setObjectName("manualContents")
        self.contents.setFixedWidth(230)
        for _stem, title in PAGES:
            QListWidgetItem(_(title), self.contents)
        self.contents.currentRowChanged.connect(
            lambda row_: self.show_page(PAGES[row_][0]) if row_ >= 0 else None)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("manualBrowser")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)
        row.addWidget(self.contents)
        row.addWidget(self.browser, 1)

    def show_page(self, page: str) -> None:
        """Show ``page`` (a stem from :data:`PAGES`) in the current language."""
        path = page_path(page)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = _("This page of the manual is missing: {path}").format(path=path)
        document = self.browser.document()
        document.setBaseUrl(QUrl.fromLocalFile(str(path.parent) + "/"))
        self.browser.setMarkdown(text)
        self._fit_images(document, path.parent)
        self.browser.verticalScrollBar().setValue(0)
        self.current_page = page
        stems = [stem for stem, _title in PAGES]
        if page in stems and self.contents.currentRow() != stems.index(page):
            self.contents.blockSignals(True)
            self.contents.setCurrentRow(stems.index(page))
            self.contents.blockSignals(False)
        self.page_shown.emit(page)

    def _fit_images(self, document: QTextDocument, folder: Path) -> None:
        """Shrink screenshots wider than the reading column (keeping their proportions)."""
        from PySide6.QtGui import QImageReader

        block = document.begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fragment = it.fragment()
                fmt = fragment.charFormat()
                if fmt.isImageFormat():
                    image = fmt.toImageFormat()
                    size = QImageReader(str(folder / image.name())).size()
                    if size.isValid() and size.width() > MAX_IMAGE_WIDTH:
                        fitted = QTextImageFormat(image)
                        fitted.setWidth(MAX_IMAGE_WIDTH)
                        fitted.setHeight(size.height() * MAX_IMAGE_WIDTH / size.width())
                        cursor = QTextCursor(document)
                        cursor.setPosition(fragment.position())
                        cursor.setPosition(fragment.position() + fragment.length(),
                                           QTextCursor.MoveMode.KeepAnchor)
                        cursor.setCharFormat(fitted)
                it += 1
            block = block.next()

    def _link(self, url: QUrl) -> None:
        name = url.path().rsplit("/", 1)[-1]
        if url.scheme() in ("", "file") and name.endswith(".md"):
            self.show_page(name[:-3])
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)


_window: ManualWindow | None = None


def install_help_key(widget: QWidget, screen: str) -> QShortcut:
    """F1 on a start-up screen (wizard, unlock, sign-in) opens the manual at its page."""
    shortcut = QShortcut(QKeySequence(Qt.Key.Key_F1), widget)
    shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
    shortcut.activated.connect(lambda: open_manual(widget, screen))
    return shortcut


def open_manual(parent: QWidget | None, screen: str | None = None) -> ManualWindow:
    """Open (or bring forward) the manual at the page for ``screen`` (an area key)."""
    global _window  # noqa: PLW0603 - one manual window per app
    import shiboken6

    if _window is None or not shiboken6.isValid(_window) or _window.parent() is not parent:
        _window = ManualWindow(parent)
    _window.show_page(SCREEN_PAGES.get(screen or "", "index"))
    _window.show()
    _window.raise_()
    _window.activateWindow()
    return _window
