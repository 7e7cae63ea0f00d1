"""A new owner walks the first-run wizard: recovery sheet, printer test page, scanner test and
the optional head-office link, then lands on sign-in."""

from __future__ import annotations

import pytest
from guikit import PASSPHRASE, screenshot, type_text, wait_for_ops
from memberkit_gui import scan
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWizard

from salondesk.i18n import _
from salondesk.services import store_setup
from salondesk.store.datadir import DataDir
from salondesk.sync.link import NotEnrolled, load_link
from salondesk.ui import wizard as wizard_module
from salondesk.ui.login import LoginScreen
from salondesk.ui.wizard import FirstRunWizard

pytestmark = pytest.mark.gui

NEXT = QWizard.WizardButton.NextButton
FINISH = QWizard.WizardButton.FinishButton


def _click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def _start(qtbot, make_controller, root):
    controller = make_controller(root)
    controller.start()
    wizard = controller.window
    assert isinstance(wizard, FirstRunWizard)
    qtbot.waitExposed(wizard)
    return controller, wizard


def _store_owner_passphrase(qtbot, wizard: FirstRunWizard) -> None:
    type_text(qtbot, wizard.store_page.store_name_edit, "丽人美容")
    _click(qtbot, wizard, NEXT)
    type_text(qtbot, wizard.owner_page.owner_name_edit, "王丽")
    qtbot.keyClicks(wizard.owner_page.pin_edit, "8888")
    qtbot.keyClicks(wizard.owner_page.pin_again_edit, "8888")
    _click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.passphrase_page


def _recovery_sheet(qtbot, wizard, tmp_path, monkeypatch) -> None:
    import pdfplumber

    page = wizard.passphrase_page
    sheet = tmp_path / "恢复密码单.pdf"
    asked: list[str] = []

    def choose(_parent, title, suggested, _filters):
        asked.append(suggested)
        return sheet

    monkeypatch.setattr(wizard_module, "choose_save_path", choose)
    # No sheet for a passphrase that would be refused.
    qtbot.keyClicks(page.passphrase_edit, "short")
    qtbot.mouseClick(page.sheet_button, Qt.MouseButton.LeftButton)
    assert asked == [] and page.error_label.isVisible()
    page.passphrase_edit.clear()
    qtbot.keyClicks(page.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(page.passphrase_again_edit, PASSPHRASE)
    qtbot.mouseClick(page.sheet_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.sheet_path == sheet, timeout=15_000)
    assert asked and "丽人美容" in asked[0]
    assert page.open_sheet_button.isVisible()
    with pdfplumber.open(sheet) as pdf:
        assert len(pdf.pages) == 1
        text = pdf.pages[0].extract_text()
    assert PASSPHRASE in text and "丽人美容" in text
    assert "salondesk keys change-passphrase" in text.replace("\n", " ")
    screenshot(wizard, "wizard-setup-passphrase-sheet")
    # Changing the passphrase makes the saved sheet stale.
    qtbot.keyClicks(page.passphrase_edit, "!")
    assert page.sheet_path is None and not page.open_sheet_button.isVisible()
    qtbot.keyClick(page.passphrase_edit, Qt.Key.Key_Backspace)


def _printer_test_page(qtbot, wizard, tmp_path):
    printer = wizard.printer_page
    qtbot.mouseClick(printer.test_button, Qt.MouseButton.LeftButton)
    assert printer.error_label.text() == _("Enter the printer's address first.")
    qtbot.keyClicks(printer.printer_edit, f"file:{tmp_path}/no-such-folder/receipt.bin")
    qtbot.mouseClick(printer.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: printer.error_label.isVisible() and printer.test_button.isEnabled(),
                    timeout=20_000)
    assert "Traceback" not in printer.error_label.text()
    receipt = tmp_path / "receipt.bin"
    printer.printer_edit.clear()
    qtbot.keyClicks(printer.printer_edit, f"file:{receipt}")
    printer.width_combo.setCurrentIndex(printer.width_combo.findData(58))
    qtbot.mouseClick(printer.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: str(receipt) in printer.test_label.text(), timeout=20_000)
    assert not printer.error_label.isVisible()
    data = receipt.read_bytes()
    assert b"\x1dV" in data  # the cut of a test page
    assert "测试".encode("gb18030") in data  # Chinese sent in the printer's own font
    return receipt


def _scanner_test(qtbot, wizard, monkeypatch) -> None:
    scanner = wizard.scanner_page
    # Wider than a real scanner needs: two cores shared with other work delay key events.
    from salondesk.ui import scanner_filter

    detector = scanner_filter.install(QApplication.instance()).detector
    monkeypatch.setattr(detector, "max_gap", 0.1)
    wizard.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wizard, timeout=15_000)
    scanner.scan_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is scanner.scan_edit, timeout=15_000)
    # A person typing (slowly) is told apart from a scanner.
    for char in "12345":
        QTest.keyClick(scanner.scan_edit, char, Qt.KeyboardModifier.NoModifier, 300)
    qtbot.wait(300)
    QTest.keyClick(scanner.scan_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "12345" in scanner.result_label.text(), timeout=5_000)
    assert scanner.scans == []
    scanner.scan_edit.clear()
    scan(qtbot, scanner.scan_edit, "6901234567892")
    qtbot.waitUntil(lambda: scanner.scans == ["6901234567892"], timeout=5_000)
    assert scanner.scan_edit.text() == "6901234567892"
    assert scanner.result_label.text() == _(
        "Read as a scan: {code}. The scanner works.").format(code="6901234567892")
    screenshot(wizard, "wizard-setup-scanner")


