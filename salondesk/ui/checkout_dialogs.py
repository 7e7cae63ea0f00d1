"""Small dialogs of the checkout screen: the technician of a service line, a session from the
member's packages, a manual discount, and the held carts (挂单) to resume.

Each is keyboard-first: arrows choose, Enter confirms, Esc cancels.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from salondesk.clock import from_db
from salondesk.i18n import _
from salondesk.services.checkout import HeldView
from salondesk.services.counter import Technician
from salondesk.services.member_overview import LedgerSummary
from salondesk.ui.ledger_dialogs import MoneyEdit
from salondesk.ui.staff_dialogs import _FormDialog


def _list(parent: QWidget, name: str) -> QListWidget:
    widget = QListWidget(parent)
    widget.setObjectName(name)
    widget.setMinimumHeight(180)
    return widget


class TechnicianDialog(_FormDialog):
    """Who does the service, and whether the client asked for them (点钟) or took the next in
    the rotation (轮钟); at the checkout (``allow_share``) also who shares the line and by
    what percentage (e.g. an assistant's 40%)."""

    def __init__(self, people: list[Technician], *, current: str | None, designated: bool,
                 parent: QWidget | None = None, allow_share: bool = False,
                 shares: tuple[tuple[str, int], ...] = ()) -> None:
        super().__init__(_("Technician"), parent)
        self.setObjectName("technicianDialog")
        self.people = _list(self, "technicianList")
        for person in people:
            item = QListWidgetItem(person.name, self.people)
            item.setData(Qt.ItemDataRole.UserRole, person.staff_id)
            if person.staff_id == current:
                self.people.setCurrentItem(item)
        if self.people.currentRow() < 0 and self.people.count():
            self.people.setCurrentRow(0)
        self.designated = QCheckBox(_("Designated by the client (点钟)"), self)
        self.designated.setObjectName("designated")
        self.designated.setChecked(designated)
        self.form.addRow(self.people)
        self.form.addRow(self.designated)
        self.partner: QComboBox | None = None
        self.partner_share = QSpinBox(self)
        self.partner_share.setObjectName("sharePercent")
        self.partner_share.setRange(1, 99)
        self.partner_share.setSuffix("%")
        self.partner_share.setValue(40)
        if allow_share:
            self.partner = QComboBox(self)
            self.partner.setObjectName("sharePartner")
            self.partner.addItem(_("Nobody"), None)
            for person in people:
                self.partner.addItem(person.name, person.staff_id)
            other = [(who, pct) for who, pct in shares if who != current]
            if other:
                self.partner.setCurrentIndex(max(0, self.partner.findData(other[0][0])))
                self.partner_share.setValue(other[0][1])
            self.form.addRow(_("Shared with"), self.partner)
            self.form.addRow(_("Their share"), self.partner_share)
        else:
            self.partner_share.hide()
        self.people.itemActivated.connect(lambda _item: self._try_accept())
        self.people.setFocus()

    def problem(self) -> str | None:
        if not self.people.currentItem():
            return _("Choose a technician.")
        partner = self.partner.currentData() if self.partner is not None else None
        if partner is not None and partner == self.chosen()[0]:
            return _("Choose someone else to share the line with.")
        return None

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.accept()

    def chosen(self) -> tuple[str, str]:
        item = self.people.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)), item.text()

    def shares(self) -> tuple[tuple[str, int], ...]:
        """(staff id, percent) of a shared line, the technician first; empty if not shared."""
        partner = self.partner.currentData() if self.partner is not None else None
        if partner is None:
            return ()
        theirs = self.partner_share.value()
        return ((self.chosen()[0], 100 - theirs), (str(partner), theirs))

    def partner_name(self) -> str:
        return self.partner.currentText() if self.partner is not None and \
            self.partner.currentData() is not None else ""


class _ChoiceDialog(_FormDialog):
    """A list to choose one row from: Enter or a double-click takes it; an empty list says
    ``empty`` instead of closing."""

    def __init__(self, title: str, name: str, empty: str, parent: QWidget | None) -> None:
        super().__init__(title, parent)
        self.setObjectName(f"{name}Dialog")
        self._empty = empty
        self.choices = _list(self, f"{name}List")

    def _offer(self) -> None:
        """Show the rows added to ``choices``, the first one chosen."""
        if self.choices.count():
            self.choices.setCurrentRow(0)
        self.form.addRow(self.choices)
        self.choices.itemActivated.connect(lambda _item: self._try_accept())

    def _try_accept(self) -> None:
        if self.choices.currentItem() is None:
            self.error_label.setText(self._empty)
            self.error_label.show()
            return
        self.accept()


