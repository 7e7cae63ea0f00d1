"""The follow-ups area (回访): the front desk's list of calls due today, overdue and done, with
a search and a technician filter, and the dialog that records how a call went - or the
complaint it brought and what makes it good (points or a coupon, with a manager's approval).
Beside them, the members whose birthday falls this week or this month (生日关怀), with whether
their birthday coupon went out; the coupons themselves go out automatically when the page
loads (``birthdays.issue_due``, once per member and year).

Every read and write is a service call run through :class:`~salondesk.ui.ops.Op`; after a
write the list and the counts are read again.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _, ngettext
from salondesk.ids import new_op_id
from salondesk.services import birthdays, counter, followups
from salondesk.services.birthdays import BirthdayRow, Window
from salondesk.services.context import Approval, Ctx
from salondesk.services.followups import (
    MAX_NOTE_CHARS,
    RESULT_LABELS,
    ComplaintResult,
    CouponChoice,
    FollowUpRow,
    Result,
    View,
)
from salondesk.ui import messages, tables
from salondesk.ui.approval import ApprovalDialog, with_approval
from salondesk.ui.complaint_dialog import CompensationFields, ComplaintDialog, complaint_note
from salondesk.ui.ops import Op
from salondesk.ui.staff_dialogs import _FormDialog
from salondesk.ui.toggles import add_toggle

LATE_COLOUR = QColor("#c62828")


def result_label(result: str | None) -> str:
    try:
        return _(RESULT_LABELS[Result(result)]) if result else ""
    except ValueError:
        return result or ""


class OutcomeDialog(_FormDialog):
    """How the call to ``row``'s client went, with a note; a complaint adds what makes it
    good. Emits nothing itself: the page reads :meth:`values` when it is accepted."""

    def __init__(self, row: FollowUpRow, coupons: list[CouponChoice],
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Follow-up call"), parent)
        self.setObjectName("outcomeDialog")
        self.row = row
        who = QLabel(_("{client} - {service} on {due}").format(
            client=row.client, service=row.service, due=row.due_on.isoformat()), self)
        who.setWordWrap(True)
        self.result_combo = QComboBox(self)
        self.result_combo.setObjectName("outcomeResult")
        for result in Result:
            self.result_combo.addItem(_(RESULT_LABELS[result]), result.value)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("outcomeNote")
        self.note_edit.setPlaceholderText(_("What the client said"))
        self.note_edit.setFixedHeight(80)
        self.form.addRow(who)
        self.form.addRow(_("Outcome"), self.result_combo)
        self.form.addRow(_("Note"), self.note_edit)
        self.comp_fields = CompensationFields(self, self.form, coupons)
        self.comp_combo = self.comp_fields.comp_combo
        self.points_spin = self.comp_fields.points_spin
        self.coupon_combo = self.comp_fields.coupon_combo
        self.result_combo.currentIndexChanged.connect(lambda _i: self._shape())
        self.comp_combo.currentIndexChanged.connect(lambda _i: self._shape())
        self._shape()
        self.note_edit.setFocus()

    def _shape(self) -> None:
        self.comp_fields.shape(shown=self.chosen_result() is Result.COMPLAINT)
        self.adjustSize()

    def chosen_result(self) -> Result:
        return Result(self.result_combo.currentData())

    def note(self) -> str:
        return " ".join(self.note_edit.toPlainText().split())

    def compensation(self) -> tuple[int, str | None]:
        """(points, coupon template id) to make a complaint good."""
        if self.chosen_result() is not Result.COMPLAINT:
            return 0, None
        return self.comp_fields.chosen()

    def problem(self) -> str | None:
        if self.chosen_result() is Result.COMPLAINT and not self.note():
            return _("Please write what the client said.")
        if len(self.note()) > MAX_NOTE_CHARS:
            return _("A note has at most {n} characters.").format(n=MAX_NOTE_CHARS)
        return None


class BirthdayCouponDialog(_FormDialog):
    """Which coupon members get for their birthday, and how many days before it goes out."""

    def __init__(self, coupons: list[CouponChoice], current: birthdays.BirthdayCoupon,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Birthday coupon"), parent)
        self.setObjectName("birthdayCouponDialog")
        self.template_combo = QComboBox(self)
        self.template_combo.setObjectName("birthdayTemplate")
        self.template_combo.addItem(_("No birthday coupon"), None)
        for c in coupons:
            self.template_combo.addItem(c.name, c.template_id)
        if current.template_id is not None:
            self.template_combo.setCurrentIndex(
                max(0, self.template_combo.findData(current.template_id)))
        self.days_spin = QSpinBox(self)
        self.days_spin.setObjectName("birthdayDaysAhead")
        self.days_spin.setRange(0, 31)
        self.days_spin.setValue(current.days_ahead)
        explain = QLabel(_("Members get it automatically, once a year, the set number of days "
                           "before their birthday."), self)
        explain.setWordWrap(True)
        self.form.addRow(explain)
        self.form.addRow(_("Coupon"), self.template_combo)
        self.form.addRow(_("Days before the birthday"), self.days_spin)

    def chosen(self) -> tuple[str | None, int]:
        data = self.template_combo.currentData()
        return (str(data) if data else None), self.days_spin.value()


class FollowUpsPage(QWidget):
    """The follow-up list for the signed-in ``ctx``."""

    COLUMNS = ("due", "client", "phone", "service", "staff", "state", "note")

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view = View.DUE_TODAY
        self.rows: list[FollowUpRow] = []
        self.coupons: list[CouponChoice] = []
        self.dialog: QWidget | None = None
        self.approval_dialog: ApprovalDialog | None = None
        self._generation = 0
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 6)
        outer.addLayout(self._build_toolbar())
        self.table = tables.table(self, [
            _("Due"), _("Client"), _("Phone"), _("Service"), _("Technician"), _("State"),
            _("Note")], "followUpTable")
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(lambda _r, _c: self.record())
        self.birthday_table = tables.table(self, [
            _("Birthday"), _("Member no."), _("Client"), _("Phone"), _("Turns"),
            _("Birthday coupon")], "birthdayTable")
        self.birthday_table.verticalHeader().setDefaultSectionSize(34)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.birthday_table)
        outer.addWidget(self.stack, 1)
        actions = QHBoxLayout()
        self.selected_label = QLabel(self)
        self.selected_label.setObjectName("followUpSelected")
        actions.addWidget(self.selected_label, 1)
        self.record_button = QPushButton(_("Record the call…"), self)
        self.record_button.setObjectName("followUpRecord")
        self.record_button.clicked.connect(lambda _c=False: self.record())
        self._add_desk_buttons(actions)
        self.coupon_button = QPushButton(_("Birthday coupon…"), self)
        self.coupon_button.setObjectName("birthdayCouponButton")
        self.coupon_button.clicked.connect(lambda _c=False: self.choose_birthday_coupon())
        self.coupon_button.hide()  # on the birthday lists, for those who set the store up
        actions.addWidget(self.coupon_button)
        outer.addLayout(actions)
        self.notice = QLabel(self)
        self.notice.setObjectName("followUpNotice")
        self.notice.setWordWrap(True)
        outer.addWidget(self.notice)
        self.outcome_label = QLabel(self)
        self.outcome_label.setObjectName("followUpOutcome")
        self.outcome_label.setStyleSheet("color: #2e7d32;")
        outer.addWidget(self.outcome_label)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.reload)
        self._selection_changed()
        self._load_setup()

    # -- building -------------------------------------------------------------------------

    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.view_group = QButtonGroup(self)
        self.view_buttons: dict[View, QPushButton] = {}
        for view in View:  # texts with their counts: _label_views
            self.view_buttons[view] = add_toggle(
                row, self.view_group, self, name=f"followUpView_{view.value}", text="",
                on_click=functools.partial(self.set_view, view))
        self.birthday_buttons: dict[Window, QPushButton] = {}
        row.addSpacing(16)
        for which, text in ((Window.WEEK, _("Birthdays this week")),
                            (Window.MONTH, _("Birthdays this month"))):
            self.birthday_buttons[which] = add_toggle(
                row, self.view_group, self, name=f"birthdayView_{which.value}", text=text,
                on_click=functools.partial(self.show_birthdays, which))
        self.birthday_window: Window | None = None
        self.birthday_rows: list[BirthdayRow] = []
        self.view_buttons[View.DUE_TODAY].setChecked(True)
        self._label_views({})
        row.addSpacing(16)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("followUpSearch")
        self.search_edit.setPlaceholderText(_("Name, phone, member no. or service"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(lambda _t: self._search_timer.start())
        row.addWidget(self.search_edit, 1)
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("followUpStaff")
        self.staff_combo.addItem(_("All technicians"), None)
        self.staff_combo.currentIndexChanged.connect(lambda _i: self.reload())
        row.addWidget(self.staff_combo)
        return row

    def _add_desk_buttons(self, actions: QHBoxLayout) -> None:
        """Record the call, and a complaint made at the desk, not from a call (for those who
        work the desk)."""
        actions.addWidget(self.record_button)
        self.complaint_button = QPushButton(_("Record a complaint…"), self)
        self.complaint_button.setObjectName("deskComplaint")
        self.complaint_button.clicked.connect(lambda _c=False: self.record_complaint())
        actor = self.ctx.actor
        self.complaint_button.setVisible(actor is not None
                                         and actor.can(Permission.APPOINTMENT_BOOK))
        actions.addWidget(self.complaint_button)

    def _label_views(self, counts: dict[str, int]) -> None:
        today, late = counts.get(View.DUE_TODAY.value), counts.get(View.OVERDUE.value)
        self.view_buttons[View.DUE_TODAY].setText(
            _("Due today ({n})").format(n=today) if today is not None else _("Due today"))
        self.view_buttons[View.OVERDUE].setText(
            _("Overdue ({n})").format(n=late) if late is not None else _("Overdue"))
        self.view_buttons[View.DONE].setText(_("Done (30 days)"))

    # -- loading --------------------------------------------------------------------------

    def _load_setup(self) -> None:
        ctx = self.ctx

        def read() -> tuple[list[counter.Technician], list[CouponChoice]]:
            birthdays.issue_due(ctx)  # this year's birthday coupons, if the store chose one
            return counter.technicians(ctx), followups.compensation_coupons(ctx)

        Op(self, read).success(self._setup_loaded).run_in_background()

    def _setup_loaded(self, loaded: tuple[list[counter.Technician], list[CouponChoice]]
                      ) -> None:
        people, self.coupons = loaded
        self.staff_combo.blockSignals(True)
        for person in people:
            self.staff_combo.addItem(person.name, person.staff_id)
        self.staff_combo.blockSignals(False)
        self.reload()

    def set_view(self, view: View | str) -> None:
        self.view = View(view)
        self.birthday_window = None
        self.coupon_button.hide()
        self.view_buttons[self.view].setChecked(True)
        self.stack.setCurrentWidget(self.table)
        self.reload()

    def show_birthdays(self, which: Window | str) -> None:
        """The members whose birthday falls this week or this month."""
        self.birthday_window = Window(which)
        self.birthday_buttons[self.birthday_window].setChecked(True)
        actor = self.ctx.actor
        self.coupon_button.setVisible(actor is not None
                                      and actor.can(Permission.SETTINGS_EDIT))
        self.stack.setCurrentWidget(self.birthday_table)
        self.reload()

    def reload(self) -> None:
        """Read the chosen list and the counts again (latest request wins)."""
        if self.birthday_window is not None:
            self._reload_birthdays(self.birthday_window)
            return
        self._generation += 1
        generation, ctx, view = self._generation, self.ctx, self.view
        text, staff_id = self.search_edit.text(), self.staff_combo.currentData()

        def read() -> tuple[list[FollowUpRow], dict[str, int]]:
            return (followups.follow_up_list(ctx, view, text=text, staff_id=staff_id),
                    followups.counts(ctx))

        Op(self, read).success(lambda got: self._show(generation, *got)).run_in_background()

    def _show(self, generation: int, rows: list[FollowUpRow], counts: dict[str, int]) -> None:
        if generation != self._generation:
            return
        self.rows = rows
        self._label_views(counts)
        cells = [[r.due_on.isoformat(), r.client, r.phone or "", r.service, r.staff,
                  self._state(r), r.note] for r in rows]
        tables.fill(self.table, cells)
        for i, r in enumerate(rows):
            if r.days_late:
                for j in (0, 5):
                    item = self.table.item(i, j)
                    if item is not None:
                        item.setForeground(LATE_COLOUR)
            due = self.table.item(i, 0)
            if due is not None:
                due.setData(Qt.ItemDataRole.UserRole, r.follow_up_id)
        if not rows:
            self.notice.setText({
                View.DUE_TODAY: _("No follow-up calls are due today."),
                View.OVERDUE: _("No follow-up call is overdue."),
                View.DONE: _("No follow-up call was recorded in the last 30 days."),
            }[self.view])
        else:
            self.notice.setText(ngettext("{n} call", "{n} calls", len(rows)).format(
                n=len(rows)))
        self._selection_changed()

    def _reload_birthdays(self, which: Window) -> None:
        self._generation += 1
        generation, ctx = self._generation, self.ctx
        Op(self, lambda: birthdays.birthday_list(ctx, which)) \
            .success(lambda rows: self._show_birthdays(generation, which, rows)) \
            .run_in_background()

    def _show_birthdays(self, generation: int, which: Window, rows: list[BirthdayRow]) -> None:
        if generation != self._generation:
            return
        self.birthday_rows = rows
        cells = []
        for r in rows:
            when = (_("Today") if r.days_away == 0 else
                    r.on.strftime("%m-%d"))
            cells.append([when, str(r.member_no), r.name, r.phone or "",
                          ngettext("{n} year", "{n} years", r.age).format(n=r.age),
                          _("Issued") if r.coupon_issued else ""])
        tables.fill(self.birthday_table, cells)
        self.notice.setText(
            ngettext("{n} birthday", "{n} birthdays", len(rows)).format(n=len(rows)) if rows
            else (_("No birthdays this week.") if which is Window.WEEK
                  else _("No birthdays this month.")))
        self.record_button.setEnabled(False)
        self.selected_label.setText(_("A call or a message on the day is a good follow-up."))

    def choose_birthday_coupon(self) -> None:
        ctx = self.ctx
        Op(self, lambda: birthdays.birthday_coupon(ctx)) \
            .success(self._ask_birthday_coupon).run_in_background()

    def _ask_birthday_coupon(self, current: birthdays.BirthdayCoupon) -> None:
        dialog = BirthdayCouponDialog(self.coupons, current, self)
        dialog.accepted.connect(lambda: self._set_birthday_coupon(*dialog.chosen()))
        self.dialog = dialog
        dialog.open()

    def _set_birthday_coupon(self, template_id: str | None, days_ahead: int) -> None:
        ctx, op_id = self.ctx, new_op_id()

        def write() -> list[str]:
            birthdays.set_birthday_coupon(ctx, template_id, days_ahead=days_ahead,
                                          op_id=op_id)
            return birthdays.issue_due(ctx)

        def done(codes: list[str]) -> None:
            self.outcome_label.setText(
                _("No birthday coupon goes out.") if template_id is None else
                ngettext("Birthday coupon set; {n} went out now.",
                         "Birthday coupon set; {n} went out now.", len(codes)).format(
                    n=len(codes)))
            self.reload()

        Op(self, write).success(done).failure(self._refused).run_in_background()

    def _state(self, r: FollowUpRow) -> str:
        if r.result:
            when = r.closed_on.isoformat() if r.closed_on else ""
            return f"{result_label(r.result)} {when}".strip()
        if r.days_late:
            return ngettext("{n} day late", "{n} days late", r.days_late).format(n=r.days_late)
        return _("To call")

    # -- acting ---------------------------------------------------------------------------

    def selected(self) -> FollowUpRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def select_row(self, index: int) -> None:
        self.table.selectRow(index)

    def _selection_changed(self) -> None:
        if self.birthday_window is not None:
            return
        r = self.selected()
        self.record_button.setEnabled(r is not None and r.result is None)
        if r is None:
            self.selected_label.setText(_("Choose a client to call, then record how it went."))
        else:
            self.selected_label.setText(_("{client} {phone}: {service}").format(
                client=r.client, phone=r.phone or "", service=r.service))

    def record(self) -> None:
        r = self.selected()
        if r is None or r.result is not None:
            return
        dialog = OutcomeDialog(r, self.coupons, self)
        dialog.accepted.connect(lambda: self._recorded(dialog))
        self.dialog = dialog
        dialog.open()

    def _recorded(self, dialog: OutcomeDialog) -> None:
        r, result, note = dialog.row, dialog.chosen_result(), dialog.note()
        ctx = self.ctx
        if result is not Result.COMPLAINT:
            op_id = new_op_id()
            Op(self, lambda: followups.record_outcome(ctx, r.follow_up_id, result=result,
                                                      note=note, op_id=op_id)) \
                .success(lambda _x: self._done(_("{client}: {result}.").format(
                    client=r.client, result=result_label(result.value)))) \
                .failure(self._refused).run_in_background()
            return
        given, coupon = dialog.compensation()
        op_id = new_op_id()

        def run(approval: Approval | None) -> None:
            Op(self, lambda: followups.record_complaint(
                ctx, follow_up_id=r.follow_up_id, text=note, points_given=given,
                coupon_template_id=coupon, approval=approval, op_id=op_id)) \
                .success(lambda got: self._complained(r, got)) \
                .failure(self._refused).run_in_background()

        if given or coupon:
            self.approval_dialog = with_approval(self, ctx, Permission.LEDGER_ADJUST, run)
        else:
            run(None)

    def _complained(self, r: FollowUpRow, got: ComplaintResult) -> None:
        self._done(complaint_note(got, r.client))

    def record_complaint(self) -> ComplaintDialog:
        """A complaint made at the desk (not from a call): the member is searched for."""
        dialog = ComplaintDialog(self.ctx, self.coupons, parent=self)
        dialog.done_ok.connect(lambda: self._done(complaint_note(
            dialog.result_value, dialog.chosen_member()[1])))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _done(self, text: str) -> None:
        self.outcome_label.setText(text)
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        messages.show_error(self, exc)

    def showEvent(self, event: Any) -> None:  # Qt's name
        super().showEvent(event)
        self.reload()
