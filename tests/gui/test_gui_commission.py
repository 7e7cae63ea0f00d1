"""The commission area (提成) worked as a manager would: a rule set on the Rules tab, a sale
rung (through the checkout service), the month's statement with the worked example (a 300
facial at 8折 = 240 paid from a 1000 + 100 lot: principal 218.18 / bonus 21.82; 5% of the
consumption performance = 12.00 plus the designated hand fee), a gifted and shared line
marked, step rates, the statement PDF and the payroll XLSX; a technician sees only their own."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from checkoutkit_gui import shot
from guikit import OWNER, PASSPHRASE, type_text, wait_for_ops
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QCheckBox

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.commission import CommissionRule
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import (
    auth,
    catalogue,
    checkout,
    commission,
    coupons,
    members,
    staff,
    staff_profiles,
    store_setup,
    stored_value,
    tiers,
)
from salondesk.ui.commission_page import CommissionPage, month_range
from salondesk.ui.commission_rules import RuleDialog, parse_percent, percent_text
from salondesk.ui.main_window import build_main_window
from salondesk.ui.status_bar import business_day

pytestmark = pytest.mark.gui

MANAGER = ("李娜", "6666")
TECH = ("陈静", "2222")
OTHER = ("周波", "3333")
FACIAL = catalogue.ServiceSpec("F03", "焕颜护理", "面部护理", 30000, 60)


@pytest.fixture(scope="module")
def salon_template(template_store, tmp_path_factory):
    """The GUI template plus a manager, two technicians, the 300 facial, a 8折 tier and a
    gold member with a 1000 + 100 lot (built once for the module)."""
    root = tmp_path_factory.mktemp("commission") / "store"
    shutil.copytree(template_store, root)
    from guikit import NoKeyStore

    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        staff.create_staff(owner, name=MANAGER[0], role=Role.MANAGER, secret=MANAGER[1],
                           op_id=new_op_id())
        catalogue.upsert_services(owner, [FACIAL], op_id=new_op_id())
        for name, pin, grade in ((*TECH, "mid"), (*OTHER, "junior")):
            sid = staff.create_staff(owner, name=name, role=Role.TECHNICIAN, secret=pin,
                                     op_id=new_op_id())
            staff_profiles.set_profile(owner, sid, grade=grade, services=("F03",), hours=None,
                                       op_id=new_op_id())
        gold = tiers.configure_tiers(owner, [tiers.TierSpec(
            code="GOLD", name="金卡", rank=1, discounts={"面部护理": 8000})], op_id=new_op_id())
        made = members.create_member(owner, members.MemberDraft(name="王芳",
                                                                phone="13911112222"),
                                     op_id=new_op_id())
        tiers.set_tier(owner, str(made["member_id"]), gold[0], op_id=new_op_id())
        stored_value.top_up(owner, member_id=str(made["member_id"]), principal_fen=100000,
                            bonus_fen=10000, op_id=new_op_id())
    finally:
        store.close()
    return root


@pytest.fixture
def salon(salon_template, tmp_path, keystore, qtbot):
    root = tmp_path / "salon"
    shutil.copytree(salon_template, root)
    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore)
    owner = auth.login(store.ctx, *OWNER)
    people = {p.name: p.staff_id for p in staff_profiles.profiles(owner)}
    from salondesk.services.member_search import search_members

    ids = {"tech": people[TECH[0]], "other": people[OTHER[0]],
           "member": search_members(owner, "13911112222")[0].member_id}
    yield store, ids
    wait_for_ops(qtbot)
    store.close()


def _open(qtbot, store, who):
    ctx = auth.login(store.ctx, *who)
    win = build_main_window(store, ctx)
    qtbot.addWidget(win)
    win.resize(1280, 780)
    win.show()
    qtbot.waitExposed(win)
    win.show_area("commission")
    page = win.pages["commission"]
    assert isinstance(page, CommissionPage)
    wait_for_ops(qtbot)
    return win, page, ctx


def _click(qtbot, widget) -> None:
    if isinstance(widget, QCheckBox):  # on its box: a short (Chinese) label ends mid-widget
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton,
                         pos=QPoint(8, widget.height() // 2))
        return
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _cells(table, row: int) -> list[str]:
    return [table.item(row, j).text() for j in range(table.columnCount())]


def _sell(store, ids, *, gift: bool = False) -> None:
    """The cashier rings the facial for 王芳 (designated 陈静), paid from stored value; or,
    with ``gift``, the facial free by coupon, shared 60/40 with 周波."""
    cashier = auth.login(store.ctx, "张敏", "1234")
    if not gift:
        checkout.commit_sale(cashier, Cart((CartItem(
            LineKind.SERVICE, "F03", technician_id=ids["tech"], designated=True),),
            member_id=ids["member"]), [Tender(TenderKind.STORED_VALUE, 24000)],
            op_id=new_op_id())
        return
    owner = auth.login(store.ctx, *OWNER)
    free = coupons.create_template(owner, coupons.TemplateSpec(
        name="免费焕颜护理", kind="service", service_code="F03"), op_id=new_op_id())
    code = coupons.issue_to_members(owner, free, [ids["member"]], op_id=new_op_id())[0]
    checkout.commit_sale(cashier, Cart((CartItem(
        LineKind.SERVICE, "F03", technician_id=ids["tech"], designated=True,
        shares=((ids["tech"], 60), (ids["other"], 40))),), member_id=ids["member"],
        coupon_code=code), [], op_id=new_op_id())


def _add_rule(qtbot, page: CommissionPage) -> RuleDialog:
    rules = page.rules
    assert rules is not None
    page.tabs.setCurrentWidget(rules)
    qtbot.waitUntil(lambda: rules.data is not None, timeout=15_000)
    _click(qtbot, rules.add_button)
    dialog = rules.dialog
    assert isinstance(dialog, RuleDialog) and dialog.isVisible()
    return dialog


def _set_the_rule(qtbot, page: CommissionPage, ctx) -> None:
    """On the Rules tab: all services, any grade, 5%, hand fee 10.00 rotation / 20.00
    designated, gifted items at half the usual commission (a wrong try first)."""
    assert page.rules is not None
    dialog = _add_rule(qtbot, page)
    assert dialog.key_combo.currentData() == "*"
    # by default a rule pays on consumption performance, of the amount paid, bonus included
    assert dialog.performance_combo.currentData() == "consumption"
    assert dialog.base_combo.currentData() == "paid" and not dialog.principal_only.isChecked()
    assert dialog.base_note.text() == _("The percentage is of {what}. The hand fee is per "
                                        "unit.").format(what=_(
        "what the client finally paid (stored-value principal and bonus both count; a "
        "package session at its consumed value)"))
    dialog.rotation_pct.setValue(5)
    dialog.designated_pct.setValue(4)
    dialog.rotation_fee.edit.clear()
    type_text(qtbot, dialog.rotation_fee.edit, "10")
    dialog.designated_fee.edit.clear()
    type_text(qtbot, dialog.designated_fee.edit, "20")
    dialog.gift_pct.setValue(50)
    shot(qtbot, dialog, "commission_rule_dialog")
    _click(qtbot, dialog.ok_button)
    # a designated rate below the rotation one is refused, in words
    assert dialog.isVisible()
    assert dialog.error_label.text() == _(
        "A designated service pays at least what a rotation one pays.")
    dialog.designated_pct.setValue(5)
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: page.rules.table.rowCount() == 1, timeout=15_000)
    assert not dialog.isVisible()
    assert commission.rules(ctx) == (CommissionRule(
        "service", "*", percent_bp=500, fixed_fen=1000, designated_fixed_fen=2000,
        gift_bp=5000),)
    assert _cells(page.rules.table, 0) == [
        _("Service"), _("All services"), _("Any grade"), _("Consumption"), _("Amount paid"), "5%",
        "5%", "¥10.00", "¥20.00", "50%"]


def _check_files(qtbot, panel, tmp_path, monkeypatch) -> None:
    """The statement PDF and the month's payroll XLSX, written from the screen."""
    import openpyxl
    import pdfplumber

    # the statement PDF
    pdf = tmp_path / "statement.pdf"
    monkeypatch.setattr("salondesk.ui.day_close_page.choose_save_path", lambda *_a: pdf)
    _click(qtbot, panel.pdf_button)
    qtbot.waitUntil(lambda: panel.last_file == pdf, timeout=30_000)
    with pdfplumber.open(pdf) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    for expected in (TECH[0], "焕颜护理", "¥240.00", "¥12.00", "¥20.00", "¥32.00",
                     "¥180.00", "¥10.50", "¥42.50", _("Commission statement")):
        assert expected in text, expected

    # the payroll XLSX: every staff member with performance this month
    xlsx = tmp_path / "payroll.xlsx"
    monkeypatch.setattr("salondesk.ui.commission_page.choose_save_path", lambda *_a: xlsx)
    _click(qtbot, panel.payroll_button)
    qtbot.waitUntil(lambda: panel.last_file == xlsx, timeout=30_000)
    sheet = openpyxl.load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[:4] == [_("Staff"), _("Grade"), _("Cash performance"),
                        _("Consumption performance")]
    by_name = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    mine = by_name[TECH[0]]
    assert Decimal(str(mine[_("Consumption performance")])) == Decimal("240")
    assert Decimal(str(mine[_("Commission")])) == Decimal("42.5")
    assert Decimal(str(mine[_("Gifted value")])) == Decimal("180")
    # 周波's 40% of the gift: half of (5% of 120.00) + half of 40% of the 10.00 rotation fee
    assert Decimal(str(by_name[OTHER[0]][_("Commission")])) == Decimal("5")


