"""First run: the wizard creates a store from keystrokes and hands over to sign-in."""

from __future__ import annotations

import pytest
from guikit import PASSPHRASE, screenshot, type_text, wait_for_ops
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from salondesk.i18n import _
from salondesk.services import store_setup
from salondesk.store.datadir import DataDir
from salondesk.ui.login import LoginScreen
from salondesk.ui.wizard import FirstRunWizard

pytestmark = pytest.mark.gui


def _click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def test_wizard_creates_store_from_keystrokes(qtbot, tmp_path, keystore, make_controller):
    root = tmp_path / "new-store"
    controller = make_controller(root)
    controller.start()
    wizard = controller.window
    assert isinstance(wizard, FirstRunWizard)
    qtbot.waitExposed(wizard)
    next_button = QWizard.WizardButton.NextButton

    assert not wizard.button(next_button).isEnabled()  # the store name is required
    type_text(qtbot, wizard.store_page.store_name_edit, "丽人美容")
    screenshot(wizard, "wizard-1-store")
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is wizard.owner_page

    type_text(qtbot, wizard.owner_page.owner_name_edit, "王丽")
    qtbot.keyClicks(wizard.owner_page.pin_edit, "8888")
    qtbot.keyClicks(wizard.owner_page.pin_again_edit, "8889")
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is wizard.owner_page  # two different PINs are refused
    assert wizard.owner_page.error_label.text() == _("The two PINs are not the same.")
    wizard.owner_page.pin_again_edit.clear()
    qtbot.keyClicks(wizard.owner_page.pin_again_edit, "8888")
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is wizard.passphrase_page

    page = wizard.passphrase_page
    qtbot.keyClicks(page.passphrase_edit, "short")
    qtbot.keyClicks(page.passphrase_again_edit, "short")
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is page  # too short
    assert "8" in page.error_label.text()
    for edit in (page.passphrase_edit, page.passphrase_again_edit):
        edit.clear()
        qtbot.keyClicks(edit, PASSPHRASE)
    screenshot(wizard, "wizard-3-passphrase")
    _click(qtbot, wizard, next_button)
    assert wizard.currentPage() is wizard.printer_page

    qtbot.keyClicks(wizard.printer_page.printer_edit, "file:/tmp/receipts.bin")
    _click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=15_000)
    wait_for_ops(qtbot)
    login = controller.window
    assert login.ui.staffCombo.currentText() == "王丽"
    assert login.ui.storeLabel.text() == "丽人美容"

    assert DataDir(root).has_store()
    assert controller.store is not None
    assert controller.store.ctx.setting("printer.uri") == "file:/tmp/receipts.bin"
    controller.window.close()
    controller.shutdown()
    # The recovery passphrase typed in the wizard really opens the store.
    store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore).close()
