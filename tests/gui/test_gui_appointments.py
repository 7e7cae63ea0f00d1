"""The appointments area driven as a front desk would: book from the day calendar, a clash
refused with the service's message, move, status steps, check-in into the checkout, cancel;
screenshots of a busy day and of the booking dialog."""

from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import pytest
from checkoutkit_gui import approve, shot
from guikit import CASHIER, OWNER, PASSPHRASE, NoKeyStore, type_text, wait_for_ops
from memberkit_gui import MANAGER, TECHNICIAN, ZXM
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QDateTimeEdit

from salondesk.domain.appointments import STATUS_COLOURS, Status
from salondesk.domain.cart import LineKind
from salondesk.domain.permissions import Role
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import appointments, auth, staff, staff_profiles, store_setup
from salondesk.services.member_search import search_members
from salondesk.ui.appointment_dialog import BookingDialog, CancelDialog, MoveDialog
from salondesk.ui.appointments_page import AppointmentsPage
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.checkout_page import CheckoutPage
from salondesk.ui.main_window import build_main_window

pytestmark = pytest.mark.gui

SHANGHAI = ZoneInfo("Asia/Shanghai")
SENIOR = "李美美"
EVERY_DAY_9_TO_21 = {d: (dt.time(9), dt.time(21)) for d in range(7)}


def _build(template, dest):
    shutil.copytree(template, dest)
    store = store_setup.open_store(dest, passphrase=PASSPHRASE, keystore=NoKeyStore())
    try:
        owner = auth.login(store.ctx, *OWNER)
        senior = staff.create_staff(owner, name=SENIOR, role=Role.TECHNICIAN, secret="2468",
                                    op_id=new_op_id())
        staff_profiles.set_profile(owner, senior, grade="senior",
                                   services=("F01", "F02", "B01", "B02", "N01"),
                                   hours=EVERY_DAY_9_TO_21, op_id=new_op_id())
        for name in ("一号房", "二号房"):
            appointments.upsert_room(owner, name, op_id=new_op_id())
    finally:
        store.close()
    return dest


@pytest.fixture(scope="session")
def salon_template(counter_template, tmp_path_factory):
    """The counter store plus a second technician with a profile (every day 9-21) and two
    rooms; 陈静 has no profile (no hour limits)."""
    template, data = counter_template
    return _build(template, tmp_path_factory.mktemp("salon") / "store"), data


@pytest.fixture
def salon(salon_template, tmp_path, keystore, qtbot):
    template, data = salon_template
    root = tmp_path / "astore"
    shutil.copytree(template, root)
    store = store_setup.open_store(root, passphrase=PASSPHRASE, keystore=keystore)
    yield store, data
    wait_for_ops(qtbot)
    store.close()


def _ids(ctx):
    people = {p.name: p.staff_id for p in staff_profiles.profiles(ctx)}
    rooms = {r.name: r.room_id for r in appointments.rooms(ctx)}
    return people, rooms


def _open(qtbot, store, who=CASHIER):
    ctx = auth.login(store.ctx, *who)
    win = build_main_window(store, ctx)
    qtbot.addWidget(win)
    win.resize(1366, 860)
    win.show()
    qtbot.waitExposed(win)
    win.show_area("appointments")
    page = win.pages["appointments"]
    assert isinstance(page, AppointmentsPage)
    qtbot.waitUntil(lambda: page.day_data is not None, timeout=15_000)
    wait_for_ops(qtbot)
    return win, page, ctx


def _at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SHANGHAI)


def _reload(qtbot, page):
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: page.day_data is not None, timeout=15_000)


def _click(qtbot, widget, pos: QPoint | None = None) -> None:
    if pos is None:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def _block(qtbot, page, appt_id):
    qtbot.waitUntil(lambda: appt_id in page.grid.blocks, timeout=15_000)
    return page.grid.blocks[appt_id]


def _select(qtbot, page, appt_id) -> None:
    block = _block(qtbot, page, appt_id)
    _click(qtbot, block)
    assert page.selected() is not None and page.selected().appointment_id == appt_id


def _double_click_slot(qtbot, page, key, at: dt.time) -> None:
    rect = page.grid.slot_rect(page.grid.column_index(key), at)
    page.day_scroll.ensureVisible(rect.center().x(), rect.center().y())
    qtbot.mouseDClick(page.grid, Qt.MouseButton.LeftButton, pos=rect.center())


