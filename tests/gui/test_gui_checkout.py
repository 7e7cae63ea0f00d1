"""The checkout screen driven the way a cashier drives it: a member card scanned as a keyboard
burst, items found by typing and by barcode, a package session, a split payment with the
function keys, the receipt printed to a ``file:`` printer and read back by the independent
ESC/POS decoder; a printer that cannot be opened; hold and resume."""

from __future__ import annotations

import json

import pytest
from checkoutkit_gui import (
    CLEANSER,
    SERUM,
    decoder,
    find_item,
    focus,
    key,
    open_counter,
    priced,
    ring_up_zxm,
    set_printer,
    shot,
)
from guikit import CASHIER, OWNER
from memberkit_gui import TECHNICIAN, ZXM, scan, settle
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from salondesk.domain.cart import TenderKind
from salondesk.domain.pricing import LineKind
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import auth, catalogue, checkout, member_overview
from salondesk.store.schema import AuditEntry, Sale, SaleLine, SaleTender
from salondesk.ui.payment_dialog import PaymentDialog
from salondesk.ui.sale_undo_dialog import SalesDialog

pytestmark = pytest.mark.gui


def test_gui_checkout_rings_up_member_sale_split_and_prints(qtbot, counter_store, tmp_path):
    store, data = counter_store
    out = tmp_path / "printer.bin"
    set_printer(store, f"file:{out}")
    win, page = open_counter(qtbot, store)
    owner = auth.login(store.ctx, *OWNER)
    before = member_overview.ledger_summary(owner, data.zxm_id)
    ring_up_zxm(qtbot, win, page, data)

    # the screen: three lines, technician, the member panel, the breakdown
    model = page.model
    assert [e.item.kind for e in model.entries] == [LineKind.SERVICE, LineKind.PRODUCT,
                                                    LineKind.SESSION]
    assert model.data(model.index(0, 2)).startswith(TECHNICIAN[0])
    assert page.member_panel.name_label.text().startswith(ZXM[0])
    panel = page.member_panel
    assert panel.ledger.sv_total.text() == str(Money(before.stored_value.total_fen))
    assert panel.ledger.sv_principal.text() == str(Money(before.stored_value.principal_fen))
    assert "肩颈舒缓按摩×5" in panel.ledger.packages_table.item(0, 1).text()
    assert str(before.points) in panel.ledger.points_label.text()
    assert not panel.health_warning.isVisible()
    bill = page.bill
    assert bill is not None
    assert bill.subtotal_fen == 26800 + SERUM[3] + bill.session_fen
    assert bill.session_fen > 0
    assert str(Money(bill.due_fen)) in page.due_label.text()
    shot(qtbot, win, "checkout-mid-sale")

    # pay: 200.00 from stored value, the rest by WeChat (F4), Enter
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog) and dialog.isVisible()
    sv_edit = dialog.amounts[TenderKind.STORED_VALUE].edit
    focus(qtbot, sv_edit)
    qtbot.keyClicks(sv_edit, "200")
    settle(qtbot, win)  # a person's typing: the scanner filter has let the keys through
    qtbot.keyClick(sv_edit, Qt.Key.Key_F4)
    wechat = dialog.amounts[TenderKind.WECHAT].edit.text()
    assert Money(round(float(wechat) * 100)).fen == bill.due_fen - 20000
    assert dialog.remaining_label.text() == _("Paid in full")
    shot(qtbot, dialog, "checkout-payment-dialog")
    qtbot.keyClick(dialog.amounts[TenderKind.WECHAT].edit, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.last_sale is not None, timeout=15_000)
    result = page.last_sale

    # the screen is free for the next customer at once
    assert not dialog.isVisible()
    assert page.model.rowCount() == 0 and page.member is None
    assert result.receipt_label in page.notice.text()

    after = check_ledgers(store, owner, data, before, result, bill)

    # the receipt, read back by the independent decoder
    qtbot.waitUntil(lambda: page.printer.busy == 0, timeout=15_000)
    check_receipt(out, result, bill, after)
    assert not page.print_bar.isVisible()
    assert print_attempts(store, result.sale_id) == ["printed"]


def print_attempts(store, sale_id: str) -> list[str]:
    """The audited print attempts of a sale's receipt, oldest first."""
    with store.ctx.db.read() as s:
        return [json.loads(d)["outcome"] for d in s.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "receipt.print",
                                            AuditEntry.target_id == sale_id)
            .order_by(AuditEntry.seq))]


def check_ledgers(store, owner, data, before, result, bill):  # noqa: PLR0917
    """Stored value, package sessions, stock, the sale's tenders and lines after the sale."""
    after = member_overview.ledger_summary(owner, data.zxm_id)
    assert after.stored_value.total_fen == before.stored_value.total_fen - 20000
    left_before = sum(sum(p.sessions_left.values()) for p in before.packages)
    assert sum(sum(p.sessions_left.values()) for p in after.packages) == left_before - 1
    serum = next(p for p in catalogue.list_products(owner) if p.code == SERUM[0])
    assert serum.stock == 5
    with store.ctx.db.read() as s:
        sale = s.get(Sale, result.sale_id)
        assert sale.total_fen == bill.total_fen and sale.member_id == data.zxm_id
        tenders = {t.kind: t.amount_fen for t in s.scalars(
            select(SaleTender).where(SaleTender.sale_id == sale.id))}
        lines = [(line.kind, line.designated, line.technician_id, line.paid_session_fen)
                 for line in s.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id)
                                       .order_by(SaleLine.line_no))]
    assert tenders == {"stored_value": 20000, "wechat": bill.due_fen - 20000,
                       "package": bill.session_fen}
    assert lines[0][:2] == ("service", True) and lines[0][2] is not None
    assert lines[2][0] == "session" and lines[2][3] == bill.session_fen
    return after