def test_gui_commission_manager_sets_a_rule_and_sees_the_worked_example(
        qtbot, salon, boxes, tmp_path, monkeypatch):
    store, ids = salon
    win, page, ctx = _open(qtbot, store, MANAGER)
    _set_the_rule(qtbot, page, ctx)

    # the cashier rings the facial; the manager opens 陈静's statement for the month
    _sell(store, ids)
    balance = stored_value.balance(ctx, ids["member"])
    # 240 from the 1000 + 100 lot, proportionally: 218.18 principal, 21.82 bonus
    assert (100000 - balance.principal_fen, 10000 - balance.bonus_fen) == (21818, 2182)
    panel = page.statement
    page.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.staff_combo.findData(ids["tech"]) >= 0, timeout=15_000)
    panel.staff_combo.setCurrentIndex(panel.staff_combo.findData(ids["tech"]))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=15_000)
    cells = _cells(panel.table, 0)
    assert cells[2:] == ["焕颜护理", _("Consumption"), _("Designated"), "¥240.00", _("Amount paid"),
                         "¥240.00", "¥12.00", "¥20.00", "¥32.00"]
    t = panel.totals
    assert (t["consumption"].text(), t["cash"].text(), t["percent"].text(),
            t["fixed"].text(), t["services"].text(), t["total"].text()) == (
        "¥240.00", "¥0.00", "¥12.00", "¥20.00", "1 / 0", "¥32.00")
    assert t["step_rate"].text() == _("No step rates")

    # a gifted facial shared 60/40: marked, no performance, half the usual commission
    _sell(store, ids, gift=True)
    panel.reload()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=15_000)
    gift = _cells(panel.table, 1)
    assert gift[2] == _("{name} (gift)").format(
        name=_("{name} (share {share}%)").format(name="焕颜护理", share=60))
    # half of (5% of 180.00 = 9.00) and half of 60% of the 20.00 designated fee
    assert gift[3] == _("Gift")
    assert gift[5:] == ["¥180.00", _("List value given"), "¥180.00", "¥4.50", "¥6.00",
                        "¥10.50"]
    assert (t["consumption"].text(), t["gift"].text(), t["total"].text()) == (
        "¥240.00", "¥180.00", "¥42.50")
    shot(qtbot, win, "commission_statement")
    _check_files(qtbot, panel, tmp_path, monkeypatch)
    assert boxes.warnings == []
    win.close()


