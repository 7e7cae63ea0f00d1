"""Voids and refunds from the counter (F10): a cashier voids today's sale with a manager's
PIN and a reason; a refund of some lines gives back exactly those lines; the screen says
what went back and the undo receipt prints."""

from __future__ import annotations

import pytest
from checkoutkit_gui import (
    CLEANSER,
    SERUM,
    approve,
    decoder,
    find_item,
    focus,
    key,
    open_counter,
    pay_all,
    set_printer,
)
from guikit import CASHIER, OWNER, wait_for_ops
from memberkit_gui import MANAGER, ZXM, scan, settle
from PySide6.QtCore import Qt
from sqlalchemy import select

from salondesk.domain.cart import TenderKind
from salondesk.money import Money
from salondesk.services import auth, catalogue, member_overview
from salondesk.store.schema import AuditEntry, Sale, Staff
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.sale_undo_dialog import SalesDialog

pytestmark = pytest.mark.gui


def stock(ctx, code: str) -> int:
    return next(p.stock for p in catalogue.list_products(ctx) if p.code == code)


def test_gui_checkout_cashier_voids_sale_with_manager_pin(qtbot, counter_store, tmp_path):
    store, _data = counter_store
    out = tmp_path / "printer.bin"
    set_printer(store, f"file:{out}", width=58)
    win, page = open_counter(qtbot, store)
    owner = auth.login(store.ctx, *OWNER)
    before = stock(owner, SERUM[0])
    find_item(qtbot, win, page, SERUM[2])
    pay_all(qtbot, win, page)
    sale = page.last_sale
    assert sale is not None and stock(owner, SERUM[0]) == before - 1
    qtbot.waitUntil(lambda: page.printer.busy == 0 and out.exists(), timeout=15_000)
    first = decoder().decode(out.read_bytes())
    assert "drawer" in first.kinds()  # a cash sale opens the drawer

    focus(qtbot, page.item_edit)
    key(qtbot, Qt.Key.Key_F10)
    dialog = page.dialog
    assert isinstance(dialog, SalesDialog)
    wait_for_ops(qtbot)
    assert dialog.table.item(0, 0).text() == sale.receipt_label
    assert not dialog.void_button.isHidden()  # a cashier may ask a manager
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    assert not dialog.error_label.isHidden()  # no reason yet: nothing asked, nothing sent
    assert dialog.approval_dialog is None
    qtbot.keyClicks(dialog.reason_edit, "scan twice")
    qtbot.mouseClick(dialog.void_button, Qt.MouseButton.LeftButton)
    approval = dialog.approval_dialog
    assert isinstance(approval, ApprovalDialog)
    wait_for_ops(qtbot)
    approve(qtbot, approval, CASHIER)  # a cashier cannot approve their own void
    wait_for_ops(qtbot)
    assert approval.isVisible() and not approval.error_label.isHidden()
    approve(qtbot, approval, MANAGER)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: not approval.isVisible(), timeout=15_000)
    qtbot.waitUntil(lambda: dialog.table.item(0, 4) is not None
                    and dialog.table.item(0, 4).text() != "")
    assert sale.receipt_label in dialog.table.item(0, 0).text()
    assert str(Money(sale.total_fen)) in dialog.error_label.text()

    # the ledgers: stock back, a void record approved by the manager, audited
    assert stock(owner, SERUM[0]) == before
    with store.ctx.db.read() as s:
        void = s.scalars(select(Sale).where(Sale.original_sale_id == sale.sale_id)).one()
        manager_id = s.scalar(select(Staff.id).where(Staff.name == MANAGER[0]))
        assert (void.kind, void.total_fen, void.reason) == ("void", -sale.total_fen,
                                                            "scan twice")
        assert void.approver_id == manager_id
        audit = s.execute(select(AuditEntry.approver_id, AuditEntry.outcome).where(
            AuditEntry.action == "sale.void", AuditEntry.target_id == sale.sale_id)).all()
        assert [tuple(a) for a in audit] == [(manager_id, "ok")]
    # the void's receipt follows the sale's in the printer file
    qtbot.waitUntil(lambda: page.printer.busy == 0, timeout=15_000)
    both = decoder().decode(out.read_bytes())
    assert len(both.text) > len(first.text)
    assert "scan twice" in both.text


def test_gui_checkout_refund_of_one_line_returns_that_line(qtbot, counter_store):
    store, data = counter_store
    win, page = open_counter(qtbot, store, MANAGER)
    owner = auth.login(store.ctx, *OWNER)
    sv_before = member_overview.ledger_summary(owner, data.zxm_id).stored_value.total_fen
    scan(qtbot, page.item_edit, ZXM[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, SERUM[2])
    find_item(qtbot, win, page, CLEANSER[2])
    pay_all(qtbot, win, page, TenderKind.STORED_VALUE)
    sale = page.last_sale
    assert sale is not None
    spent = sv_before - member_overview.ledger_summary(owner, data.zxm_id) \
        .stored_value.total_fen
    assert spent == sale.total_fen
    focus(qtbot, page.item_edit)
    key(qtbot, Qt.Key.Key_F10)
    dialog = page.dialog
    assert isinstance(dialog, SalesDialog)
    wait_for_ops(qtbot)
    assert dialog.lines.count() == 2
    cleanser = dialog.lines.item(1)
    assert CLEANSER[1] in cleanser.text()
    cleanser.setCheckState(Qt.CheckState.Checked)
    qtbot.keyClicks(dialog.reason_edit, "allergic")
    qtbot.mouseClick(dialog.refund_button, Qt.MouseButton.LeftButton)
    assert dialog.approval_dialog is None  # a manager holds the permission
    settle(qtbot, win)
    qtbot.waitUntil(lambda: dialog.table.rowCount() and dialog.table.item(0, 4).text() != "",
                    timeout=15_000)
    after = member_overview.ledger_summary(owner, data.zxm_id).stored_value.total_fen
    with store.ctx.db.read() as s:
        refund = s.scalars(select(Sale).where(Sale.original_sale_id == sale.sale_id)).one()
        assert refund.kind == "refund"
        refunded = -refund.total_fen
    assert 0 < refunded < sale.total_fen
    assert after == sv_before - sale.total_fen + refunded