def _tick(qtbot, dialog: BookingDialog, code: str) -> None:
    """Select the service's row and press Space, which ticks a checkable list row."""
    codes = [dialog.services[i].code for i in range(len(dialog.services))]
    dialog.service_list.setFocus()
    dialog.service_list.setCurrentRow(codes.index(code))
    qtbot.keyClick(dialog.service_list, Qt.Key.Key_Space)


def _type_time(qtbot, edit, hours: str, minutes: str) -> None:
    """Type into the hour, then the minute section, as with the arrow keys and digits."""
    edit.setFocus()
    for section, digits in ((QDateTimeEdit.Section.HourSection, hours),
                            (QDateTimeEdit.Section.MinuteSection, minutes)):
        edit.setCurrentSection(section)
        edit.setSelectedSection(section)
        qtbot.keyClicks(edit, digits)
    assert edit.time().toString("HH:mm") == f"{hours}:{minutes}"


def _ok(qtbot, dialog) -> None:
    _click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Ok))


def _find_member(qtbot, dialog: BookingDialog, phone: str) -> None:
    _click(qtbot, dialog.member_radio)
    with qtbot.waitSignal(dialog.picker.found, timeout=15_000):
        type_text(qtbot, dialog.picker.search, phone)


def test_appointments_book_from_the_day_view(qtbot, salon):
    store, _data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    day = page.day
    _double_click_slot(qtbot, page, people[SENIOR], dt.time(14))
    dialog = page.dialog
    assert isinstance(dialog, BookingDialog) and dialog.isVisible()
    assert dialog.technician.currentData() == people[SENIOR]
    assert dialog.time_edit.time().hour() == 14
    _click(qtbot, dialog.walk_in_radio)
    type_text(qtbot, dialog.walk_in_name, "王女士")
    type_text(qtbot, dialog.walk_in_phone, "13700001111")
    _tick(qtbot, dialog, "F01")
    _tick(qtbot, dialog, "B02")
    assert dialog.duration.text() == _("{minutes} min, until {end}").format(minutes=105,
                                                                           end="15:45")
    _ok(qtbot, dialog)
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    view = appointments.day_view(ctx, day)
    [booked] = view.appointments
    assert (booked.client, booked.service_codes, booked.technician_id) == \
        ("王女士", ("F01", "B02"), people[SENIOR])
    assert booked.starts_at == _at(day, 14) and booked.ends_at == _at(day, 15, 45)
    block = _block(qtbot, page, booked.appointment_id)
    assert page.grid.block_column(booked.appointment_id) == page.grid.column_index(
        people[SENIOR])
    assert page.grid.block_time(booked.appointment_id) == dt.time(14)
    assert "王女士" in block.text() and "深层清洁面部护理、肩颈舒缓按摩" in block.text()
    assert STATUS_COLOURS[Status.BOOKED] in block.styleSheet()
    # 105 minutes tall: three and a half half-hour slots
    assert abs(block.height() - 3.5 * page.grid.slot_rect(0, dt.time(14)).height()) <= 3
    assert page.notice.text() == _("Booked.")
    win.close()


def test_appointments_clash_is_refused_with_the_message_and_override_keeps_it(
        qtbot, salon, boxes):
    store, _data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    day = page.day
    zxm = search_members(ctx, ZXM[1])[0].member_id
    appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 14), services=("F01",), member_id=zxm,
        technician_id=people[SENIOR]), op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    _double_click_slot(qtbot, page, people[SENIOR], dt.time(14, 30))
    dialog = page.dialog
    assert isinstance(dialog, BookingDialog)
    _find_member(qtbot, dialog, ZXM[1])
    _tick(qtbot, dialog, "F02")
    _ok(qtbot, dialog)
    wait_for_ops(qtbot)
    expected = _("{name} already has a booking from {start} to {end}.").format(
        name=SENIOR, start="14:00", end="15:00")
    assert dialog.isVisible() and dialog.error_label.text() == expected
    assert "已有预约" in expected  # the counter reads it in Chinese
    assert len(appointments.day_view(ctx, day).appointments) == 1
    # a cashier may ask a manager; a clash stays refused even then
    assert dialog.override_button.isVisible()
    _click(qtbot, dialog.override_button)
    approval = dialog.approval_dialog
    assert isinstance(approval, ApprovalDialog)
    wait_for_ops(qtbot)
    approve(qtbot, approval, MANAGER)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: not approval.isVisible(), timeout=15_000)
    wait_for_ops(qtbot)
    assert dialog.isVisible() and dialog.error_label.text() == expected
    assert not dialog.override_button.isVisible()
    assert len(appointments.day_view(ctx, day).appointments) == 1
    # moved to a free time it books
    _type_time(qtbot, dialog.time_edit, "15", "00")
    _ok(qtbot, dialog)
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    assert [v.starts_at for v in appointments.day_view(ctx, day).appointments] == \
        [_at(day, 14), _at(day, 15)]
    assert boxes.warnings == []
    win.close()