def test_gui_commission_step_rates_show_the_rate_reached(qtbot, salon, boxes):
    store, ids = salon
    owner = auth.login(store.ctx, *OWNER)
    commission.set_rules(owner, [CommissionRule("service", "*", percent_bp=500,
                                                fixed_fen=1000, designated_fixed_fen=2000)],
                         op_id=new_op_id())
    _sell(store, ids)
    win, page, ctx = _open(qtbot, store, MANAGER)
    rules = page.rules
    assert rules is not None
    page.tabs.setCurrentWidget(rules)
    qtbot.waitUntil(lambda: rules.data is not None, timeout=15_000)
    rules.mode_combo.setCurrentIndex(rules.mode_combo.findData("progressive"))
    assert rules.steps_table.rowCount() == 1  # the first step, from 0
    rules.steps_table.item(0, 1).setText("0")
    _click(qtbot, rules.add_step_button)
    rules.steps_table.item(1, 0).setText("200")
    rules.steps_table.item(1, 1).setText("1.5")
    _click(qtbot, rules.add_step_button)
    rules.steps_table.item(2, 0).setText("100")  # below the step before: sorted, not refused
    rules.steps_table.item(2, 1).setText("abc")
    _click(qtbot, rules.save_steps_button)
    assert rules.steps_error.text() == _("“{text}” is not a rate.").format(text="abc")
    rules.steps_table.removeRow(2)
    _click(qtbot, rules.save_steps_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: bool(rules.note.text()), timeout=15_000)
    assert rules.note.text() == _("Step rates saved.")
    steps = commission.step_rates(ctx)
    assert steps is not None and steps.to_json() == {"mode": "progressive",
                                                     "steps": [[0, 0], [20000, 150]]}
    shot(qtbot, win, "commission_rules")

    panel = page.statement
    page.tabs.setCurrentWidget(panel)
    panel.staff_combo.setCurrentIndex(panel.staff_combo.findData(ids["tech"]))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=15_000)
    # 240.00 in the month: the band from 200.00 at 1.5% = 0.60 on top of 32.00
    qtbot.waitUntil(lambda: panel.totals["step"].text() == "¥0.60", timeout=15_000)
    assert panel.totals["step_rate"].text() == _("{rate} ({mode}, the top step)").format(
        rate="1.5%", mode=_("progressive"))
    assert panel.totals["total"].text() == "¥32.60"
    shot(qtbot, win, "commission_statement_steps")
    # the month before holds nothing
    today = business_day(ctx.clock)
    before = month_range(today)[0] - dt.timedelta(days=1)
    panel.month_edit.setDate(QDate(before.year, before.month, 1))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0, timeout=15_000)
    assert panel.totals["total"].text() == "¥0.00"
    assert boxes.warnings == []
    win.close()


