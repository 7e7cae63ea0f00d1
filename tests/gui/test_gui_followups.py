"""The follow-ups area (回访) worked as a front desk would: the due-today and overdue lists
with their counts, a search, recording a call with a note, a complaint made good with points
after a manager's PIN, and the done list; a screenshot of the list."""

from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest
from checkoutkit_gui import approve, shot
from guikit import CASHIER, OWNER, PASSPHRASE, type_text, wait_for_ops
from memberkit_gui import LML, MANAGER, TECHNICIAN, ZXM
from PySide6.QtCore import Qt

from salondesk.clock import FixedClock
from salondesk.domain.appointments import Status
from salondesk.i18n import _, ngettext
from salondesk.ids import new_op_id
from salondesk.services import (
    appointments,
    auth,
    birthdays,
    coupons,
    points,
    staff_profiles,
    store_setup,
)
from salondesk.services.followups import Result, View
from salondesk.services.member_search import search_members
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.followups_page import BirthdayCouponDialog, FollowUpsPage, OutcomeDialog
from salondesk.ui.main_window import build_main_window

pytestmark = pytest.mark.gui

SHANGHAI = ZoneInfo("Asia/Shanghai")
# a Monday after the template store was made (its clock is the real one): a store clock
# behind its last operation would put a warning on every screen
_TODAY = dt.date.today()
MONDAY = _TODAY + dt.timedelta(days=7 - _TODAY.weekday())


def _at(day: dt.date, hh: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh), tzinfo=SHANGHAI)


def _treat(ctx, member_id: str, day: dt.date, hh: int, *, code: str,
           technician_id: str | None = None) -> None:
    appt = appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, hh), services=(code,), member_id=member_id,
        technician_id=technician_id), op_id=new_op_id(), override=True)
    for step in (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED):
        appointments.set_status(ctx, appt, step, op_id=new_op_id())


@pytest.fixture
def desk(counter_template, tmp_path, keystore, qtbot):
    """The counter store on a fixed clock: on Monday 张晓明 had F01 (call 1 day later) and
    李美玲 and a third member B01 (2 days later, one by 陈静); the clock then stands on
    Wednesday, so 张晓明's call is a day late and the other two are due today."""
    template, _data = counter_template
    root = tmp_path / "fstore"
    shutil.copytree(template, root)
    clock = FixedClock(_at(MONDAY, 9).astimezone(dt.UTC))
    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore, clock=clock)
    owner = auth.login(store.ctx, *OWNER)
    appointments.set_booking_rules(owner, followup_days={"F01": 1, "B01": 2},
                                   op_id=new_op_id())
    tech = next(p.staff_id for p in staff_profiles.profiles(owner) if p.name == TECHNICIAN[0]) \
        if any(p.name == TECHNICIAN[0] for p in staff_profiles.profiles(owner)) else None
    zxm = search_members(owner, ZXM[1])[0].member_id
    lml = search_members(owner, LML[1])[0].member_id
    third = next(h.member_id for h in search_members(owner, "王") if h.member_id not in
                 (zxm, lml))
    _treat(owner, zxm, MONDAY, 10, code="F01")
    _treat(owner, lml, MONDAY, 11, code="B01")
    _treat(owner, third, MONDAY, 14, code="B01", technician_id=tech)
    clock.advance(days=2)
    yield store, {"zxm": zxm, "lml": lml, "third": third}
    wait_for_ops(qtbot)
    store.close()


def _open(qtbot, store, who=CASHIER):
    ctx = auth.login(store.ctx, *who)
    win = build_main_window(store, ctx)
    qtbot.addWidget(win)
    win.resize(1280, 760)
    win.show()
    qtbot.waitExposed(win)
    win.show_area("followups")
    page = win.pages["followups"]
    assert isinstance(page, FollowUpsPage)
    wait_for_ops(qtbot)
    return win, page, ctx


def _clients(page: FollowUpsPage) -> list[str]:
    return [page.table.item(i, 1).text() for i in range(page.table.rowCount())]


def _row_of(page: FollowUpsPage, client: str) -> int:
    return _clients(page).index(client)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _record(qtbot, page: FollowUpsPage, client: str) -> OutcomeDialog:
    page.select_row(_row_of(page, client))
    _click(qtbot, page.record_button)
    dialog = page.dialog
    assert isinstance(dialog, OutcomeDialog) and dialog.isVisible()
    return dialog


def _choose(combo, data) -> None:
    combo.setCurrentIndex(combo.findData(data))


def test_gui_followups_desk_works_today_and_overdue_lists(qtbot, desk, boxes):
    store, _who = desk
    win, page, _ctx = _open(qtbot, store)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=15_000)
    assert LML[0] in _clients(page) and ZXM[0] not in _clients(page)
    today = page.view_buttons[View.DUE_TODAY].text()
    assert today == _("Due today ({n})").format(n=2)
    assert page.view_buttons[View.OVERDUE].text() == _("Overdue ({n})").format(n=1)
    assert all("****" in page.table.item(i, 2).text() for i in range(2))  # masked phones

    # search narrows the list as the desk types
    type_text(qtbot, page.search_edit, LML[0][:2])
    qtbot.waitUntil(lambda: _clients(page) == [LML[0]], timeout=15_000)
    page.search_edit.clear()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=15_000)

    # the overdue call: reached, with a note
    _click(qtbot, page.view_buttons[View.OVERDUE])
    qtbot.waitUntil(lambda: _clients(page) == [ZXM[0]], timeout=15_000)
    assert page.table.item(0, 5).text() == ngettext("{n} day late", "{n} days late", 1).format(
        n=1)
    dialog = _record(qtbot, page, ZXM[0])
    assert not dialog.comp_combo.isVisible()  # only a complaint is made good
    _choose(dialog.result_combo, Result.REACHED.value)
    type_text(qtbot, dialog.note_edit, "皮肤状态很好，已约下周复诊")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0, timeout=15_000)
    assert page.notice.text() == _("No follow-up call is overdue.")
    assert page.view_buttons[View.OVERDUE].text() == _("Overdue ({n})").format(n=0)

    # the done list shows it with the outcome
    _click(qtbot, page.view_buttons[View.DONE])
    qtbot.waitUntil(lambda: _clients(page) == [ZXM[0]], timeout=15_000)
    assert page.table.item(0, 5).text().startswith(_("Reached"))
    assert page.table.item(0, 6).text() == "皮肤状态很好，已约下周复诊"
    assert not page.record_button.isEnabled() or page.selected() is None
    assert boxes.warnings == []
    win.close()