def test_appointments_move_to_another_technician_and_time(qtbot, salon):
    store, _data = salon
    win, page, ctx = _open(qtbot, store)
    people, rooms = _ids(ctx)
    day = page.day
    appt = appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 10), services=("B01",), walk_in_name="赵女士",
        walk_in_phone="13900002222", technician_id=people[SENIOR],
        room_id=rooms["一号房"]), op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    _select(qtbot, page, appt)
    _click(qtbot, page.move_button)
    dialog = page.dialog
    assert isinstance(dialog, MoveDialog)
    _type_time(qtbot, dialog.time_edit, "16", "30")
    dialog.technician.setCurrentIndex(dialog.technician.findData(people[TECHNICIAN[0]]))
    dialog.room.setCurrentIndex(dialog.room.findData(rooms["二号房"]))
    _ok(qtbot, dialog)
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    [moved] = appointments.day_view(ctx, day).appointments
    assert (moved.starts_at, moved.ends_at, moved.technician, moved.room) == \
        (_at(day, 16, 30), _at(day, 18), TECHNICIAN[0], "二号房")
    qtbot.waitUntil(lambda: page.grid.block_column(appt) == page.grid.column_index(
        people[TECHNICIAN[0]]), timeout=15_000)
    assert page.grid.block_time(appt) == dt.time(16, 30)
    # the room view shows it in 二号房
    _click(qtbot, page.mode_buttons["rooms"])
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: page.grid.by_room, timeout=15_000)
    qtbot.waitUntil(lambda: appt in page.grid.blocks and page.grid.block_column(appt)
                    == page.grid.column_index(rooms["二号房"]), timeout=15_000)
    win.close()


def test_appointments_check_in_opens_the_checkout_then_status_steps(qtbot, salon):
    store, data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    day = page.day
    appt = appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 11), services=("F01", "B02"), member_id=data.zxm_id,
        technician_id=people[TECHNICIAN[0]], designated=True), op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    _select(qtbot, page, appt)
    assert page.check_in_button.isEnabled()
    assert page.step_buttons[Status.ARRIVED].isEnabled()
    assert not page.step_buttons[Status.COMPLETED].isEnabled()
    _click(qtbot, page.check_in_button)
    wait_for_ops(qtbot)
    checkout = win.pages["checkout"]
    assert isinstance(checkout, CheckoutPage)
    qtbot.waitUntil(lambda: win.current_area() == "checkout", timeout=15_000)
    qtbot.waitUntil(lambda: checkout.member is not None and checkout.bill is not None,
                    timeout=15_000)
    assert checkout.member.member.member_id == data.zxm_id
    items = checkout.model.items()
    assert [(i.kind, i.code, i.technician_id, i.designated) for i in items] == [
        (LineKind.SERVICE, "F01", people[TECHNICIAN[0]], True),
        (LineKind.SERVICE, "B02", people[TECHNICIAN[0]], True)]
    assert [e.name for e in checkout.model.entries] == ["深层清洁面部护理", "肩颈舒缓按摩"]
    assert checkout.bill.total_fen > 0
    # back in the calendar the booking is arrived: the next steps follow the domain's order
    win.show_area("appointments")
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: appt in page.grid.blocks
                    and page.grid.blocks[appt].view.status is Status.ARRIVED, timeout=15_000)
    _select(qtbot, page, appt)
    # an arrived client can be rung up again (the cart was cleared at the counter)
    assert page.check_in_button.isEnabled()
    assert not page.step_buttons[Status.ARRIVED].isEnabled()
    for step in (Status.IN_SERVICE, Status.COMPLETED):
        assert page.step_buttons[step].isEnabled()
        _click(qtbot, page.step_buttons[step])
        _reload(qtbot, page)
        qtbot.waitUntil(lambda s=step: page.grid.blocks[appt].view.status is s,
                        timeout=15_000)
        _select(qtbot, page, appt)
    assert appointments.day_view(ctx, day).appointments[0].status is Status.COMPLETED
    assert not any(b.isEnabled() for b in page.step_buttons.values())
    assert not page.move_button.isEnabled() and not page.cancel_button.isEnabled()
    assert not page.check_in_button.isEnabled()
    win.close()


