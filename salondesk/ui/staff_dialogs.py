"""Small dialogs for staff management: add a staff member, set a new PIN."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import ROLE_LABELS, Role
from salondesk.i18n import _
from salondesk.services.auth import MIN_SECRET_CHARS


def _secret_edit(parent: QWidget, name: str) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setObjectName(name)
    return edit


def check_new_pin(pin: str, again: str) -> str | None:
    """What is wrong with a new PIN typed twice, or None. (The core checks the length too.)"""
    if len(pin) < MIN_SECRET_CHARS:
        return _("A PIN or password needs at least {n} characters.").format(n=MIN_SECRET_CHARS)
    if pin != again:
        return _("The two PINs are not the same.")
    return None


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.form = QFormLayout()
        self.error_label = QLabel(self)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

    def problem(self) -> str | None:
        return None

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error_label.setText(problem)
            self.error_label.show()
            return
        self.accept()


class AddStaffDialog(_FormDialog):
    """Name, role and first PIN of a new staff member. Only the owner may create an owner."""

    def __init__(self, *, may_create_owner: bool, parent: QWidget | None = None) -> None:
        super().__init__(_("Add staff member"), parent)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("staffName")
        self.name_edit.setMaxLength(32)
        self.role_combo = QComboBox(self)
        self.role_combo.setObjectName("staffRole")
        roles = [Role.CASHIER, Role.TECHNICIAN, Role.MANAGER]
        if may_create_owner:
            roles.append(Role.OWNER)
        for role in roles:
            self.role_combo.addItem(_(ROLE_LABELS[role]), role)
        self.pin_edit = _secret_edit(self, "staffPin")
        self.pin_again_edit = _secret_edit(self, "staffPinAgain")
        self.form.addRow(_("Name"), self.name_edit)
        self.form.addRow(_("Role"), self.role_combo)
        self.form.addRow(_("PIN"), self.pin_edit)
        self.form.addRow(_("PIN again"), self.pin_again_edit)

    def problem(self) -> str | None:
        if not self.name_edit.text().strip():
            return _("Please enter a name.")
        return check_new_pin(self.pin_edit.text(), self.pin_again_edit.text())

    def values(self) -> tuple[str, Role, str]:
        return self.name_edit.text().strip(), Role(self.role_combo.currentData()), \
            self.pin_edit.text()


class NewPinDialog(_FormDialog):
    """A new PIN for one staff member, typed twice."""

    def __init__(self, staff_name: str, parent: QWidget | None = None) -> None:
        super().__init__(_("New PIN for {name}").format(name=staff_name), parent)
        self.pin_edit = _secret_edit(self, "newPin")
        self.pin_again_edit = _secret_edit(self, "newPinAgain")
        self.form.addRow(_("New PIN"), self.pin_edit)
        self.form.addRow(_("PIN again"), self.pin_again_edit)

    def problem(self) -> str | None:
        return check_new_pin(self.pin_edit.text(), self.pin_again_edit.text())

    def pin(self) -> str:
        return self.pin_edit.text()