class SessionDialog(_ChoiceDialog):
    """A session from one of the member's packages: one row per package and service left."""

    def __init__(self, summary: LedgerSummary, parent: QWidget | None = None) -> None:
        super().__init__(_("Use a package session"), "session",
                         _("This member has no sessions left."), parent)
        for p in summary.packages:
            for code, left in p.sessions_left.items():
                if p.kind != "time" and left <= 0:
                    continue
                name = summary.service_names.get(code, code)
                left_text = _("unlimited") if p.kind == "time" else \
                    _("{n} left").format(n=left)
                expires = p.expires_on.isoformat() if p.expires_on else _("never")
                item = QListWidgetItem(_("{package}: {service}, {left}, expires {day}").format(
                    package=p.name, service=name, left=left_text, day=expires), self.choices)
                item.setData(Qt.ItemDataRole.UserRole, (p.instance_id, code, name))
        self._offer()

    def chosen(self) -> tuple[str, str, str]:
        """(package instance id, service code, service name)."""
        instance_id, code, name = self.choices.currentItem().data(Qt.ItemDataRole.UserRole)
        return str(instance_id), str(code), str(name)


class DiscountDialog(_FormDialog):
    """A manual discount: an amount off, or a rate kept (九折 = 90), and always a reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_("Manual discount"), parent)
        self.setObjectName("discountDialog")
        self.by_amount = QRadioButton(_("Amount off"), self)
        self.by_amount.setChecked(True)
        self.by_rate = QRadioButton(_("Rate kept, in % (90 = 九折)"), self)
        self.amount = MoneyEdit(self, name="discountAmount")
        self.rate = QLineEdit(self)
        self.rate.setObjectName("discountRate")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("discountReason")
        self.below_floor = QCheckBox(_("May go below the lowest prices"), self)
        self.form.addRow(self.by_amount, self.amount)
        self.form.addRow(self.by_rate, self.rate)
        self.form.addRow(_("Reason"), self.reason)
        self.form.addRow(self.below_floor)
        self.rate.textEdited.connect(lambda _t: self.by_rate.setChecked(True))
        self.amount.edit.textEdited.connect(lambda _t: self.by_amount.setChecked(True))
        self.amount.edit.setFocus()

    def problem(self) -> str | None:
        if self.by_rate.isChecked():
            text = self.rate.text().strip().rstrip("%")
            if not text.isdigit() or not 1 <= int(text) <= 100:
                return _("A rate is a whole number from 1 to 100.")
        elif self.amount.fen() is None:
            return _("Please enter an amount.")
        if not self.reason.text().strip():
            return _("A manual discount needs a reason.")
        return None

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.accept()

    def values(self) -> tuple[int, int | None, str, bool]:
        """(amount off in fen, rate in basis points or None, reason, below floor)."""
        if self.by_rate.isChecked():
            return 0, int(self.rate.text().strip().rstrip("%")) * 100, \
                self.reason.text().strip(), self.below_floor.isChecked()
        return self.amount.fen() or 0, None, self.reason.text().strip(), \
            self.below_floor.isChecked()


class HeldDialog(_ChoiceDialog):
    """The carts on hold, oldest first; Enter resumes the chosen one."""

    def __init__(self, held: list[HeldView], names: dict[str, str],
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Resume a held sale"), "held", _("No sale is on hold."), parent)
        self.setMinimumWidth(460)
        for view in held:
            who = names.get(view.member_id or "", "") or _("walk-in")
            text = _("{time}  {who}  {n} lines  {label}").format(
                time=_local_time(view.held_at), who=who, n=view.lines, label=view.label)
            item = QListWidgetItem(text.strip(), self.choices)
            item.setData(Qt.ItemDataRole.UserRole, view.held_id)
        self._offer()

    def chosen(self) -> str:
        return str(self.choices.currentItem().data(Qt.ItemDataRole.UserRole))


def _local_time(stored: str) -> str:
    try:
        return from_db(dt.datetime.fromisoformat(stored)).astimezone().strftime("%H:%M")
    except ValueError:
        return stored
