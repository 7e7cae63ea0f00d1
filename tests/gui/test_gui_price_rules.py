"""Member days at the counter and the customer display, in Chinese: the rule's name in the
checkout's breakdown, the customer display following the cart and, after the payment, showing
the member's balances for a few seconds (masked phone, nobody else's data); a manager adds a
rule from the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from checkoutkit_gui import find_item, open_counter, pay_all, priced, shot
from guikit import OWNER, wait_for_ops
from memberkit_gui import MANAGER, ZXM, scan, settle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton
from sqlalchemy import select

from salondesk.domain.price_rules import PriceRule, RuleKind
from salondesk.i18n import _, ngettext
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import auth, checkout, price_rules
from salondesk.services.receipts import rule_label
from salondesk.store.schema import AuditEntry
from salondesk.ui.catalogue_page import CataloguePage
from salondesk.ui.customer_display import CustomerDisplay, DisplayPrefs
from salondesk.ui.language import apply_locale
from salondesk.ui.price_rule_dialog import PriceRuleDialog
from salondesk.ui.settings_page import SettingsPage

pytestmark = pytest.mark.gui

RULE = "会员日九折"
DOUBLE = "双倍积分日"


def today_weekday() -> int:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).weekday()


def member_day_today(store) -> None:
    """The member day and a double-points day on today's weekday (the GUI runs on the real
    clock); the discount stacks on the member's tier discount so it always shows."""
    owner = auth.login(store.ctx, *OWNER)
    day = frozenset({today_weekday()})
    price_rules.save_rule(owner, PriceRule("", RULE, RuleKind.DISCOUNT, rate_bp=9000,
                                           weekdays=day, line_kinds=("service",), stack=True),
                          op_id=new_op_id())
    price_rules.save_rule(owner, PriceRule("", DOUBLE, RuleKind.POINTS, points_permille=2000,
                                           weekdays=day), op_id=new_op_id())


def ring_up_member(qtbot, win, page) -> None:
    scan(qtbot, page.item_edit, ZXM[2])
    settle(qtbot, win)
    qtbot.waitUntil(lambda: page.member is not None, timeout=15_000)
    find_item(qtbot, win, page, "F01")
    find_item(qtbot, win, page, "B01")
    priced(qtbot, win, page)
    qtbot.waitUntil(lambda: page.bill is not None and len(page.bill.lines) == 2,
                    timeout=15_000)


