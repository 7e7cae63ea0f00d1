"""Start-up on an existing store: unlock with the recovery passphrase, then sign in."""

from __future__ import annotations

import pytest
from guikit import CASHIER, OWNER, PASSPHRASE, STORE_NAME, screenshot, wait_for_ops
from PySide6.QtCore import Qt

from salondesk.i18n import _
from salondesk.services import store_setup
from salondesk.ui.login import LoginScreen
from salondesk.ui.main_window import MainWindow
from salondesk.ui.unlock import UnlockScreen

pytestmark = pytest.mark.gui


def _click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_unlock_wrong_then_right_passphrase(qtbot, store_root, make_controller):
    controller = make_controller(store_root)
    controller.start()
    unlock = controller.window
    assert isinstance(unlock, UnlockScreen)
    assert unlock.ui.storeLabel.text() == STORE_NAME
    # No OS key store on this machine: the core says StoreLocked and the field appears.
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    assert unlock.ui.passphraseEdit.text() == ""  # not a demo store: nothing pre-filled
    assert unlock.ui.hintLabel.isHidden()

    qtbot.keyClicks(unlock.ui.passphraseEdit, "not the passphrase")
    _click(qtbot, unlock.ui.unlockButton)
    wait_for_ops(qtbot)
    assert unlock.ui.errorLabel.text() == _("The recovery passphrase is not correct.")
    assert controller.window is unlock
    screenshot(unlock, "unlock-wrong-passphrase")

    unlock.ui.passphraseEdit.clear()
    qtbot.keyClicks(unlock.ui.passphraseEdit, PASSPHRASE)
    qtbot.keyClick(unlock.ui.passphraseEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
    wait_for_ops(qtbot)


def test_login_wrong_pin_then_right_pin(qtbot, open_store, boxes):
    login = LoginScreen(open_store)
    qtbot.addWidget(login)
    login.resize(640, 480)
    login.show()
    wait_for_ops(qtbot)
    names = [login.ui.staffCombo.itemText(i) for i in range(login.ui.staffCombo.count())]
    assert sorted(names) == sorted([OWNER[0], CASHIER[0]])
    assert login.ui.hintLabel.isHidden()  # no demo hint for a real store

    login.ui.staffCombo.setCurrentText(OWNER[0])
    qtbot.keyClicks(login.ui.pinEdit, "0000")
    _click(qtbot, login.ui.signInButton)
    wait_for_ops(qtbot)
    assert login.ui.errorLabel.text() == _("Wrong name or PIN.")
    assert login.ui.pinEdit.text() == ""  # a wrong PIN is not left to be retried blindly
    screenshot(login, "login-wrong-pin")

    qtbot.keyClicks(login.ui.pinEdit, OWNER[1])
    with qtbot.waitSignal(login.signed_in, timeout=10_000) as signed:
        qtbot.keyClick(login.ui.pinEdit, Qt.Key.Key_Return)
    ctx = signed.args[0]
    assert ctx.actor.name == OWNER[0]
    assert boxes.warnings == []  # login mistakes are told inline, not in a box


def test_login_demo_store_prefills_passphrase_and_shows_owner_hint(qtbot, tmp_path, keystore,
                                                                    make_controller):
    demo = pytest.importorskip("salondesk.services.demo")
    root = tmp_path / "demo"
    store_setup.create_store(root, store_name="丽人美容·演示店", owner_name=demo.DEMO_OWNER[0],
                             owner_secret=demo.DEMO_OWNER[1], passphrase=demo.DEMO_PASSPHRASE,
                             demo=True, keystore=keystore).close()
    controller = make_controller(root)
    controller.start()
    unlock = controller.window
    qtbot.waitUntil(lambda: not unlock.ui.passphraseEdit.isHidden())
    assert unlock.ui.passphraseEdit.text() == demo.DEMO_PASSPHRASE
    assert not unlock.ui.hintLabel.isHidden()
    _click(qtbot, unlock.ui.unlockButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=10_000)
    wait_for_ops(qtbot)
    login = controller.window
    assert login.ui.staffCombo.currentText() == demo.DEMO_OWNER[0]
    assert demo.DEMO_OWNER[1] in login.ui.hintLabel.text()
    screenshot(login, "login-demo")

    qtbot.keyClicks(login.ui.pinEdit, demo.DEMO_OWNER[1])
    _click(qtbot, login.ui.signInButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, MainWindow), timeout=10_000)
    assert controller.window.ctx.actor.name == demo.DEMO_OWNER[0]
