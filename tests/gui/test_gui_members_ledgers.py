"""The ledger panel of a member file: top-up, package sale, refund with a manager's PIN,
transfer; amounts typed the way a cashier types them."""

from __future__ import annotations

import pytest
from guikit import CASHIER, OWNER, screenshot, type_text, wait_for_ops
from memberkit_gui import MANAGER, ZXM, open_members, settle
from PySide6.QtCore import QPoint, Qt
from sqlalchemy import select

from salondesk.services import stored_value
from salondesk.store.schema import AuditEntry, Staff
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.ledger_dialogs import PackageSaleDialog, RefundDialog, TopUpDialog, TransferDialog

pytestmark = pytest.mark.gui


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_radio(qtbot, radio) -> None:
    """On the round indicator: a radio button's clickable area is not its whole width."""
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))


def open_zxm(qtbot, member_store, who):
    store, data = member_store
    win, page = open_members(qtbot, store, who)
    page.open_member(data.zxm_id)
    settle(qtbot, win)
    return win, page, page.file_panel.ledger_panel


def test_gui_members_cashier_tops_up_and_panel_updates(qtbot, member_store, boxes):
    win, _page, ledger = open_zxm(qtbot, member_store, CASHIER)
    assert ledger.sv_total.text() == "¥880.00"
    click(qtbot, ledger.top_up_button)
    dialog = ledger.dialog
    assert isinstance(dialog, TopUpDialog) and dialog.isVisible()
    wait_for_ops(qtbot)
    assert dialog.plan_combo.count() == 3  # "amount below" + the store's two plans

    qtbot.keyClicks(dialog.amount.edit, "12.345")
    click(qtbot, dialog.ok_button)
    assert not dialog.amount.error.isHidden()  # said under the field; nothing sent
    assert dialog.isVisible()

    dialog.amount.edit.clear()
    type_text(qtbot, dialog.amount.edit, "￥１，０００")  # full-width, as an IME types it
    qtbot.keyClicks(dialog.bonus.edit, "100")
    dialog.tender_combo.setCurrentIndex(dialog.tender_combo.findData("wechat"))
    click(qtbot, dialog.ok_button)
    settle(qtbot, win)

    assert not dialog.isVisible()
    assert boxes.warnings == []
    assert ledger.sv_total.text() == "¥1,980.00"
    assert ledger.sv_principal.text() == "¥1,800.00"
    assert ledger.lots_table.rowCount() == 2
    assert len(boxes.infos) == 1 and "¥1,980.00" in boxes.infos[0]


def test_gui_members_cashier_sells_package(qtbot, member_store, boxes):
    win, _page, ledger = open_zxm(qtbot, member_store, CASHIER)
    click(qtbot, ledger.sell_package_button)
    dialog = ledger.dialog
    assert isinstance(dialog, PackageSaleDialog)
    wait_for_ops(qtbot)
    dialog.template_combo.setCurrentIndex(dialog.template_combo.findData("T-F02-10"))
    click(qtbot, dialog.ok_button)
    settle(qtbot, win)
    assert ledger.packages_table.rowCount() == 2
    texts = [ledger.packages_table.item(i, 1).text() for i in range(2)]
    assert any("补水保湿护理×10" in t for t in texts)


def test_gui_members_refund_needs_manager_pin_and_shows_quote(qtbot, member_store, boxes):
    store, data = member_store
    win, _page, ledger = open_zxm(qtbot, member_store, CASHIER)
    assert not ledger.refund_button.isHidden()  # a cashier may ask a manager
    click(qtbot, ledger.refund_button)
    dialog = ledger.dialog
    assert isinstance(dialog, RefundDialog)
    qtbot.waitUntil(lambda: dialog.quote is not None)
    # DESIGN §5: paid 1,000 + 100 bonus, used a service listed 275 (charged 220) -> 725
    assert dialog.fig_labels["refund"].text() == "¥725.00"
    assert dialog.fig_labels["consumed"].text() == "¥275.00"
    assert dialog.fig_labels["a"].text() == "¥800.00"  # principal left
    assert dialog.fig_labels["b"].text() == "¥80.00"   # bonus left, forfeited
    assert dialog.fig_labels["forfeit"].text() == "¥155.00"
    with qtbot.waitSignal(dialog.quoted, timeout=5000):
        click_radio(qtbot, dialog.merchant_radio)
    assert dialog.fig_labels["refund"].text() == "¥800.00"  # 880 at the paid ratio 1000/1100
    with qtbot.waitSignal(dialog.quoted, timeout=5000):
        click_radio(qtbot, dialog.consumer_radio)
    type_text(qtbot, dialog.reason_edit, "搬家")
    screenshot(dialog, "refund-calculator")

    click(qtbot, dialog.ok_button)
    approval = dialog.approval_dialog
    assert isinstance(approval, ApprovalDialog) and approval.isVisible()
    wait_for_ops(qtbot)
    approval.name_combo.setEditText(MANAGER[0])
    qtbot.keyClicks(approval.pin_edit, "0000")
    click(qtbot, approval.buttons.button(approval.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)
    assert approval.isVisible() and not approval.error_label.isHidden()  # wrong PIN: stays
    assert stored_value.balance(store.ctx, data.zxm_id).total_fen == 88000

    qtbot.keyClicks(approval.pin_edit, MANAGER[1])
    click(qtbot, approval.buttons.button(approval.buttons.StandardButton.Ok))
    settle(qtbot, win)
    assert not approval.isVisible() and not dialog.isVisible()
    assert boxes.warnings == []
    assert len(boxes.infos) == 1 and "¥725.00" in boxes.infos[0]
    assert ledger.sv_total.text() == "¥0.00"
    with store.ctx.db.read() as s:
        manager_id = s.scalar(select(Staff.id).where(Staff.name == MANAGER[0]))
        row = s.execute(select(AuditEntry.actor_id, AuditEntry.approver_id).where(
            AuditEntry.action == "sv.refund", AuditEntry.outcome == "ok")).one()
    assert row.approver_id == manager_id
    assert row.actor_id == win.ctx.actor.staff_id


def test_gui_members_owner_transfers_without_approval(qtbot, member_store, boxes):
    store, data = member_store
    win, _page, ledger = open_zxm(qtbot, member_store, OWNER)
    click(qtbot, ledger.transfer_button)
    dialog = ledger.dialog
    assert isinstance(dialog, TransferDialog)
    qtbot.keyClicks(dialog.to_search, "1111")  # 李美玲's last four digits
    qtbot.waitUntil(lambda: dialog.to_combo.count() > 0)
    qtbot.keyClicks(dialog.amount.edit, "100")
    type_text(qtbot, dialog.reason_edit, "转给朋友")
    click(qtbot, dialog.ok_button)
    settle(qtbot, win)
    assert dialog.approval_dialog is None
    assert ledger.sv_total.text() == "¥780.00"
    assert stored_value.balance(store.ctx, data.lml_id).total_fen == 10000
    assert ZXM[0] == ledger.member_name
