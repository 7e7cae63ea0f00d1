"""Helpers and fixtures for the checkout-screen tests: a counter store (the member store plus
products with barcodes and stock), the signed-in window on the checkout, keys and printers."""

from __future__ import annotations

import shutil
from pathlib import Path

from guikit import CASHIER, OWNER, PASSPHRASE, NoKeyStore, open_main_window, type_text
from memberkit_gui import TECHNICIAN, ZXM, scan, settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from salondesk.domain.cart import TenderKind
from salondesk.ids import new_op_id
from salondesk.services import auth, catalogue, store_setup
from salondesk.services import settings as settings_service
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.checkout_dialogs import SessionDialog, TechnicianDialog
from salondesk.ui.checkout_page import CheckoutPage
from salondesk.ui.main_window import MainWindow
from salondesk.ui.payment_dialog import PaymentDialog

SHOTS = Path("/tmp/shots")
SERUM = ("P01", "玻尿酸修护精华", "6901234567892", 18800)
CLEANSER = ("P02", "氨基酸洁面乳", "6901234567908", 6800)


def decoder():
    import sys

    root = Path(__file__).resolve().parents[1] / "unit"
    sys.path.insert(0, str(root))
    try:
        from test_escpos_decoder import load
    finally:
        sys.path.remove(str(root))
    return load()


def build_counter_store(template: Path, dest: Path) -> Path:
    """The member store plus two products with barcodes and stock."""
    shutil.copytree(template, dest)
    store = store_setup.open_store(dest, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        catalogue.upsert_products(owner, [
            catalogue.ProductSpec(code, name, "护肤品", price, barcode=barcode, low_stock_at=2)
            for code, name, barcode, price in (SERUM, CLEANSER)], op_id=new_op_id())
        catalogue.move_stock(owner, SERUM[0], 6, op_id=new_op_id())
        catalogue.move_stock(owner, CLEANSER[0], 10, op_id=new_op_id())
    finally:
        store.close()
    return dest


def set_printer(store, uri: str, *, width: int = 80, mode: str = "gb18030") -> None:
    owner = auth.login(store.ctx, *OWNER)
    settings_service.update_settings(owner, {"printer.uri": uri, "printer.width_mm": width,
                                             "printer.chinese_mode": mode}, op_id=new_op_id())


def open_counter(qtbot, store, who=CASHIER) -> tuple[MainWindow, CheckoutPage]:
    win, page = open_main_window(qtbot, store, who, area="checkout")
    assert isinstance(page, CheckoutPage)
    qtbot.waitUntil(lambda: bool(page.catalogue), timeout=15_000)
    page.item_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.item_edit, timeout=15_000)
    return win, page


def focus(qtbot, widget) -> None:
    """Back in ``widget`` after a dialog closed (the offscreen platform does not give the
    window back its activation the way a window manager does)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=15_000)
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget, timeout=15_000)


def key(qtbot, key_code) -> None:
    """A key pressed where the focus is (function keys reach the page's shortcuts)."""
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, key_code)


def priced(qtbot, win, page) -> None:
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.bill is not None or not page.model.entries, timeout=15_000)


def find_item(qtbot, win, page, text: str) -> None:
    focus(qtbot, page.item_edit)
    type_text(qtbot, page.item_edit, text)
    key(qtbot, Qt.Key.Key_Return)
    priced(qtbot, win, page)


def ring_up_zxm(qtbot, win, page, data) -> None:
    """Scan 张晓明's card, add a facial (technician 陈静, designated), the serum by its
    barcode and a session of his shoulder package."""
    scans: list[str] = []
    win.scanner.scanned.connect(scans.append)
    scan(qtbot, page.item_edit, ZXM[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    assert page.member.member.member_id == data.zxm_id
    assert scans == [ZXM[2]]  # told from typing as a scanner burst, and routed to the page
    win.scanner.scanned.disconnect(scans.append)
    find_item(qtbot, win, page, "深层清洁")
    key(qtbot, Qt.Key.Key_F6)
    dialog = page.dialog
    assert isinstance(dialog, TechnicianDialog)
    names = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    dialog.people.setCurrentRow(names.index(TECHNICIAN[0]))
    dialog.designated.setChecked(True)
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    focus(qtbot, page.item_edit)
    scan(qtbot, page.item_edit, SERUM[2])
    priced(qtbot, win, page)
    key(qtbot, Qt.Key.Key_F7)
    sessions = page.dialog
    assert isinstance(sessions, SessionDialog) and sessions.choices.count() == 1
    qtbot.keyClick(sessions.choices, Qt.Key.Key_Return)
    priced(qtbot, win, page)
    focus(qtbot, page.item_edit)


def pay_all(qtbot, win, page, kind: TenderKind = TenderKind.CASH) -> None:
    fkey = {TenderKind.CASH: Qt.Key.Key_F2, TenderKind.STORED_VALUE: Qt.Key.Key_F3,
            TenderKind.WECHAT: Qt.Key.Key_F4}[kind]
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    focus(qtbot, dialog.amounts[kind].edit)
    key(qtbot, fkey)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)


def approve(qtbot, dialog: ApprovalDialog, who) -> None:
    dialog.name_combo.setEditText(who[0])
    qtbot.keyClicks(dialog.pin_edit, who[1])
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)


def shot(qtbot, widget, name: str) -> Path:
    """Save what ``widget`` shows to /tmp/shots/<name>.png once pending layouts are done."""
    qtbot.wait(50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert widget.grab().save(str(path)), f"could not save {path}"
    return path