def test_appointments_cancel_with_a_reason(qtbot, salon):
    store, _data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    day = page.day
    appt = appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 15), services=("N01",), walk_in_name="钱小姐",
        walk_in_phone="13600003333", technician_id=people[SENIOR]), op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    _select(qtbot, page, appt)
    _click(qtbot, page.cancel_button)
    dialog = page.dialog
    assert isinstance(dialog, CancelDialog)
    _ok(qtbot, dialog)  # no reason yet
    assert dialog.isVisible() and dialog.error_label.text() == _("Please give a reason.")
    type_text(qtbot, dialog.reason, "顾客临时有事")
    _ok(qtbot, dialog)
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=15_000)
    qtbot.waitUntil(lambda: page.grid.blocks[appt].view.status is Status.CANCELLED,
                    timeout=15_000)
    assert STATUS_COLOURS[Status.CANCELLED] in page.grid.blocks[appt].styleSheet()
    [cancelled] = appointments.day_view(ctx, day).appointments
    assert cancelled.status is Status.CANCELLED
    # the freed time can be booked again
    appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 15), services=("N01",), walk_in_name="孙小姐",
        walk_in_phone="13600004444", technician_id=people[SENIOR]), op_id=new_op_id())
    win.close()


def test_appointments_busy_day_and_booking_dialog_screenshots(qtbot, salon):
    store, data = salon
    win, page, ctx = _open(qtbot, store)
    people, rooms = _ids(ctx)
    day = page.day
    chen, li = people[TECHNICIAN[0]], people[SENIOR]
    plan = [
        (chen, 9, 30, ("F01",), "周女士", True, rooms["一号房"]),
        (chen, 11, 0, ("F02", "B02"), None, False, None),
        (chen, 14, 0, ("N01",), "吴小姐", False, None),
        (li, 10, 0, ("B01",), "郑女士", True, rooms["二号房"]),
        (li, 13, 0, ("F01",), "冯小姐", False, rooms["一号房"]),
        (None, 16, 0, ("H01",), "陈先生", False, None),
    ]
    made = []
    for tech, hh, mm, codes, walk_in, designated, room in plan:
        made.append(appointments.create_appointment(ctx, appointments.Booking(
            starts_at=_at(day, hh, mm), services=codes,
            member_id=None if walk_in else data.zxm_id, walk_in_name=walk_in,
            walk_in_phone="13500005555" if walk_in else None, technician_id=tech,
            designated=designated, room_id=room), op_id=new_op_id()))
    appointments.set_status(ctx, made[0], Status.ARRIVED, op_id=new_op_id())
    appointments.set_status(ctx, made[0], Status.IN_SERVICE, op_id=new_op_id())
    appointments.set_status(ctx, made[3], Status.ARRIVED, op_id=new_op_id())
    appointments.cancel_appointment(ctx, made[4], reason="改期", op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == len(plan), timeout=15_000)
    assert page.grid.column_index(None) == 2  # "no technician" only because one is loose
    _select(qtbot, page, made[1])
    path = shot(qtbot, win, "appointments_day")
    assert path.stat().st_size > 20_000
    _click(qtbot, page.mode_buttons["week"])
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: page.week_table.rowCount() > 0, timeout=15_000)
    column = (day - page.week_start()).days
    texts = [page.week_table.item(r, column).text() for r in range(page.week_table.rowCount())]
    assert texts[page.week_table.rowCount() - 1].startswith("1")  # the loose one
    assert any(t.startswith("3") for t in texts)                   # 陈静's three
    shot(qtbot, win, "appointments_week")
    _click(qtbot, page.mode_buttons["rooms"])
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: page.grid.by_room and len(page.grid.blocks) == len(plan),
                    timeout=15_000)
    assert [c.title for c in page.grid.columns] == ["一号房", "二号房", _("No room")]
    shot(qtbot, win, "appointments_rooms")
    _click(qtbot, page.mode_buttons["technicians"])
    _reload(qtbot, page)
    page.new_booking(start=dt.time(15), technician_id=li)
    dialog = page.dialog
    assert isinstance(dialog, BookingDialog)
    wait_for_ops(qtbot)
    _tick(qtbot, dialog, "F01")
    dialog.designated.setChecked(True)
    QApplication.processEvents()
    shot(qtbot, dialog, "appointments_booking_dialog")
    dialog.reject()
    win.close()