def test_wizard_recovery_sheet_printer_and_scanner(qtbot, tmp_path, keystore, make_controller,
                                                   monkeypatch):
    controller, wizard = _start(qtbot, make_controller, tmp_path / "new-store")
    _store_owner_passphrase(qtbot, wizard)
    _recovery_sheet(qtbot, wizard, tmp_path, monkeypatch)
    _click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.printer_page
    receipt = _printer_test_page(qtbot, wizard, tmp_path)
    _click(qtbot, wizard, NEXT)
    assert wizard.currentPage() is wizard.scanner_page
    _scanner_test(qtbot, wizard, monkeypatch)

    # Finish here: the head-office step is optional.
    _click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=20_000)
    wait_for_ops(qtbot)
    store = controller.store
    assert store is not None
    assert store.ctx.setting("printer.uri") == f"file:{receipt}"
    assert store.ctx.setting("printer.width_mm") == 58
    assert store.ctx.setting("printer.chinese_mode") == "gb18030"
    with pytest.raises(NotEnrolled):
        load_link(store.ctx)
    controller.window.close()
    controller.shutdown()
    store_setup.open_store(tmp_path / "new-store", passphrase=PASSPHRASE,
                           keystore=keystore).close()


@pytest.fixture
def head_office(tmp_path):
    from salondesk.headoffice.db import open_database
    from salondesk.headoffice.server import ServerThread

    engine = open_database(str(tmp_path / "ho.db"))
    server = ServerThread(engine).start()
    try:
        yield engine, server
    finally:
        server.stop()
        engine.dispose()


def test_wizard_links_new_store_to_head_office(qtbot, tmp_path, make_controller, head_office):
    from salondesk.headoffice import service

    engine, server = head_office
    _head_office_id, code = service.add_store(engine, "丽人美容 东门店")
    root = tmp_path / "new-store"
    controller, wizard = _start(qtbot, make_controller, root)
    _store_owner_passphrase(qtbot, wizard)
    qtbot.keyClicks(wizard.passphrase_page.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(wizard.passphrase_page.passphrase_again_edit, PASSPHRASE)
    for _page in range(3):  # printer and scanner skipped
        _click(qtbot, wizard, NEXT)
    page = wizard.head_office_page
    assert wizard.currentPage() is page

    qtbot.keyClicks(page.url_edit, "ho.example.cn")
    _click(qtbot, wizard, FINISH)
    assert page.error_label.isVisible() and not DataDir(root).has_store()  # not a URL
    page.url_edit.clear()
    qtbot.keyClicks(page.url_edit, server.url)
    _click(qtbot, wizard, FINISH)
    assert page.error_label.text() == _(
        "Enter both the address and the code, or leave both empty.")

    # A wrong code: the store is created anyway, the owner is told and can try again.
    qtbot.keyClicks(page.code_edit, "WRONG-CODE-0000")
    _click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: page.error_label.isVisible() and not wizard.creating,
                    timeout=30_000)
    assert DataDir(root).has_store() and wizard.store is not None
    assert controller.window is wizard
    assert "Traceback" not in page.error_label.text()
    screenshot(wizard, "wizard-setup-head-office-refused")

    page.code_edit.clear()
    qtbot.keyClicks(page.code_edit, code)
    _click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=30_000)
    wait_for_ops(qtbot)
    assert controller.store is not None
    link = load_link(controller.store.ctx)
    assert link.url == server.url and link.store_name == "丽人美容 东门店"
    controller.window.close()
    controller.shutdown()


def test_wizard_cancel_after_failed_link_keeps_the_store(qtbot, tmp_path, make_controller):
    root = tmp_path / "new-store"
    controller, wizard = _start(qtbot, make_controller, root)
    _store_owner_passphrase(qtbot, wizard)
    qtbot.keyClicks(wizard.passphrase_page.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(wizard.passphrase_page.passphrase_again_edit, PASSPHRASE)
    for _page in range(3):
        _click(qtbot, wizard, NEXT)
    page = wizard.head_office_page
    qtbot.keyClicks(page.url_edit, "http://127.0.0.1:9")  # nothing listens there
    qtbot.keyClicks(page.code_edit, "ABCD-EFGH-JKLM-NPQR")
    _click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: page.error_label.isVisible() and not wizard.creating,
                    timeout=30_000)
    assert wizard.store is not None
    # "Link later": Cancel now hands the created store on instead of quitting.
    _click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    qtbot.waitUntil(lambda: isinstance(controller.window, LoginScreen), timeout=20_000)
    wait_for_ops(qtbot)
    controller.window.close()
    controller.shutdown()