def test_gui_commission_technician_sees_only_their_own(qtbot, salon, boxes):
    store, ids = salon
    owner = auth.login(store.ctx, *OWNER)
    commission.set_rules(owner, [CommissionRule("service", "*", percent_bp=500,
                                                fixed_fen=1000, designated_fixed_fen=2000)],
                         op_id=new_op_id())
    _sell(store, ids)
    win, page, _ctx = _open(qtbot, store, TECH)
    assert page.rules is None and page.tabs.count() == 1
    panel = page.statement
    assert [panel.staff_combo.itemData(i) for i in range(panel.staff_combo.count())] == [
        ids["tech"]]
    assert not panel.payroll_button.isVisible()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=15_000)
    assert panel.totals["total"].text() == "¥32.00"
    assert boxes.warnings == []
    win.close()


def test_gui_commission_percent_text_round_trips() -> None:
    for bp in (0, 5, 500, 550, 1234, 10000):
        assert parse_percent(percent_text(bp)) == bp
    for bad in ("", "x", "100.01", "-1", "1.234"):
        with pytest.raises(ValueError):
            parse_percent(bad)


def test_gui_commission_manager_edits_and_removes_rules(qtbot, salon, boxes):
    store, _ids = salon
    owner = auth.login(store.ctx, *OWNER)
    catalogue.upsert_products(owner, [catalogue.ProductSpec("P01", "玻尿酸精华", "护肤品",
                                                            18800)], op_id=new_op_id())
    win, page, ctx = _open(qtbot, store, MANAGER)
    # a product category rule: one rate and one fee, designation is for services
    dialog = _add_rule(qtbot, page)
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("product_category"))
    assert dialog.key_combo.currentData() == "护肤品"
    assert not dialog.designated_pct.isEnabled() and not dialog.designated_fee.isEnabled()
    dialog.rotation_pct.setValue(10)
    assert dialog.designated_pct.value() == 10
    dialog.rotation_fee.edit.clear()
    type_text(qtbot, dialog.rotation_fee.edit, "abc")
    _click(qtbot, dialog.ok_button)
    assert dialog.isVisible() and dialog.rotation_fee.error.isVisible()  # said under it
    dialog.rotation_fee.edit.clear()
    type_text(qtbot, dialog.rotation_fee.edit, "0")
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    rules = page.rules
    assert rules is not None
    qtbot.waitUntil(lambda: rules.table.rowCount() == 1, timeout=15_000)
    # a senior's rule for the facial itself, then its rate changed by editing it
    dialog = _add_rule(qtbot, page)
    dialog.key_combo.setCurrentIndex(dialog.key_combo.findData("F03"))
    dialog.grade_combo.setCurrentIndex(dialog.grade_combo.findData("senior"))
    dialog.rotation_pct.setValue(6)
    dialog.designated_pct.setValue(8)
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: rules.table.rowCount() == 2, timeout=15_000)
    assert _cells(rules.table, 1)[:7] == [_("Service"), "F03 焕颜护理", "senior",
                                          _("Consumption"), _("Amount paid"), "6%", "8%"]
    rules.table.selectRow(1)
    _click(qtbot, rules.edit_button)
    dialog = rules.dialog
    assert isinstance(dialog, RuleDialog) and dialog.index == 1
    assert dialog.key_combo.currentData() == "F03" and dialog.designated_pct.value() == 8
    dialog.designated_pct.setValue(9)
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: _cells(rules.table, 1)[6] == "9%", timeout=15_000)
    assert commission.rules(ctx) == (
        CommissionRule("product_category", "护肤品", percent_bp=1000),
        CommissionRule("service", "F03", grade="senior", percent_bp=600,
                       designated_percent_bp=900))
    # removing asks first
    rules.table.selectRow(0)
    _click(qtbot, rules.remove_button)
    assert boxes.questions[-1] == _("Remove the commission rule for {key}?").format(
        key="护肤品")
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: rules.table.rowCount() == 1, timeout=15_000)
    assert rules.note.text() == _("Commission rule removed.")
    assert [r.key for r in commission.rules(ctx)] == ["F03"]
    assert boxes.warnings == []
    win.close()