def test_appointments_next_day_and_tomorrows_reminders_exported(qtbot, salon, tmp_path,
                                                                monkeypatch):
    from openpyxl import load_workbook

    from salondesk.ui import reminder_dialog
    from salondesk.ui.reminder_dialog import ReminderDialog

    store, data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    today = page.day
    tomorrow = today + dt.timedelta(days=1)
    appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(tomorrow, 10, 30), services=("F02",), member_id=data.zxm_id,
        technician_id=people[SENIOR], designated=True), op_id=new_op_id())
    assert page.grid.blocks == {}
    _click(qtbot, win.findChild(type(page.new_button), "apptNext"))
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: len(page.grid.blocks) == 1, timeout=15_000)
    assert page.day == tomorrow and tomorrow.isoformat()[:4] in page.date_label.text()
    _click(qtbot, win.findChild(type(page.new_button), "apptToday"))
    _reload(qtbot, page)
    qtbot.waitUntil(lambda: page.day == today and not page.grid.blocks, timeout=15_000)
    _click(qtbot, win.findChild(type(page.new_button), "apptReminders"))
    dialog = page.dialog
    assert isinstance(dialog, ReminderDialog)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 1, timeout=15_000)
    cells = [dialog.table.item(0, c).text() for c in range(dialog.table.columnCount())]
    assert cells[0] == "10:30" and cells[1] == ZXM[0] and cells[3] == "补水保湿护理"
    assert cells[4] == _("{name} (designated)").format(name=SENIOR)
    # a cashier may print the list but not export it as a spreadsheet (a report export)
    assert not dialog.export_button.isEnabled() and dialog.pdf_button.isEnabled()
    dest = tmp_path / "reminders.pdf"
    monkeypatch.setattr(reminder_dialog, "choose_save_path", lambda *_a: dest)
    _click(qtbot, dialog.pdf_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: dialog.last_file == dest, timeout=15_000)
    assert dest.read_bytes().startswith(b"%PDF")
    dialog.reject()
    win.close()
    # the owner exports the same list to a workbook
    win, page, ctx = _open(qtbot, store, OWNER)
    _click(qtbot, win.findChild(type(page.new_button), "apptReminders"))
    dialog = page.dialog
    assert isinstance(dialog, ReminderDialog)
    wait_for_ops(qtbot)
    qtbot.waitUntil(dialog.export_button.isEnabled, timeout=15_000)
    dest = tmp_path / "reminders.xlsx"
    _click(qtbot, dialog.export_button)
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: dialog.last_file == dest, timeout=15_000)
    sheet = load_workbook(dest).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["10:30", ZXM[0]] == [str(v) for v in values[-1][:2]]
    dialog.reject()
    win.close()


def test_appointments_check_in_of_a_rotation_booking_asks_who_does_it(qtbot, salon):
    from salondesk.ui.checkout_dialogs import TechnicianDialog

    store, _data = salon
    win, page, ctx = _open(qtbot, store)
    people, _rooms = _ids(ctx)
    day = page.day
    appt = appointments.create_appointment(ctx, appointments.Booking(
        starts_at=_at(day, 12), services=("B02",), walk_in_name="何女士",
        walk_in_phone="13800006666"), op_id=new_op_id())
    page.refresh()
    _reload(qtbot, page)
    assert page.grid.block_column(appt) == page.grid.column_index(None)
    _select(qtbot, page, appt)
    _click(qtbot, page.check_in_button)
    dialog = page.dialog
    assert isinstance(dialog, TechnicianDialog)
    names = [dialog.people.item(i).text() for i in range(dialog.people.count())]
    dialog.people.setCurrentRow(names.index(SENIOR))
    qtbot.keyClick(dialog.people, Qt.Key.Key_Return)
    wait_for_ops(qtbot)
    checkout = win.pages["checkout"]
    assert isinstance(checkout, CheckoutPage)
    qtbot.waitUntil(lambda: win.current_area() == "checkout" and checkout.bill is not None,
                    timeout=15_000)
    assert [(i.code, i.technician_id, i.designated) for i in checkout.model.items()] == [
        ("B02", people[SENIOR], False)]
    assert checkout.member is None
    assert checkout.notice.text() == _("Checked in: {name}.").format(name="何女士")
    [arrived] = appointments.day_view(ctx, day).appointments
    assert (arrived.status, arrived.technician_id) == (Status.ARRIVED, people[SENIOR])
    win.close()