def check_receipt(out, result, bill, after) -> None:
    """The printed bytes: lines, tenders, masked member phone, balances after, the receipt
    no. as Code128, a cut and no drawer kick (nothing was paid in cash)."""
    decoded = decoder().decode(out.read_bytes())
    text = decoded.text
    wechat = str(Money(bill.due_fen - 20000)).lstrip("¥")
    principal = str(Money(after.stored_value.principal_fen)).lstrip("¥")
    for expected in ("深层清洁面部护理", SERUM[1], "肩颈舒缓按摩", "微信支付", wechat,
                     ZXM[0], "138****5678", principal, TECHNICIAN[0]):
        assert expected in text, expected
    assert ZXM[1] not in text  # the full phone never goes on paper
    assert [b.payload for b in decoded.barcodes] == [result.receipt_label]
    assert "cut" in decoded.kinds()
    assert "drawer" not in decoded.kinds()


def test_gui_checkout_failing_printer_keeps_sale_and_shows_retry_bar(qtbot, counter_store,
                                                                       tmp_path):
    store, _data = counter_store
    set_printer(store, f"file:{tmp_path / 'no-such-dir' / 'printer.bin'}")
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, SERUM[2])
    find_item(qtbot, win, page, "氨基酸")
    assert page.model.rowCount() == 2
    due = page.bill.due_fen
    key(qtbot, Qt.Key.Key_F12)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    cash = dialog.amounts[TenderKind.CASH].edit
    focus(qtbot, cash)
    key(qtbot, Qt.Key.Key_F2)  # everything in cash; focus goes to "received"
    assert QApplication.focusWidget() is dialog.received.edit
    qtbot.keyClicks(dialog.received.edit, "300")
    settle(qtbot, win)
    assert dialog.change_label.text().endswith(str(Money(30000 - due)))
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.last_sale is not None, timeout=15_000)
    # the sale is committed and the counter free before the printer answered
    assert page.model.rowCount() == 0
    qtbot.waitUntil(page.print_bar.isVisible, timeout=15_000)
    result = page.last_sale
    assert result.change_fen == 30000 - due
    assert result.receipt_label in page.print_bar.label.text()
    with store.ctx.db.read() as s:
        assert s.get(Sale, result.sale_id) is not None
    shot(qtbot, win, "checkout-printer-failed")
    # retry against the same dead address: the bar comes back, the sale stays
    qtbot.mouseClick(page.print_bar.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.printer.busy == 0 and page.print_bar.isVisible(),
                    timeout=15_000)
    assert print_attempts(store, result.sale_id) == ["failed", "failed"]
    qtbot.mouseClick(page.print_bar.later_button, Qt.MouseButton.LeftButton)
    assert not page.print_bar.isVisible()
    # the "reprint later" list is Recent sales (F10): the sale says its receipt is missing
    focus(qtbot, page.item_edit)
    key(qtbot, Qt.Key.Key_F10)
    sales = page.dialog
    assert isinstance(sales, SalesDialog)
    qtbot.waitUntil(lambda: bool(sales.sales), timeout=15_000)
    assert sales.sales[0].sale_id == result.sale_id
    assert sales.table.item(0, 4).text() == _("receipt not printed")
    sales.reject()


def test_gui_checkout_hold_two_carts_and_resume_one(qtbot, counter_store):
    store, data = counter_store
    win, page = open_counter(qtbot, store)
    scan(qtbot, page.item_edit, ZXM[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, "F02")
    key(qtbot, Qt.Key.Key_F4)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=15_000)
    assert page.member is None
    find_item(qtbot, win, page, CLEANSER[2])
    find_item(qtbot, win, page, CLEANSER[2])
    assert page.model.entries[0].item.qty == 2
    key(qtbot, Qt.Key.Key_F4)
    settle(qtbot, win)
    cashier = auth.login(store.ctx, *CASHIER)
    assert [h.lines for h in checkout.held_carts(cashier)] == [1, 1]
    focus(qtbot, page.item_edit)
    key(qtbot, Qt.Key.Key_F5)
    settle(qtbot, win)
    dialog = page.dialog
    assert dialog is not None and dialog.choices.count() == 2
    assert ZXM[0] in dialog.choices.item(0).text()
    qtbot.keyClick(dialog.choices, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.member is not None, timeout=15_000)
    priced(qtbot, win, page)
    assert page.model.entries[0].name == "补水保湿护理"
    assert page.member.member.member_id == data.zxm_id
    assert [h.lines for h in checkout.held_carts(cashier)] == [1]


def test_gui_checkout_keys_edit_lines_and_clear(qtbot, counter_store, boxes):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, "F01")
    find_item(qtbot, win, page, CLEANSER[2])
    focus(qtbot, page.table)
    page.table.selectRow(1)
    key(qtbot, Qt.Key.Key_Plus)
    priced(qtbot, win, page)
    assert page.model.entries[1].item.qty == 2
    assert page.bill.due_fen == 26800 + 2 * CLEANSER[3]
    key(qtbot, Qt.Key.Key_Minus)
    key(qtbot, Qt.Key.Key_Delete)
    priced(qtbot, win, page)
    assert [e.name for e in page.model.entries] == ["深层清洁面部护理"]
    key(qtbot, Qt.Key.Key_F1)
    assert len(boxes.infos) == 1 and "F10" in boxes.infos[0]
    boxes.answer = False
    key(qtbot, Qt.Key.Key_Escape)
    assert page.model.rowCount() == 1  # the cashier said no
    boxes.answer = True
    key(qtbot, Qt.Key.Key_Escape)
    priced(qtbot, win, page)
    assert page.model.rowCount() == 0 and page.bill is None
    assert boxes.questions == [_("Clear this sale?")] * 2