def _set_kind_rules(qtbot, win, page: CommissionPage, ctx) -> None:
    """In the dialog: 5% of the principal only for services, 2% of top-ups' list price on
    cash performance; a service rule turned to cash loses designation, bonus and gifts."""
    # the facial at 5% of the principal only (the bonus left out), designated fee 20.00
    dialog = _add_rule(qtbot, page)
    dialog.rotation_pct.setValue(5)
    dialog.designated_pct.setValue(5)
    dialog.designated_fee.edit.clear()
    type_text(qtbot, dialog.designated_fee.edit, "20")
    _click(qtbot, dialog.principal_only)
    assert dialog.principal_only.isChecked()
    assert dialog.base_note.text() == _("The percentage is of {what}. The hand fee is per "
                                        "unit.").format(what=_(
        "what the client finally paid, without the stored-value bonus"))
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    rules = page.rules
    assert rules is not None
    qtbot.waitUntil(lambda: rules.table.rowCount() == 1, timeout=15_000)
    # a top-up rule: cash performance only, one rate, no bonus to leave out, no gifts
    dialog = _add_rule(qtbot, page)
    dialog.scope_combo.setCurrentIndex(dialog.scope_combo.findData("topup"))
    assert dialog.key_combo.currentData() == "*"
    assert dialog.performance_combo.currentData() == "cash"
    assert not dialog.performance_combo.isEnabled()
    assert not dialog.principal_only.isEnabled() and not dialog.gift_pct.isEnabled()
    assert not dialog.designated_pct.isEnabled() and not dialog.designated_fee.isEnabled()
    dialog.rotation_pct.setValue(2)
    assert dialog.designated_pct.value() == 2
    dialog.base_combo.setCurrentIndex(dialog.base_combo.findData("list"))
    shot(qtbot, dialog, "commission_rule_dialog_cash")
    _click(qtbot, dialog.ok_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: rules.table.rowCount() == 2, timeout=15_000)
    # a service rule switched to cash performance drops designation, bonus and gifts
    dialog = _add_rule(qtbot, page)
    dialog.principal_only.setChecked(True)
    dialog.gift_pct.setValue(50)
    dialog.performance_combo.setCurrentIndex(dialog.performance_combo.findData("cash"))
    assert not dialog.principal_only.isChecked() and dialog.gift_pct.value() == 0
    assert not dialog.designated_pct.isEnabled()
    dialog.reject()
    assert commission.rules(ctx) == (
        CommissionRule("service", "*", percent_bp=500, designated_fixed_fen=2000,
                       principal_only=True),
        CommissionRule("topup", "*", percent_bp=200, performance="cash", base="list"))
    assert _cells(rules.table, 0)[3:5] == [_("Consumption"), _("Paid, principal only")]
    assert _cells(rules.table, 1) == [
        _("Top-up"), _("All top-ups"), _("Any grade"), _("Cash"), _("List price"), "2%", "",
        "¥0.00", "", ""]
    assert _("earns no percentage") not in " ".join(
        w.text() for w in rules.findChildren(type(dialog.base_note)))
    shot(qtbot, win, "commission_rules_kinds")