def test_gui_price_rules_member_day_in_the_checkout_breakdown(qtbot, counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    member_day_today(store)
    win, page = open_counter(qtbot, store)
    ring_up_member(qtbot, win, page)
    bill = page.bill
    assert bill.rule_names == (RULE,) and bill.adjustments["rule"] > 0
    # the same breakdown the service gives for this cart
    expected = checkout.price_cart(page._ctx, page.cart())
    assert expected == bill
    text = page.breakdown.text()
    assert rule_label((RULE,)) in text and RULE in text
    assert str(Money(-bill.adjustments["rule"])) in text
    assert DOUBLE in text  # the double-points day is announced with the price
    assert str(Money(bill.due_fen)) in page.due_label.text()
    # the rule's share is on the lines too (the discount column of the cart)
    assert all(pl.rule_name == RULE for pl in bill.lines)
    shot(qtbot, win, "checkout-member-day-zh")


def _display_on(qtbot, win) -> CustomerDisplay:
    """Settings -> This counter PC -> customer display: the window opens and follows."""
    win.show_area("settings")
    settings = win.pages["settings"]
    assert isinstance(settings, SettingsPage)
    box = settings.customer_display_box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    display = win.customer_display
    assert isinstance(display, CustomerDisplay) and display.isVisible()
    assert DisplayPrefs.load(win.store.data_dir.root).customer_display
    display.resize(1024, 640)
    win.show_area("checkout")
    return display


def test_gui_price_rules_customer_display_follows_a_sale(qtbot, counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    member_day_today(store)
    win, page = open_counter(qtbot, store)
    display = _display_on(qtbot, win)
    wait_for_ops(qtbot)
    assert QApplication.activeWindow() is win  # the cashier keeps the keyboard
    assert display.store_label.text()  # the store's name
    assert display.message_label.text() == _("Welcome")
    ring_up_member(qtbot, win, page)
    qtbot.waitUntil(lambda: display.state == "cart" and bool(display.total_label.text()))
    bill = page.bill
    assert RULE in display.breakdown_label.text()
    assert "深层清洁面部护理" in display.lines_label.text()
    assert str(Money(bill.due_fen)) in display.total_label.text()
    member_text = display.member_label.text()
    # the member's phone masked and the name shortened, whatever the cashier may see
    assert "138****5678" in member_text and ZXM[1] not in member_text
    assert ZXM[0] not in member_text and member_text.count("张") == 1
    shot(qtbot, display, "customer-display-cart-zh")
    due = bill.due_fen
    pay_all(qtbot, win, page)
    qtbot.waitUntil(lambda: display.state == "paid", timeout=15_000)
    result = page.last_sale
    assert result is not None and result.total_fen == due
    shown = display.lines_label.text()
    assert f"{result.points_balance:,}" in shown and f"+{result.points_earned:,}" in shown
    assert str(Money((result.sv_principal_fen or 0) + (result.sv_bonus_fen or 0))) in shown
    # the sessions left of the member's package (untouched by this sale)
    assert "肩颈舒缓六次卡" in shown
    assert ngettext("{n} session left", "{n} sessions left", 5).format(n=5) in shown
    assert "138****5678" in display.member_label.text()
    assert display.after_sale.isActive()
    shot(qtbot, display, "customer-display-paid-zh")
    # a few seconds later: welcome again, nothing of the member left
    display.after_sale.setInterval(1)
    display.after_sale.start()
    qtbot.waitUntil(lambda: display.state == "welcome", timeout=5_000)
    assert not display.member_label.text() and not display.lines_label.text()
    # the next customer, a walk-in: no member on the display
    find_item(qtbot, win, page, "F01")
    qtbot.waitUntil(lambda: display.state == "cart" and bool(display.total_label.text()))
    assert not display.member_label.text()
    assert RULE not in display.breakdown_label.text()  # members only


def test_gui_price_rules_display_stays_off_by_default_and_closes(qtbot, counter_store):
    store, _data = counter_store
    win, page = open_counter(qtbot, store)
    assert win.customer_display is None
    display = _display_on(qtbot, win)
    win.show_area("settings")
    box = win.pages["settings"].customer_display_box
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert win.customer_display is None and not display.isVisible()
    assert not DisplayPrefs.load(store.data_dir.root).customer_display
    # a page that emits after the display closed is not disturbed
    find_item(qtbot, win, page, "F01")
    assert page.bill is not None


def test_gui_price_rules_manager_adds_a_rule_in_the_catalogue(qtbot, counter_store):
    apply_locale("zh_CN")
    store, _data = counter_store
    ctx = auth.login(store.ctx, *MANAGER)
    page = CataloguePage(ctx)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: page.data is not None, timeout=15_000)
    page.tabs.setCurrentIndex(page.tabs.count() - 1)
    new = page.findChild(QPushButton, "newRule")
    qtbot.mouseClick(new, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert isinstance(dialog, PriceRuleDialog)
    dialog.name_edit.setText("周三会员日")
    dialog.rate_spin.setValue(88.0)
    dialog.day_boxes[2].setChecked(True)
    dialog.kind_boxes["service"].setChecked(True)
    dialog.times_box.setChecked(True)
    shot(qtbot, dialog, "price-rule-dialog-zh")
    dialog.submit()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: page.rules_table.rowCount() == 1, timeout=15_000)
    assert page.rules_table.item(0, 0).text() == "周三会员日"
    assert "88%" in page.rules_table.item(0, 1).text()
    shot(qtbot, page, "catalogue-price-rules-zh")
    saved = price_rules.list_rules(ctx)[0]
    assert saved.rate_bp == 8800 and saved.weekdays == {2}
    assert (saved.time_from, saved.time_until) == (dt.time(9, 0), dt.time(12, 0))
    with store.ctx.db.read() as s:
        detail = json.loads(s.scalar(select(AuditEntry.detail).where(
            AuditEntry.target_id == saved.rule_id)))
    assert detail["after"]["name"] == "周三会员日" and detail["before"] is None
    # an impossible rule is refused in the dialog, in words
    qtbot.mouseClick(new, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    dialog.name_edit.setText("")
    dialog.submit()
    assert dialog.error_label.isVisible() and dialog.error_label.text()
