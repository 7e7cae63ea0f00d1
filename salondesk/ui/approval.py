"""Manager approval (授权) by PIN for one privileged action, and the helper that asks for it
only when the signed-in staff member lacks the permission.

    with_approval(self, ctx, Permission.LEDGER_REFUND, lambda approval: do_refund(approval))

``run`` is called with ``None`` when the actor holds the permission, else with the
:class:`~salondesk.services.context.Approval` that :func:`salondesk.services.auth.approve`
returned for the manager's name and PIN. The PIN check runs off the GUI thread; a wrong PIN
is said under the field and the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from salondesk.domain.permissions import APPROVABLE, Permission
from salondesk.i18n import _
from salondesk.services import auth
from salondesk.services.context import Approval, Ctx
from salondesk.ui import messages
from salondesk.ui.ops import Op
from salondesk.ui.staff_dialogs import _FormDialog


def _what(permission: Permission) -> str:
    labels = {
        Permission.LEDGER_REFUND: _("a refund"),
        Permission.LEDGER_TRANSFER: _("a transfer of stored value"),
        Permission.LEDGER_ADJUST: _("a balance adjustment"),
        Permission.PACKAGE_EXTEND: _("extending a package"),
        Permission.COUPON_ISSUE: _("issuing a coupon"),
        Permission.MEMBER_DEACTIVATE: _("deactivating a member"),
        Permission.MEMBER_MANAGE: _("merging member files"),
        Permission.CATALOGUE_EDIT: _("changing the catalogue"),
        Permission.DAY_CLOSE: _("closing the business day"),
        Permission.APPOINTMENT_OVERRIDE: _("a booking past a rule"),
    }
    return labels.get(permission, _("this action"))


class ApprovalDialog(_FormDialog):
    """A manager enters their name and PIN to approve one action; emits ``approved``."""

    approved = Signal(object)  # Approval

    def __init__(self, ctx: Ctx, permission: Permission, parent: QWidget | None = None) -> None:
        super().__init__(_("Manager approval"), parent)
        self.setObjectName("approvalDialog")
        self._ctx = ctx
        self.permission = permission
        self.approval: Approval | None = None
        explain = QLabel(_("This needs a manager's approval ({what}). The manager enters "
                           "their name and PIN.").format(what=_what(permission)), self)
        explain.setWordWrap(True)
        self.name_combo = QComboBox(self)
        self.name_combo.setObjectName("approverName")
        self.name_combo.setEditable(True)
        self.pin_edit = QLineEdit(self)
        self.pin_edit.setObjectName("approverPin")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(explain)
        self.form.addRow(_("Manager"), self.name_combo)
        self.form.addRow(_("PIN"), self.pin_edit)
        self.buttons.button(self.buttons.StandardButton.Ok).setText(_("Approve"))
        Op(self, lambda: auth.staff_names(ctx)).success(self._names).run_in_background()

    def _names(self, names: list[str]) -> None:
        typed = self.name_combo.currentText()
        self.name_combo.clear()
        self.name_combo.addItems(names)
        self.name_combo.setEditText(typed)

    def problem(self) -> str | None:
        if not self.name_combo.currentText().strip():
            return _("Please enter the manager's name.")
        if not self.pin_edit.text():
            return _("Please enter the PIN.")
        return None

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self._say(problem)
            return
        ctx, permission = self._ctx, self.permission
        name, pin = self.name_combo.currentText().strip(), self.pin_edit.text()
        self.buttons.setEnabled(False)
        Op(self, lambda: auth.approve(ctx, name, pin, permission)).success(self._approved) \
            .failure(self._refused).finished(lambda: self.buttons.setEnabled(True)) \
            .run_in_background()

    def _say(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _approved(self, approval: Approval) -> None:
        self.approval = approval
        self.accept()
        self.approved.emit(approval)

    def _refused(self, exc: BaseException) -> None:
        self.pin_edit.clear()
        self._say(messages.describe(exc))


def with_approval(parent: QWidget, ctx: Ctx, permission: Permission,
                  run: Callable[[Approval | None], object]) -> ApprovalDialog | None:
    """Call ``run`` now if the actor may, else after a manager approves (returns the dialog)."""
    assert ctx.actor is not None
    if ctx.actor.can(permission):
        run(None)
        return None
    if permission not in APPROVABLE:
        messages.warn(parent, _("Your role may not do this."))
        return None
    dialog = ApprovalDialog(ctx, permission, parent)
    dialog.approved.connect(run)
    dialog.open()
    return dialog


def may_ask(ctx: Ctx, permission: Permission) -> bool:
    """Whether the actor may do it, or may ask a manager (so the button is worth showing)."""
    actor = ctx.actor
    return actor is not None and (actor.can(permission) or (
        permission in APPROVABLE and actor.can(Permission.COUNTER_SELL)))
