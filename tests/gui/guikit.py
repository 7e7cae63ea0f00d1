"""Constants and helpers shared by the GUI tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from pathlib import Path

from salondesk.store.keys import NoKeyStore  # noqa: F401 (the kit hands it to tests)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
STORE_NAME = "丽人美容"
PASSPHRASE = "rose garden 2024"
OWNER = ("王丽", "8888")
CASHIER = ("张敏", "1234")


def wait_for_ops(qtbot, timeout: int = 15_000) -> None:
    """Wait until every background operation has reported back to the GUI thread."""
    from salondesk.ui import ops

    qtbot.waitUntil(lambda: ops.pending() == 0, timeout=timeout)


def screenshot(widget, name: str) -> Path:
    """Save what ``widget`` shows to test-artifacts/screenshots/<name>.png (for a human to look)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path


def type_text(qtbot, widget, text: str) -> None:
    """Type ``text`` as a person would: ASCII as key clicks, Chinese as an input-method commit.

    ``QTest.keyClicks`` aborts on characters outside Latin-1, and real Chinese typing does not
    produce one key event per Hanzi either: the input method commits whole words.
    """
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    run = ""
    for char in text:
        if char.isascii():
            run += char
            continue
        if run:
            qtbot.keyClicks(widget, run)
            run = ""
        event = QInputMethodEvent()
        event.setCommitString(char)
        QApplication.sendEvent(widget, event)
    if run:
        qtbot.keyClicks(widget, run)


def open_main_window(qtbot, store, who, *, area: str | None = None,
                     size: tuple[int, int] = (1366, 800)):
    """``who`` (name, PIN) signed in: the main window shown, active, on ``area`` when given,
    its background reads done. Returns (window, page of ``area`` or None)."""
    from PySide6.QtWidgets import QApplication

    from salondesk.services import auth
    from salondesk.ui.main_window import build_main_window

    win = build_main_window(store, auth.login(store.ctx, *who))
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=15_000)
    page = None
    if area is not None:
        win.show_area(area)
        page = win.pages[area]
    wait_for_ops(qtbot)
    return win, page