def test_gui_followups_complaint_made_good_with_points_after_a_manager_pin(qtbot, desk, boxes):
    store, who = desk
    _win, page, ctx = _open(qtbot, store)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=15_000)
    before = points.balance(ctx, who["lml"]).points
    dialog = _record(qtbot, page, LML[0])
    _choose(dialog.result_combo, Result.COMPLAINT.value)
    assert dialog.comp_combo.isVisible()
    # a complaint needs the client's words
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    assert dialog.isVisible() and dialog.error_label.text() == _(
        "Please write what the client said.")
    type_text(qtbot, dialog.note_edit, "按摩力度太重，肩膀酸痛")
    _choose(dialog.comp_combo, "points")
    assert dialog.points_spin.isVisible()
    dialog.points_spin.setValue(300)
    shot(qtbot, dialog, "followups_complaint_dialog")
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    # the cashier may not give points: a manager approves with a PIN
    qtbot.waitUntil(lambda: isinstance(page.approval_dialog, ApprovalDialog)
                    and page.approval_dialog.isVisible(), timeout=15_000)
    assert isinstance(page.approval_dialog, ApprovalDialog)
    approve(qtbot, page.approval_dialog, MANAGER)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: LML[0] not in _clients(page), timeout=15_000)
    assert page.outcome_label.text() == _(
        "Complaint recorded; {client} got {n} points.").format(client=LML[0], n=300)
    assert points.balance(ctx, who["lml"]).points == before + 300
    _click(qtbot, page.view_buttons[View.DONE])
    qtbot.waitUntil(lambda: _clients(page) == [LML[0]], timeout=15_000)
    assert page.table.item(0, 5).text().startswith(_("Complaint"))
    assert boxes.warnings == []
    shot(qtbot, page, "followups_done")


def test_gui_followups_screenshot_of_the_list(qtbot, desk):
    store, _who = desk
    win, page, _ctx = _open(qtbot, store)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=15_000)
    path = shot(qtbot, win, "followups_today")
    assert path.stat().st_size > 10_000
    # the birthdays of the month beside the calls, as the desk sees them
    _click(qtbot, page.birthday_buttons[birthdays.Window.MONTH])
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.birthday_table, timeout=15_000)
    month = birthdays.birthday_list(page.ctx, birthdays.Window.MONTH)
    qtbot.waitUntil(lambda: page.birthday_table.rowCount() == len(month), timeout=15_000)
    assert [page.birthday_table.item(i, 2).text() for i in range(len(month))] == [
        r.name for r in month]
    shot(qtbot, win, "followups_birthdays")
    _click(qtbot, page.view_buttons[View.DUE_TODAY])
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.table
                    and page.table.rowCount() == 2, timeout=15_000)


def test_gui_followups_birthday_coupon_chosen_by_the_owner_goes_out(qtbot, desk):
    store, _who = desk
    owner = auth.login(store.ctx, *OWNER)
    coupons.create_template(owner, coupons.TemplateSpec(
        name="生日礼券 减50", kind="amount", amount_fen=5000), op_id=new_op_id())
    _cashier_win, cashier_page, _ctx = _open(qtbot, store)
    _click(qtbot, cashier_page.birthday_buttons[birthdays.Window.WEEK])
    assert not cashier_page.coupon_button.isVisible()  # the desk sees the list only
    win, page, ctx = _open(qtbot, store, OWNER)
    _click(qtbot, page.birthday_buttons[birthdays.Window.MONTH])
    wait_for_ops(qtbot)
    assert page.coupon_button.isVisible()
    _click(qtbot, page.coupon_button)
    wait_for_ops(qtbot)
    dialog = page.dialog
    assert isinstance(dialog, BirthdayCouponDialog)
    _choose(dialog.template_combo, dialog.template_combo.itemData(
        dialog.template_combo.findText("生日礼券 减50")))
    dialog.days_spin.setValue(7)
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: bool(page.outcome_label.text()), timeout=15_000)
    month = birthdays.birthday_list(ctx, birthdays.Window.MONTH)
    issued = [r.name for r in month if r.coupon_issued]
    qtbot.waitUntil(lambda: page.birthday_table.rowCount() == len(month), timeout=15_000)
    shown = [page.birthday_table.item(i, 2).text() for i in range(len(month))
             if page.birthday_table.item(i, 5).text() == _("Issued")]
    assert shown == issued
    assert birthdays.birthday_coupon(ctx).template_id is not None
    assert birthdays.issue_due(ctx) == []  # once a year: nothing twice
    win.close()
