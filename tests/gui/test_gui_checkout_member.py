"""The member beside the cart and what changes the price: the allergy warning (without the
health data itself), a member found by the last 4 digits of the phone (F2), a coupon scanned
at the counter (refused with the reason when it does not apply), and a manual discount that
a cashier gets approved by a manager's PIN."""

from __future__ import annotations

import pytest
from checkoutkit_gui import (
    approve,
    find_item,
    focus,
    key,
    open_counter,
    pay_all,
    priced,
    shot,
)
from guikit import OWNER, type_text, wait_for_ops
from memberkit_gui import LML, MANAGER, ZXM, scan, settle
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from salondesk.domain.cart import TenderKind
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services import auth, member_overview
from salondesk.store.schema import AuditEntry, Sale, Staff
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.checkout_dialogs import DiscountDialog
from salondesk.ui.payment_dialog import PaymentDialog

pytestmark = pytest.mark.gui


def test_gui_checkout_member_panel_warns_of_allergies_without_showing_them(qtbot,
                                                                             counter_store):
    store, data = counter_store
    win, page = open_counter(qtbot, store)
    scan(qtbot, page.item_edit, LML[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    assert page.member.member.member_id == data.lml_id
    assert page.member_panel.health_warning.isVisible()
    # a cashier may read neither the health data nor the full phone
    assert "青霉素" not in page.member_panel.health_warning.text()
    assert "****" in page.member_panel.info_label.text()
    find_item(qtbot, win, page, "F01")
    shot(qtbot, win, "checkout-allergy-warning")
    # F2, the last 4 digits of 张晓明's phone, Enter: the panel changes member
    focus(qtbot, page.item_edit)
    key(qtbot, Qt.Key.Key_F2)
    qtbot.keyClicks(page.member_edit, ZXM[1][-4:])
    settle(qtbot, win)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member.member.member_id == data.zxm_id, timeout=15_000)
    assert not page.member_panel.health_warning.isVisible()


def test_gui_checkout_coupon_scan_applies_or_says_why_not(qtbot, counter_store):
    store, data = counter_store
    owner = auth.login(store.ctx, *OWNER)
    code = next(c.code for c in member_overview.ledger_summary(owner, data.zxm_id).coupons
                if c.state == "issued")
    win, page = open_counter(qtbot, store)
    scan(qtbot, page.item_edit, ZXM[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, "H01")  # 128.00: below the coupon's minimum spend of 300
    scan(qtbot, page.item_edit, code)
    settle(qtbot, win)
    assert page.coupon_code is None
    assert page.notice.text()  # the service's reason, as it gave it
    find_item(qtbot, win, page, "F03")  # +388.00
    scan(qtbot, page.item_edit, code)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.coupon_code is not None, timeout=15_000)
    priced(qtbot, win, page)
    assert page.bill.adjustments["coupon"] == 5000
    assert code in page.breakdown.text()
    assert page.bill.due_fen == 12800 + 38800 - 5000


def test_gui_checkout_manual_discount_needs_reason_and_manager(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    find_item(qtbot, win, page, "F01")
    key(qtbot, Qt.Key.Key_F8)
    dialog = page.dialog
    assert isinstance(dialog, DiscountDialog)
    focus(qtbot, dialog.amount.edit)
    qtbot.keyClicks(dialog.amount.edit, "18")
    settle(qtbot, win)
    key(qtbot, Qt.Key.Key_Return)
    assert dialog.isVisible() and not dialog.error_label.isHidden()  # no reason yet
    type_text(qtbot, dialog.reason, "老顾客生日")
    settle(qtbot, win)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    approval = next(w for w in page.findChildren(ApprovalDialog) if w.isVisible())
    wait_for_ops(qtbot)
    approve(qtbot, approval, MANAGER)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.manual is not None and page.bill is not None,
                    timeout=15_000)
    priced(qtbot, win, page)
    assert page.bill.adjustments["manual"] == 1800
    assert str(Money(26800 - 1800)) in page.due_label.text()
    assert "老顾客生日" in page.breakdown.text()
    focus(qtbot, page.item_edit)
    pay_all(qtbot, win, page)
    sale = page.last_sale
    assert sale is not None and sale.total_fen == 25000
    with store.ctx.db.read() as s:
        manager_id = s.scalar(select(Staff.id).where(Staff.name == MANAGER[0]))
        assert s.get(Sale, sale.sale_id).approver_id == manager_id
        rows = s.execute(select(AuditEntry.approver_id).where(
            AuditEntry.action == "sale.discount", AuditEntry.target_id == sale.sale_id)).all()
        assert [r[0] for r in rows] == [manager_id]


def test_gui_checkout_payment_refused_says_why_and_commits_nothing(qtbot, counter_store):
    store, data = counter_store
    win, page = open_counter(qtbot, store)
    scan(qtbot, page.item_edit, LML[2])  # 李美玲 has no stored value
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, "F01")
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    focus(qtbot, dialog.amounts[TenderKind.STORED_VALUE].edit)
    key(qtbot, Qt.Key.Key_F3)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: not dialog.error_label.isHidden(), timeout=15_000)
    assert dialog.isVisible() and page.last_sale is None
    assert dialog.error_label.text() == _("This member has no stored value.")  # the service's
    with store.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == 0
    # the cashier takes it by Alipay instead
    dialog.amounts[TenderKind.STORED_VALUE].edit.clear()
    focus(qtbot, dialog.amounts[TenderKind.ALIPAY].edit)
    key(qtbot, Qt.Key.Key_F5)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.last_sale is not None, timeout=15_000)
    assert page.last_sale.total_fen == 26800
    assert data.lml_id


def test_gui_checkout_points_offset_and_rounding_price_again(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    scan(qtbot, page.item_edit, ZXM[2])  # 388 points: at most ¥3.88 off
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, "F01")
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    focus(qtbot, dialog.points_edit.edit)
    qtbot.keyClicks(dialog.points_edit.edit, "3.5")
    settle(qtbot, win)
    key(qtbot, Qt.Key.Key_Return)  # in the points field: price again, do not pay yet
    settle(qtbot, win)
    qtbot.waitUntil(lambda: dialog.bill.due_fen == 26800 - 350, timeout=15_000)
    assert dialog.isVisible() and str(Money(26450)) in dialog.due_label.text()
    dialog.rounding_combo.setCurrentIndex(dialog.rounding_combo.findData("drop_jiao"))
    settle(qtbot, win)
    qtbot.waitUntil(lambda: dialog.bill.due_fen == 26400, timeout=15_000)
    assert dialog.bill.adjustments["rounding"] == 50
    focus(qtbot, dialog.amounts[TenderKind.WECHAT].edit)
    key(qtbot, Qt.Key.Key_F4)
    key(qtbot, Qt.Key.Key_Return)
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.last_sale is not None, timeout=15_000)
    assert page.last_sale.total_fen == 26400
