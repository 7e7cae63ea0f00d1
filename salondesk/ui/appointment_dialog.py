"""The appointment dialogs: a new booking, moving one, cancelling one.

Each dialog runs its one service call off the GUI thread when OK is pressed. A refusal (a
clash, outside working hours, a package or consultation rule) is shown under the form in the
service's words; where a manager may waive it, "Ask a manager to allow it" retries the same
call as an override with the manager's approval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTimeEdit,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.errors import Conflict
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import appointments
from salondesk.services.appointments import AppointmentView, Booking, RoomRow
from salondesk.services.catalogue import ServiceSpec
from salondesk.services.context import Approval, Ctx
from salondesk.ui import messages
from salondesk.ui.approval import ApprovalDialog, may_ask, with_approval
from salondesk.ui.member_picker import MemberPicker
from salondesk.ui.ops import Op
from salondesk.ui.staff_dialogs import _FormDialog

Call = Callable[[], object]


def _choices(combo: QComboBox, none_label: str, items: Sequence[tuple[str, str]],
             current: str | None) -> None:
    combo.addItem(none_label, None)
    for key, label in items:
        combo.addItem(label, key)
    combo.setCurrentIndex(max(0, combo.findData(current)) if current else 0)


def _date_time(parent: QWidget, name: str, day: dt.date, start: dt.time
               ) -> tuple[QDateEdit, QTimeEdit]:
    date_edit = QDateEdit(QDate(day.year, day.month, day.day), parent)
    date_edit.setObjectName(f"{name}Date")
    date_edit.setCalendarPopup(True)
    date_edit.setDisplayFormat("yyyy-MM-dd")
    time_edit = QTimeEdit(QTime(start.hour, start.minute), parent)
    time_edit.setObjectName(f"{name}Start")
    time_edit.setDisplayFormat("HH:mm")
    return date_edit, time_edit


def _moment(date_edit: QDateEdit, time_edit: QTimeEdit, zone: dt.tzinfo) -> dt.datetime:
    d, t = date_edit.date(), time_edit.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=zone)


class ServiceCallDialog(_FormDialog):
    """A form whose OK runs one service call; emits ``saved`` with its result."""

    saved = Signal(object)

    def __init__(self, ctx: Ctx, title: str, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.ctx = ctx
        self.approval_dialog: ApprovalDialog | None = None
        self.override_button = QPushButton(_("Ask a manager to allow it"), self)
        self.override_button.setObjectName("overrideButton")
        self.buttons.addButton(self.override_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.override_button.hide()
        self.override_button.clicked.connect(self._override)

    def call(self, override: bool, approval: Approval | None) -> Call:
        """The service call to run (built on the GUI thread from the form's values)."""
        raise NotImplementedError

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self._say(problem)
            return
        self._run(False, None)

    def _run(self, override: bool, approval: Approval | None) -> None:
        fn = self.call(override, approval)
        self.buttons.setEnabled(False)
        Op(self, fn).success(self._saved).failure(lambda e: self._refused(e, override)) \
            .finished(lambda: self.buttons.setEnabled(True)).run_in_background()

    def _say(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _refused(self, exc: BaseException, overridden: bool) -> None:
        self._say(messages.describe(exc))
        self.override_button.setVisible(
            isinstance(exc, Conflict) and not overridden
            and may_ask(self.ctx, Permission.APPOINTMENT_OVERRIDE))

    def _override(self) -> None:
        problem = self.problem()
        if problem:
            self._say(problem)
            return
        self.approval_dialog = with_approval(self, self.ctx, Permission.APPOINTMENT_OVERRIDE,
                                             lambda approval: self._run(True, approval))

    def _saved(self, result: object) -> None:
        self.accept()
        self.saved.emit(result)


class BookingDialog(ServiceCallDialog):
    """A new booking: a member (or a walk-in's name and phone), the services (their durations
    add up), the technician (optional; designated when the client asked for them), the room
    (optional), the day and start time, a note."""

    def __init__(self, ctx: Ctx, *, zone: dt.tzinfo, day: dt.date, start: dt.time,
                 services: Sequence[ServiceSpec], technicians: Sequence[tuple[str, str]],
                 rooms: Sequence[RoomRow], technician_id: str | None = None,
                 room_id: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("New booking"), parent)
        self.setObjectName("bookingDialog")
        self.setMinimumWidth(460)
        self.zone = zone
        self.services = list(services)
        mode = self._build_client(ctx)
        self._build_services()
        self.technician = QComboBox(self)
        self.technician.setObjectName("bookingTechnician")
        _choices(self.technician, _("Any free technician"), technicians, technician_id)
        self.designated = QCheckBox(_("Asked for by name (designated)"), self)
        self.designated.setObjectName("bookingDesignated")
        self.room = QComboBox(self)
        self.room.setObjectName("bookingRoom")
        _choices(self.room, _("No room"), [(r.room_id, r.name) for r in rooms], room_id)
        self.date_edit, self.time_edit = _date_time(self, "booking", day, start)
        when = QHBoxLayout()
        when.addWidget(self.date_edit, 1)
        when.addWidget(self.time_edit, 1)
        self.duration = QLabel(self)
        self.duration.setObjectName("bookingDuration")
        self.note = QLineEdit(self)
        self.note.setObjectName("bookingNote")
        self.note.setMaxLength(appointments.MAX_NOTE_CHARS)
        self.form.addRow(_("Client"), mode)
        self.form.addRow(_("Find member"), self.picker)
        self.form.addRow(_("Walk-in name"), self.walk_in_name)
        self.form.addRow(_("Walk-in phone"), self.walk_in_phone)
        self.form.addRow(_("Services"), self.service_list)
        self.form.addRow(_("Technician"), self.technician)
        self.form.addRow("", self.designated)
        self.form.addRow(_("Room"), self.room)
        self.form.addRow(_("Start"), when)
        self.form.addRow(_("Duration"), self.duration)
        self.form.addRow(_("Note"), self.note)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Book"))
        self.member_radio.toggled.connect(self._mode)
        self.technician.currentIndexChanged.connect(self._technician)
        self.service_list.itemChanged.connect(self._ticked_changed)
        self.time_edit.timeChanged.connect(lambda _t: self._update_duration())
        self.member_radio.setChecked(True)
        self._technician()
        self._update_duration()

    def _build_client(self, ctx: Ctx) -> QHBoxLayout:
        self.member_radio = QRadioButton(_("Member"), self)
        self.member_radio.setObjectName("bookingMemberMode")
        self.walk_in_radio = QRadioButton(_("Walk-in"), self)
        self.walk_in_radio.setObjectName("bookingWalkInMode")
        group = QButtonGroup(self)
        group.addButton(self.member_radio)
        group.addButton(self.walk_in_radio)
        mode = QHBoxLayout()
        mode.addWidget(self.member_radio)
        mode.addWidget(self.walk_in_radio)
        mode.addStretch(1)
        self.picker = MemberPicker(ctx, self, name="bookingMember")
        self.walk_in_name = QLineEdit(self)
        self.walk_in_name.setObjectName("bookingWalkInName")
        self.walk_in_name.setMaxLength(64)
        self.walk_in_phone = QLineEdit(self)
        self.walk_in_phone.setObjectName("bookingWalkInPhone")
        self.walk_in_phone.setMaxLength(20)
        return mode

    def _build_services(self) -> None:
        self._ticked: list[str] = []
        self.service_list = QListWidget(self)
        self.service_list.setObjectName("bookingServices")
        self.service_list.setMinimumHeight(220)
        for spec in self.services:
            item = QListWidgetItem(_("{name}  {minutes} min").format(
                name=spec.name, minutes=spec.duration_min), self.service_list)
            item.setData(Qt.ItemDataRole.UserRole, spec.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)

    def _mode(self) -> None:
        member = self.member_radio.isChecked()
        self.picker.setEnabled(member)
        self.walk_in_name.setEnabled(not member)
        self.walk_in_phone.setEnabled(not member)

    def _technician(self) -> None:
        chosen = self.technician.currentData() is not None
        self.designated.setEnabled(chosen)
        if not chosen:
            self.designated.setChecked(False)

    def _ticked_changed(self, item: QListWidgetItem) -> None:
        code = str(item.data(Qt.ItemDataRole.UserRole))
        if code in self._ticked:
            self._ticked.remove(code)
        if item.checkState() == Qt.CheckState.Checked:
            self._ticked.append(code)
        self._update_duration()

    def chosen_codes(self) -> tuple[str, ...]:
        """The ticked services in the order they were ticked (the order they are done in)."""
        return tuple(self._ticked)

    def set_services(self, codes: Sequence[str]) -> None:
        """Tick these services (and only these)."""
        for i in range(self.service_list.count()):
            item = self.service_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                               in codes else Qt.CheckState.Unchecked)

    def minutes(self) -> int:
        by_code = {s.code: s.duration_min for s in self.services}
        return sum(by_code[c] for c in self.chosen_codes())

    def _update_duration(self) -> None:
        minutes = self.minutes()
        if not minutes:
            self.duration.setText(_("Choose the services"))
            return
        t = self.time_edit.time()
        end = dt.datetime.combine(dt.date.today(), dt.time(t.hour(), t.minute())) + \
            dt.timedelta(minutes=minutes)
        self.duration.setText(_("{minutes} min, until {end}").format(
            minutes=minutes, end=end.strftime("%H:%M")))

    def problem(self) -> str | None:
        if self.member_radio.isChecked() and self.picker.member_id() is None:
            return _("Find the member, or book as a walk-in.")
        if not self.chosen_codes():
            return _("Choose at least one service.")
        return None

    def booking(self) -> Booking:
        member = self.member_radio.isChecked()
        return Booking(
            starts_at=_moment(self.date_edit, self.time_edit, self.zone),
            services=self.chosen_codes(),
            member_id=self.picker.member_id() if member else None,
            walk_in_name=None if member else self.walk_in_name.text(),
            walk_in_phone=None if member else self.walk_in_phone.text(),
            technician_id=self.technician.currentData(),
            designated=self.designated.isChecked(), room_id=self.room.currentData(),
            note=self.note.text())

    def call(self, override: bool, approval: Approval | None) -> Call:
        ctx, booking, op_id = self.ctx, self.booking(), new_op_id()
        return lambda: appointments.create_appointment(ctx, booking, op_id=op_id,
                                                       override=override, approval=approval)


class MoveDialog(ServiceCallDialog):
    """Another day, time, technician or room for a booked (or arrived) appointment."""

    def __init__(self, ctx: Ctx, view: AppointmentView, *, zone: dt.tzinfo,
                 technicians: Sequence[tuple[str, str]], rooms: Sequence[RoomRow],
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Move booking"), parent)
        self.setObjectName("moveDialog")
        self.view = view
        self.zone = zone
        about = QLabel(f"{view.client}  {'、'.join(view.services)}", self)
        about.setWordWrap(True)
        self.date_edit, self.time_edit = _date_time(self, "move", view.starts_at.date(),
                                                    view.starts_at.time())
        self.technician = QComboBox(self)
        self.technician.setObjectName("moveTechnician")
        _choices(self.technician, _("Any free technician"), technicians, view.technician_id)
        self.room = QComboBox(self)
        self.room.setObjectName("moveRoom")
        _choices(self.room, _("No room"), [(r.room_id, r.name) for r in rooms], view.room_id)
        self.form.addRow(about)
        self.form.addRow(_("Day"), self.date_edit)
        self.form.addRow(_("Start"), self.time_edit)
        self.form.addRow(_("Technician"), self.technician)
        self.form.addRow(_("Room"), self.room)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Move"))

    def problem(self) -> str | None:
        if self.view.designated and self.technician.currentData() is None:
            return _("A designated booking needs its technician.")
        return None

    def call(self, override: bool, approval: Approval | None) -> Call:
        ctx, appt_id, op_id = self.ctx, self.view.appointment_id, new_op_id()
        start = _moment(self.date_edit, self.time_edit, self.zone)
        tech, room = self.technician.currentData(), self.room.currentData()
        return lambda: appointments.move_appointment(
            ctx, appt_id, op_id=op_id, starts_at=start, technician_id=tech, room_id=room,
            override=override, approval=approval)


class CancelDialog(ServiceCallDialog):
    """Cancel a booking with a reason (kept in the audit log)."""

    def __init__(self, ctx: Ctx, view: AppointmentView, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Cancel booking"), parent)
        self.setObjectName("cancelDialog")
        self.view = view
        about = QLabel(f"{view.starts_at:%m-%d %H:%M}  {view.client}  "
                       f"{'、'.join(view.services)}", self)
        about.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("cancelReason")
        self.reason.setMaxLength(100)
        self.form.addRow(about)
        self.form.addRow(_("Reason"), self.reason)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Cancel booking"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Keep it"))

    def problem(self) -> str | None:
        return None if self.reason.text().strip() else _("Please give a reason.")

    def call(self, override: bool, approval: Approval | None) -> Call:
        del override, approval  # a cancellation has no rule to waive
        ctx, appt_id, op_id = self.ctx, self.view.appointment_id, new_op_id()
        reason = self.reason.text()
        return lambda: appointments.cancel_appointment(ctx, appt_id, reason=reason,
                                                       op_id=op_id)
