"""The main window: navigation, honest empty areas, the status bar, sign-out."""

from __future__ import annotations

import pytest
from guikit import CASHIER, OWNER, PASSPHRASE, STORE_NAME, screenshot, wait_for_ops
from PySide6.QtCore import Qt

from salondesk.domain.permissions import ROLE_LABELS, Role
from salondesk.i18n import _
from salondesk.ui.appointments_page import AppointmentsPage
from salondesk.ui.checkout_page import CheckoutPage
from salondesk.ui.login import LoginScreen
from salondesk.ui.main_window import MainWindow, build_main_window
from salondesk.ui.members_page import MembersPage
from salondesk.ui.reports_page import ReportsPage
from salondesk.ui.settings_page import SettingsPage
from salondesk.ui.status_bar import business_day

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


def click_area(qtbot, win: MainWindow, key: str) -> None:
    item = win.nav.item(win.area_keys().index(key))
    rect = win.nav.visualItemRect(item)
    qtbot.mouseClick(win.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_main_window_navigates_to_each_area(qtbot, window):
    assert window.area_keys() == ["checkout", "members", "appointments", "followups", "reports",
                                  "commission", "engagement", "catalogue", "settings"]
    for key in reversed(window.area_keys()):
        click_area(qtbot, window, key)
        assert window.current_area() == key
        assert window.page_stack.currentWidget() is window.pages[key]
    assert isinstance(window.pages["members"], MembersPage)
    assert isinstance(window.pages["checkout"], CheckoutPage)
    assert isinstance(window.pages["reports"], ReportsPage)
    assert isinstance(window.pages["appointments"], AppointmentsPage)
    assert isinstance(window.pages["settings"], SettingsPage)
    click_area(qtbot, window, "checkout")
    screenshot(window, "main-window-checkout")


def test_main_window_status_bar_shows_store_staff_day_printer(qtbot, window, owner_ctx):
    bar = window.status_bar
    assert bar.store_label.text() == STORE_NAME
    assert OWNER[0] in bar.staff_label.text()
    assert _(ROLE_LABELS[Role.OWNER]) in bar.staff_label.text()
    assert business_day(owner_ctx.clock).isoformat() in bar.day_label.text()
    assert bar.printer_label.text() == _("No printer")
    assert STORE_NAME in window.windowTitle()


def test_main_window_sign_out_returns_to_login(qtbot, store_root, make_controller):
    controller = make_controller(store_root)
    controller.start()
    unlock = controller.window
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    qtbot.keyClicks(unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.mouseClick(unlock.ui.unlockButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
    wait_for_ops(qtbot)
    login = controller.window
    login.ui.staffCombo.setCurrentText(CASHIER[0])
    qtbot.keyClicks(login.ui.pinEdit, CASHIER[1])
    qtbot.mouseClick(login.ui.signInButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    window = controller.window
    wait_for_ops(qtbot)
    assert CASHIER[0] in window.status_bar.staff_label.text()
    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert isinstance(controller.window, LoginScreen)
    wait_for_ops(qtbot)


def test_main_window_status_bar_follows_head_office(qtbot, store_root, make_controller,
                                                     tmp_path):
    """The app pushes to head office in the background while the store is open; the status
    bar says online / to send / last sync, and "sync now" sends at once."""
    from salondesk.headoffice import service
    from salondesk.headoffice.db import open_database
    from salondesk.headoffice.server import ServerThread
    from salondesk.services.auth import login as login_as
    from salondesk.sync.link import enroll

    engine = open_database(str(tmp_path / "ho.db"))
    server = ServerThread(engine).start()
    try:
        controller = make_controller(store_root)
        controller.start()
        unlock = controller.window
        qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
        qtbot.keyClicks(unlock.ui.passphraseEdit, PASSPHRASE)
        qtbot.mouseClick(unlock.ui.unlockButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
        wait_for_ops(qtbot)
        _store_id, code = service.add_store(engine, "东门店")
        owner = login_as(controller.store.ctx, *OWNER)  # the owner enrols (salondesk sync enroll)
        enroll(owner, url=server.url, code=code)
        login = controller.window
        login.ui.staffCombo.setCurrentText(CASHIER[0])
        qtbot.keyClicks(login.ui.pinEdit, CASHIER[1])
        qtbot.mouseClick(login.ui.signInButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
        window = controller.window
        bar = window.status_bar
        assert not bar.sync_label.isHidden() and not bar.sync_button.isHidden()
        qtbot.mouseClick(bar.sync_button, Qt.MouseButton.LeftButton)
        # every event of the store (its creation, staff, the enrolment) reaches head office
        qtbot.waitUntil(lambda: bool(controller.sync.status.online and
                                     controller.sync.status.pending == 0), timeout=20_000)
        bar.refresh_sync()
        text = bar.sync_label.text()
        assert _("Head office: online") in text and _("{n} to send").format(n=0) in text
        qtbot.wait(200)  # let the status bar lay the longer text out
        screenshot(window, "main-window-synced")
    finally:
        server.stop()
        engine.dispose()
