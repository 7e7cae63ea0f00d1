"""The customer display and the payment dialog on a member day, in Chinese.

The customer display shows only the store's welcome while the counter is locked and when
the cashier signs out (nothing of the member or the cart reaches the customer's screen,
even when the page moves on meanwhile), and shows the sale again on unlock. The payment
dialog names the price rule that applied (会员日九折), not the generic 优惠活动.
"""

from __future__ import annotations

import pytest
from checkoutkit_gui import focus, key, open_counter, shot
from guikit import CASHIER, wait_for_ops
from memberkit_gui import ZXM
from PySide6.QtCore import Qt
from test_gui_price_rules import DOUBLE, RULE, _display_on, member_day_today, ring_up_member

from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services.receipts import points_boost_label, rule_label
from salondesk.ui.customer_display import CustomerDisplay
from salondesk.ui.language import apply_locale
from salondesk.ui.payment_dialog import PaymentDialog

pytestmark = pytest.mark.gui


def _blank(display: CustomerDisplay) -> bool:
    """Only the store's name and the welcome: no member, no lines, no figures."""
    return (display.state == "welcome" and display.blanked
            and display.message_label.text() == _("Welcome") and bool(display.store_label.text())
            and not display.member_label.text() and not display.lines_label.text()
            and not display.breakdown_label.text() and not display.total_label.text())


def _showing_cart(display: CustomerDisplay) -> bool:
    return display.state == "cart" and RULE in display.breakdown_label.text() \
        and "138****5678" in display.member_label.text()


def test_gui_customer_display_blanks_while_locked_and_comes_back_on_unlock(qtbot,
                                                                         counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    member_day_today(store)
    win, page = open_counter(qtbot, store)
    display = _display_on(qtbot, win)
    ring_up_member(qtbot, win, page)
    qtbot.waitUntil(lambda: _showing_cart(display), timeout=15_000)
    assert "深层清洁面部护理" in display.lines_label.text()

    win.lock()
    assert win.is_locked and _blank(display)
    shot(qtbot, display, "customer-display-locked-zh")
    # the page moves on while locked (a price arriving, the member panel refreshing):
    # the customer still sees the welcome only
    page.priced.emit()
    page.member_shown.emit(page.member.member.member_id)
    wait_for_ops(qtbot)
    assert _blank(display)

    lock = win.lock_screen
    wait_for_ops(qtbot)
    qtbot.keyClicks(lock.pin_edit, CASHIER[1])
    qtbot.keyClick(lock.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not win.is_locked, timeout=10_000)
    qtbot.waitUntil(lambda: _showing_cart(display), timeout=10_000)
    assert not display.blanked
    assert "深层清洁面部护理" in display.lines_label.text()
    assert str(Money(page.bill.due_fen)) in display.total_label.text()
    assert ZXM[0] not in display.member_label.text()  # shortened name, as before the lock


def test_gui_customer_display_blanks_when_the_cashier_signs_out(qtbot, counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    member_day_today(store)
    win, page = open_counter(qtbot, store)
    display = _display_on(qtbot, win)
    ring_up_member(qtbot, win, page)
    qtbot.waitUntil(lambda: _showing_cart(display), timeout=15_000)
    shown_at_sign_out: list[bool] = []
    win.sign_out_requested.connect(lambda: shown_at_sign_out.append(_blank(display)))
    with qtbot.waitSignal(win.sign_out_requested, timeout=5_000):
        qtbot.mouseClick(win.sign_out_button, Qt.MouseButton.LeftButton)
    assert shown_at_sign_out == [True]  # blank before the login screen takes over
    page.priced.emit()  # nothing of the cart comes back after signing out
    assert _blank(display)
    win.close()  # the app closes the signed-out window: its display goes with it
    assert win.customer_display is None and not display.isVisible()


def test_gui_payment_dialog_names_the_member_day_rule(qtbot, counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    member_day_today(store)
    win, page = open_counter(qtbot, store)
    ring_up_member(qtbot, win, page)
    bill = page.bill
    assert bill.rule_names == (RULE,) and bill.adjustments["rule"] > 0
    key(qtbot, Qt.Key.Key_F9)
    dialog = page.dialog
    assert isinstance(dialog, PaymentDialog)
    text = dialog.breakdown.text()
    assert f"{rule_label((RULE,))} {Money(-bill.adjustments['rule'])}" in text
    assert "优惠活动：会员日九折" in text
    assert f"{_('Promotion')} " not in text  # not the generic label alone
    assert bill.points_boost is not None
    assert points_boost_label(DOUBLE, 2000) in text
    assert str(Money(bill.due_fen)) in dialog.due_label.text()
    dialog.resize(760, dialog.sizeHint().height())
    shot(qtbot, dialog, "payment-member-day-zh")
    dialog.reject()
    focus(qtbot, page.item_edit)