def test_gui_commission_kinds_and_bases_set_in_the_dialog(qtbot, salon, boxes):
    """A manager sets a principal-only consumption rule and a cash rule for top-ups in the
    dialog; the statement lists each line's kind, the base its rate is of and that amount."""
    store, ids = salon
    win, page, ctx = _open(qtbot, store, MANAGER)
    _set_kind_rules(qtbot, win, page, ctx)
    # the facial from the 1000 + 100 lot, and a 500.00 top-up by card, both by 张敏
    _sell(store, ids)
    cashier = auth.login(store.ctx, "张敏", "1234")
    checkout.commit_sale(cashier, Cart((CartItem(
        LineKind.TOP_UP, "TOPUP", amount_fen=50000, bonus_fen=5000),),
        member_id=ids["member"]), [Tender(TenderKind.CARD, 50000, reference="6222")],
        op_id=new_op_id())
    panel = page.statement
    page.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.staff_combo.findData(ids["tech"]) >= 0, timeout=15_000)
    panel.staff_combo.setCurrentIndex(panel.staff_combo.findData(ids["tech"]))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=15_000)
    # 5% of the principal 218.18 = 10.91, plus the designated hand fee 20.00
    assert _cells(panel.table, 0)[3:] == [
        _("Consumption"), _("Designated"), "¥240.00", _("Paid, principal only"), "¥218.18",
        "¥10.91", "¥20.00", "¥30.91"]
    qtbot.waitUntil(lambda: panel.totals["total"].text() == "¥30.91", timeout=15_000)
    seller = panel.staff_combo.findText("张敏")
    assert seller >= 0
    panel.staff_combo.setCurrentIndex(seller)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1
                    and _cells(panel.table, 0)[3] == _("Cash"), timeout=15_000)
    assert _cells(panel.table, 0)[4] == ""  # money taken has no designation
    assert _cells(panel.table, 0)[5:] == ["¥500.00", _("List price"), "¥500.00", "¥10.00",
                                          "¥0.00", "¥10.00"]
    assert (panel.totals["cash"].text(), panel.totals["total"].text()) == (
        "¥500.00", "¥10.00")
    shot(qtbot, win, "commission_statement_cash")
    assert boxes.warnings == []
    win.close()
