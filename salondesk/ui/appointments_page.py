"""The appointments area (预约): the day calendar by technician or by room, the week, and the
front desk's actions on a booking (new, move, cancel, status steps, check-in, reminders).

Every read and write is a service call run through :class:`~salondesk.ui.ops.Op`; after a
write the shown day is read again. Check-in hands the :class:`CheckIn` to whoever listens to
``check_in_ready`` (the main window opens the checkout with it).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.appointments import STATUS_COLOURS, STATUS_LABELS, TRANSITIONS, Status
from salondesk.i18n import _, ngettext
from salondesk.ids import new_op_id
from salondesk.services import appointments, catalogue, ledger_settings
from salondesk.services.appointments import AppointmentView, CheckIn, DayView, RoomRow
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Ctx
from salondesk.services.counter import Technician
from salondesk.ui import messages
from salondesk.ui.appointment_dialog import BookingDialog, CancelDialog, MoveDialog
from salondesk.ui.checkout_dialogs import TechnicianDialog
from salondesk.ui.day_grid import DayGrid
from salondesk.ui.ops import Op
from salondesk.ui.reminder_dialog import ReminderDialog
from salondesk.ui.toggles import add_toggle

STEPS = (Status.ARRIVED, Status.IN_SERVICE, Status.COMPLETED, Status.NO_SHOW)
TECHNICIANS, ROOMS, WEEK = "technicians", "rooms", "week"


def _zone(name: object) -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(str(name))
    except Exception:  # no tz database on this machine: China has one offset all year
        return dt.timezone(dt.timedelta(hours=8))


class AppointmentsPage(QWidget):
    """The calendar for the signed-in ``ctx``."""

    check_in_ready = Signal(object)   # CheckIn
    shown = Signal()                  # the screen shows the current day or week

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.zone: dt.tzinfo = _zone(ledger_settings.DEFAULTS[ledger_settings.TIMEZONE])
        self.today: dt.date | None = None
        self.day: dt.date | None = None
        self.mode = TECHNICIANS
        self.day_data: DayView | None = None
        self.week_data: dict[dt.date, tuple[AppointmentView, ...]] = {}
        self.services: list[ServiceSpec] = []
        self.rooms: list[RoomRow] = []
        self.dialog: QWidget | None = None
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 6)
        outer.addLayout(self._build_toolbar())
        outer.addLayout(self._build_actions())
        self.stack = QStackedWidget(self)
        self.grid = DayGrid()
        self.grid.selected.connect(lambda _id: self._selection_changed())
        self.grid.activated.connect(lambda _id: self.move_booking())
        self.grid.slot_activated.connect(self._slot_activated)
        self.day_scroll = QScrollArea(self.stack)
        self.day_scroll.setObjectName("dayScroll")
        self.day_scroll.setWidgetResizable(True)
        self.day_scroll.setWidget(self.grid)
        self.week_table = QTableWidget(0, 7, self.stack)
        self.week_table.setObjectName("weekTable")
        self.week_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.week_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.week_table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.week_table.cellDoubleClicked.connect(self._week_day_chosen)
        self.stack.addWidget(self.day_scroll)
        self.stack.addWidget(self.week_table)
        outer.addWidget(self.stack, 1)
        outer.addLayout(self._build_legend())
        self.notice = QLabel(self)
        self.notice.setObjectName("appointmentsNotice")
        self.notice.setWordWrap(True)
        outer.addWidget(self.notice)
        self._selection_changed()
        self._load_setup()

    # -- building -------------------------------------------------------------------------

    def _button(self, text: str, name: str, slot: Any) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(lambda _c=False: slot())
        return button

    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self._button(_("Today"), "apptToday", self.go_today))
        row.addWidget(self._button(_("◀ Previous"), "apptPrevious", lambda: self.step(-1)))
        row.addWidget(self._button(_("Next ▶"), "apptNext", lambda: self.step(1)))
        self.date_label = QLabel(self)
        self.date_label.setObjectName("apptDate")
        font = self.date_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.date_label.setFont(font)
        row.addSpacing(12)
        row.addWidget(self.date_label)
        row.addStretch(1)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QPushButton] = {}
        for key, text in ((TECHNICIANS, _("By technician")), (ROOMS, _("By room")),
                          (WEEK, _("Week"))):
            self.mode_buttons[key] = add_toggle(
                row, self.mode_group, self, name=f"apptMode_{key}", text=text,
                on_click=functools.partial(self.set_mode, key))
        self.mode_buttons[TECHNICIANS].setChecked(True)
        row.addSpacing(12)
        self.new_button = self._button(_("New booking"), "apptNew", self.new_booking)
        row.addWidget(self.new_button)
        row.addWidget(self._button(_("Reminders"), "apptReminders", self.reminders))
        return row

    def _build_actions(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.selected_label = QLabel(self)
        self.selected_label.setObjectName("apptSelected")
        row.addWidget(self.selected_label, 1)
        self.move_button = self._button(_("Move"), "apptMove", self.move_booking)
        self.cancel_button = self._button(_("Cancel booking"), "apptCancel", self.cancel)
        self.step_buttons = {
            status: self._button(_(STATUS_LABELS[status]), f"apptStep_{status.value}",
                                 lambda s=status: self.set_status(s))
            for status in STEPS}
        self.check_in_button = self._button(_("Check in and ring up"), "apptCheckIn",
                                            self.check_in)
        for button in (self.move_button, self.cancel_button, *self.step_buttons.values(),
                       self.check_in_button):
            row.addWidget(button)
        return row

    def _build_legend(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for status, colour in STATUS_COLOURS.items():
            swatch = QLabel(_(STATUS_LABELS[status]), self)
            swatch.setStyleSheet(f"background: {colour}; color: white; padding: 2px 8px;"
                                 " border-radius: 3px;")
            row.addWidget(swatch)
        row.addStretch(1)
        return row

    # -- loading --------------------------------------------------------------------------

    def _load_setup(self) -> None:
        ctx = self.ctx

        def read() -> tuple[object, dt.date, list[ServiceSpec], list[RoomRow]]:
            zone = ctx.setting(ledger_settings.TIMEZONE,
                               ledger_settings.DEFAULTS[ledger_settings.TIMEZONE])
            today = appointments.tomorrow(ctx) - dt.timedelta(days=1)
            return zone, today, catalogue.list_services(ctx), appointments.rooms(ctx)

        Op(self, read).success(self._set_up).run_in_background()

    def _set_up(self, loaded: tuple[object, dt.date, list[ServiceSpec], list[RoomRow]]
                ) -> None:
        zone, self.today, self.services, self.rooms = loaded
        self.zone = _zone(zone)
        if not self.rooms:
            self.mode_buttons[ROOMS].setEnabled(False)
        self.show_day(self.day or self.today)

    def week_start(self) -> dt.date:
        assert self.day is not None
        return self.day - dt.timedelta(days=self.day.weekday())

    def refresh(self) -> None:
        """Read the shown day (or week) again."""
        if self.day is None:
            return
        self._generation += 1
        generation, ctx, day = self._generation, self.ctx, self.day
        if self.mode == WEEK:
            first = self.week_start()

            def read_week() -> tuple[DayView, dict[dt.date, tuple[AppointmentView, ...]]]:
                return appointments.day_view(ctx, first), appointments.week_view(ctx, first)

            Op(self, read_week).success(
                lambda r: self._week_read(generation, *r)).run_in_background()
        else:
            Op(self, lambda: appointments.day_view(ctx, day)).success(
                lambda v: self._day_read(generation, v)).run_in_background()

    def _day_read(self, generation: int, view: DayView) -> None:
        if generation != self._generation:
            return  # the person moved on to another day meanwhile
        self.day_data = view
        self.grid.show_columns(view.by_room if self.mode == ROOMS else view.by_technician,
                               by_room=self.mode == ROOMS)
        self._selection_changed()
        self.shown.emit()

    def _week_read(self, generation: int, first: DayView,
                   week: dict[dt.date, tuple[AppointmentView, ...]]) -> None:
        if generation != self._generation:
            return
        self.day_data = first
        self.week_data = week
        days = sorted(week)
        rows: list[tuple[str | None, str]] = [
            (c.key, c.title) for c in first.by_technician if c.key is not None]
        seen = {k for k, _t in rows}
        for views in week.values():
            for v in views:
                if v.technician_id and v.technician_id not in seen:
                    rows.append((v.technician_id, v.technician))
                    seen.add(v.technician_id)
        rows.append((None, _("No technician")))
        self.week_table.clear()
        self.week_table.setRowCount(len(rows))
        self.week_table.setColumnCount(len(days))
        self.week_table.setHorizontalHeaderLabels([_day_title(d) for d in days])
        self.week_table.setVerticalHeaderLabels([title for _k, title in rows])
        for c, day in enumerate(days):
            for r, (key, _title) in enumerate(rows):
                held = [v for v in week[day] if v.technician_id == key
                        and v.status not in (Status.CANCELLED, Status.NO_SHOW)]
                item = QTableWidgetItem(_week_cell(held))
                item.setData(Qt.ItemDataRole.UserRole, day.isoformat())
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
                self.week_table.setItem(r, c, item)
        self._selection_changed()
        self.shown.emit()

    # -- navigation -----------------------------------------------------------------------

    def show_day(self, day: dt.date) -> None:
        self.day = day
        if self.mode == WEEK:
            first = self.week_start()
            self.date_label.setText(_("Week of {first} to {last}").format(
                first=first.isoformat(), last=(first + dt.timedelta(days=6)).isoformat()))
        else:
            self.date_label.setText(_day_title(day, long=True))
        self.grid.select(None, emit=False)
        self.refresh()

    def go_today(self) -> None:
        if self.today is not None:
            self.show_day(self.today)

    def step(self, direction: int) -> None:
        if self.day is not None:
            self.show_day(self.day + dt.timedelta(days=7 if self.mode == WEEK else 1) * direction)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self.stack.setCurrentWidget(self.week_table if mode == WEEK else self.day_scroll)
        if self.day is not None:
            self.show_day(self.day)

    def _week_day_chosen(self, row: int, column: int) -> None:
        item = self.week_table.item(row, column)
        if item is not None:
            self.day = dt.date.fromisoformat(str(item.data(Qt.ItemDataRole.UserRole)))
            self.set_mode(TECHNICIANS)

    # -- the selected booking -------------------------------------------------------------

    def selected(self) -> AppointmentView | None:
        if self.mode == WEEK or self.day_data is None or self.grid.current is None:
            return None
        return next((v for v in self.day_data.appointments
                     if v.appointment_id == self.grid.current), None)

    def _selection_changed(self) -> None:
        v = self.selected()
        allowed = TRANSITIONS[v.status] if v is not None else frozenset()
        if v is None:
            self.selected_label.setText(_("Double-click an empty slot to book; click a "
                                          "booking to act on it."))
        else:
            self.selected_label.setText(_("{time} {client}: {services} ({status})").format(
                time=f"{v.starts_at:%H:%M}", client=v.client, services="、".join(v.services),
                status=_(STATUS_LABELS[v.status])))
        self.move_button.setEnabled(v is not None and v.status in {Status.BOOKED,
                                                                   Status.ARRIVED})
        self.cancel_button.setEnabled(Status.CANCELLED in allowed)
        for status, button in self.step_buttons.items():
            button.setEnabled(status in allowed)
        # a client already marked arrived (or in service) can still be rung up
        self.check_in_button.setEnabled(v is not None and v.status in {
            Status.BOOKED, Status.ARRIVED, Status.IN_SERVICE})

    def _technicians(self) -> list[tuple[str, str]]:
        if self.day_data is None:
            return []
        return [(c.key, c.title) for c in self.day_data.by_technician if c.key is not None]

    def _say(self, text: str, *, ok: bool = False) -> None:
        self.notice.setStyleSheet("color: #1b5e20;" if ok else "color: #b00020;")
        self.notice.setText(text)

    def _changed(self, text: str) -> None:
        self._say(text, ok=True)
        self.refresh()

    # -- actions --------------------------------------------------------------------------

    def _slot_activated(self, key: str | None, at: dt.time) -> None:
        if self.mode == ROOMS:
            self.new_booking(start=at, room_id=key)
        else:
            self.new_booking(start=at, technician_id=key)

    def new_booking(self, *, start: dt.time | None = None, technician_id: str | None = None,
                    room_id: str | None = None) -> None:
        if self.day is None:
            return
        dialog = BookingDialog(
            self.ctx, zone=self.zone, day=self.day, start=start or dt.time(10),
            services=self.services, technicians=self._technicians(), rooms=self.rooms,
            technician_id=technician_id, room_id=room_id, parent=self)
        dialog.saved.connect(lambda _id: self._changed(_("Booked.")))
        self.dialog = dialog
        dialog.open()

    def move_booking(self) -> None:
        v = self.selected()
        if v is None or not self.move_button.isEnabled():
            return
        dialog = MoveDialog(self.ctx, v, zone=self.zone, technicians=self._technicians(),
                            rooms=self.rooms, parent=self)
        dialog.saved.connect(lambda _r: self._changed(_("Booking moved.")))
        self.dialog = dialog
        dialog.open()

    def cancel(self) -> None:
        v = self.selected()
        if v is None:
            return
        dialog = CancelDialog(self.ctx, v, parent=self)
        dialog.saved.connect(lambda _r: self._changed(_("Booking cancelled.")))
        self.dialog = dialog
        dialog.open()

    def set_status(self, status: Status) -> None:
        v = self.selected()
        if v is None:
            return
        ctx, appt_id, op_id = self.ctx, v.appointment_id, new_op_id()
        Op(self, lambda: appointments.set_status(ctx, appt_id, status, op_id=op_id)) \
            .success(lambda _r: self._changed(_("{client}: {status}.").format(
                client=v.client, status=_(STATUS_LABELS[status])))) \
            .failure(self._refused).run_in_background()

    def check_in(self) -> None:
        """Mark the client arrived and open the checkout; a booking made without a
        technician gets one here (and the designation, if the client asks for them now)."""
        v = self.selected()
        if v is None:
            return
        if v.technician_id is not None:
            self._check_in(v.appointment_id, None, None)
            return
        people = [Technician(key, name) for key, name in self._technicians()]
        dialog = TechnicianDialog(people, current=None, designated=False, parent=self)

        def chosen() -> None:
            staff_id, _name = dialog.chosen()
            self._check_in(v.appointment_id, staff_id, dialog.designated.isChecked())

        dialog.accepted.connect(chosen)
        self.dialog = dialog
        dialog.open()

    def _check_in(self, appt_id: str, technician_id: str | None,
                  designated: bool | None) -> None:
        ctx, op_id = self.ctx, new_op_id()
        Op(self, lambda: appointments.check_in(ctx, appt_id, op_id=op_id,
                                               technician_id=technician_id,
                                               designated=designated)) \
            .success(self._checked_in).failure(self._refused).run_in_background()

    def _checked_in(self, check_in: CheckIn) -> None:
        self._changed(_("Checked in; the sale is open at the checkout."))
        self.check_in_ready.emit(check_in)

    def _refused(self, exc: BaseException) -> None:
        text = messages.describe(exc)
        self._say(text)
        messages.warn(self, text)
        self.refresh()

    def reminders(self) -> None:
        dialog = ReminderDialog(self.ctx, self)
        self.dialog = dialog
        dialog.open()

    def showEvent(self, event: Any) -> None:  # Qt's name
        super().showEvent(event)
        if self.day is not None:
            self.refresh()


def _day_title(day: dt.date, *, long: bool = False) -> str:
    weekdays = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
    text = f"{day:%m-%d} {weekdays[day.weekday()]}"
    return f"{day.year}-{text}" if long else text


def _week_cell(views: list[AppointmentView]) -> str:
    if not views:
        return ""
    lines = [ngettext("{n} booking", "{n} bookings", len(views)).format(n=len(views))]
    lines += [f"{v.starts_at:%H:%M} {v.client}" for v in views[:4]]
    if len(views) > 4:
        lines.append("…")
    return "\n".join(lines)
