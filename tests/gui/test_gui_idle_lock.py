"""The idle lock covers the window; a PIN (the same person's or another's) opens it."""

from __future__ import annotations

import pytest
from guikit import CASHIER, OWNER, screenshot, wait_for_ops
from PySide6.QtCore import Qt

from salondesk.i18n import _
from salondesk.ui.main_window import MainWindow, build_main_window

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, open_store, owner_ctx) -> MainWindow:
    win = build_main_window(open_store, owner_ctx)
    qtbot.addWidget(win)
    win.resize(1200, 760)
    win.show()
    qtbot.waitExposed(win)
    wait_for_ops(qtbot)
    return win


def test_idle_lock_engages_and_unlocks_with_pin(qtbot, window):
    window.show_area("settings")
    assert window.idle.timeout_ms() == 10 * 60_000  # the default setting
    window.idle.set_timeout_ms(150)
    qtbot.waitUntil(lambda: window.is_locked, timeout=3_000)
    lock = window.lock_screen
    assert window.centralWidget().currentWidget() is lock
    wait_for_ops(qtbot)
    assert lock.staff_combo.currentText() == OWNER[0]
    screenshot(window, "main-window-locked")

    qtbot.keyClicks(lock.pin_edit, "0000")
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    wait_for_ops(qtbot)
    assert window.is_locked
    assert lock.error_label.text() == _("Wrong name or PIN.")

    qtbot.keyClicks(lock.pin_edit, OWNER[1])
    qtbot.keyClick(lock.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked, timeout=5_000)
    assert window.centralWidget().currentWidget() is window.workspace
    assert window.current_area() == "settings"  # back where the owner left off
    assert window.ctx.actor.name == OWNER[0]


def test_idle_lock_input_postpones_lock(qtbot, window):
    window.idle.set_timeout_ms(600)
    for _step in range(5):  # 1 s in all, but never 600 ms without a key press
        qtbot.wait(200)
        qtbot.keyClick(window.nav, Qt.Key.Key_Down)
    assert not window.is_locked
    qtbot.waitUntil(lambda: window.is_locked, timeout=3_000)


def test_idle_lock_another_staff_member_signs_in(qtbot, window):
    window.lock()
    lock = window.lock_screen
    wait_for_ops(qtbot)
    lock.staff_combo.setCurrentText(CASHIER[0])
    qtbot.keyClicks(lock.pin_edit, CASHIER[1])
    qtbot.mouseClick(lock.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.is_locked, timeout=5_000)
    wait_for_ops(qtbot)
    assert window.ctx.actor.name == CASHIER[0]
    assert CASHIER[0] in window.status_bar.staff_label.text()
    assert window.pages["settings"].staff_group.isHidden()  # the cashier's permissions now
