"""More dialogs of the member's balances panel: repay debt (挂账还款), adjust points and extend
a package's validity. Same frame as :mod:`salondesk.ui.ledger_dialogs`: one operation id per
dialog, mistakes said under the field, a manager's PIN when the role lacks the permission.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QSpinBox, QWidget

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import debt, packages, points
from salondesk.services.context import Ctx
from salondesk.services.member_overview import LedgerSummary
from salondesk.ui.ledger_dialogs import LedgerDialog, MoneyEdit, tender_kinds

MAX_POINTS_ADJUST = 1_000_000


class RepayDebtDialog(LedgerDialog):
    """Take a repayment of what the member owes, in full or in part, by any tender."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str, summary: LedgerSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Repay debt"), parent)
        self.setObjectName("repayDialog")
        self.owed_fen = summary.debt_fen
        owed = QLabel(str(Money(self.owed_fen)), self)
        owed.setObjectName("repayOwed")
        self.amount = MoneyEdit(self, name="repayAmount")
        self.amount.edit.setText(format_money(Money(self.owed_fen), symbol=False,
                                              grouping=False) if self.owed_fen else "")
        self.tender_combo = QComboBox(self)
        self.tender_combo.setObjectName("repayTender")
        for key, label in tender_kinds():
            self.tender_combo.addItem(label, key)
        self.form.addRow(_("Owes"), owed)
        self.form.addRow(_("Amount repaid"), self.amount)
        self.form.addRow(_("Paid by"), self.tender_combo)
        self.ok_button.setText(_("Take repayment"))

    def submit(self) -> None:
        fen = self.amount.fen()
        if fen is None:
            return
        if fen == 0:
            self.amount.fail(_("Please enter an amount."))
            return
        if fen > self.owed_fen:
            self.amount.fail(_("The member owes {owed}; {amount} is more than that.").format(
                owed=Money(self.owed_fen), amount=Money(fen)))
            return
        ctx, member_id, op_id = self._ctx, self.member_id, self.op_id
        tender = str(self.tender_combo.currentData())
        self.run(lambda: debt.repay(ctx, member_id, fen, tender=tender, op_id=op_id),
                 note=lambda _r: _("Repayment of {amount} taken.").format(amount=Money(fen)))


class PointsAdjustDialog(LedgerDialog):
    """A manager's correction or goodwill gift of points (+ adds, - removes), with a reason."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str, summary: LedgerSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Adjust points"), parent)
        self.setObjectName("pointsAdjustDialog")
        self.held = summary.points
        self.delta = QSpinBox(self)
        self.delta.setObjectName("pointsDelta")
        self.delta.setRange(-min(self.held, MAX_POINTS_ADJUST), MAX_POINTS_ADJUST)
        self.delta.setValue(0)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("pointsReason")
        self.form.addRow(_("Points now"), QLabel(str(self.held), self))
        self.form.addRow(QLabel(_("Type -50 to remove 50 points, 50 to add them."), self))
        self.form.addRow(_("Change"), self.delta)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.ok_button.setText(_("Adjust"))

    def submit(self) -> None:
        delta = self.delta.value()
        if delta == 0:
            self.say(_("Enter points to add or remove."))
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.say(_("Please give a reason."))
            return
        ctx, member_id, op_id = self._ctx, self.member_id, self.op_id
        self.run_approved(Permission.LEDGER_ADJUST, lambda approval: points.adjust(
            ctx, member_id, delta, reason=reason, op_id=op_id, approval=approval),
            note=lambda _r: _("Points adjusted by {n}.").format(n=f"{delta:+d}"))


class ExtendPackageDialog(LedgerDialog):
    """Move a package's expiry later (manager approval, with a reason)."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str, summary: LedgerSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Extend a package"), parent)
        self.setObjectName("extendDialog")
        self.package_combo = QComboBox(self)
        self.package_combo.setObjectName("extendPackage")
        self.expiries: dict[str, dt.date] = {}
        for p in summary.packages:
            if p.expires_on is not None and (any(p.sessions_left.values()) or p.kind == "time"):
                self.package_combo.addItem(_("{name} (expires {day})").format(
                    name=p.name, day=p.expires_on.isoformat()), p.instance_id)
                self.expiries[p.instance_id] = p.expires_on
        self.date_edit = QDateEdit(self)
        self.date_edit.setObjectName("extendDate")
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setCalendarPopup(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("extendReason")
        self.form.addRow(_("Package"), self.package_combo)
        self.form.addRow(_("New expiry"), self.date_edit)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.ok_button.setText(_("Extend"))
        self.package_combo.currentIndexChanged.connect(self._package_changed)
        self._package_changed()

    def _package_changed(self) -> None:
        current = self.expiries.get(str(self.package_combo.currentData()))
        if current is not None:
            later = current + dt.timedelta(days=30)
            self.date_edit.setMinimumDate(QDate(current + dt.timedelta(days=1)))
            self.date_edit.setDate(QDate(later))

    def submit(self) -> None:
        instance_id = self.package_combo.currentData()
        if instance_id is None:
            self.say(_("This member has no package with an expiry to extend."))
            return
        new_day = self.date_edit.date().toPython()
        assert isinstance(new_day, dt.date)
        reason = self.reason_edit.text().strip()
        if not reason:
            self.say(_("Please give a reason."))
            return
        ctx, op_id = self._ctx, self.op_id
        self.run_approved(Permission.PACKAGE_EXTEND, lambda approval: packages.extend_expiry(
            ctx, str(instance_id), new_day, reason=reason, op_id=op_id, approval=approval),
            note=lambda _r: _("The package now expires on {day}.").format(
                day=new_day.isoformat()))
