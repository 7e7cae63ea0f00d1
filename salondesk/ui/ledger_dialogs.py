"""Dialogs on a member's ledgers: top-up, package sale, refund (with the calculator), transfer
and adjustment.

Each dialog validates what was typed (amounts through :func:`salondesk.money.parse`, so
``￥１，２８０`` works and a mistake is said under the field), then runs the service through
:class:`~salondesk.ui.ops.Op` with one operation id per dialog (a retry never applies twice).
Refunds, transfers and adjustments ask for a manager's PIN first when the signed-in staff
member lacks the permission (:func:`salondesk.ui.approval.with_approval`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.errors import ApprovalRequired
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.money import Money, MoneyError, parse
from salondesk.services import member_overview, packages, stored_value
from salondesk.services.context import Approval, Ctx
from salondesk.services.member_overview import LedgerSummary, TemplateChoice
from salondesk.ui import messages
from salondesk.ui.approval import ApprovalDialog, with_approval
from salondesk.ui.member_picker import MemberPicker
from salondesk.ui.ops import Op


def tender_kinds() -> list[tuple[str, str]]:
    return [("cash", _("Cash")), ("wechat", _("WeChat Pay")), ("alipay", _("Alipay")),
            ("card", _("Bank card"))]


class MoneyEdit(QWidget):
    """An amount field with its error shown under it; :meth:`fen` is None when it is wrong."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, allow_negative: bool = False,
                 optional: bool = False, name: str = "") -> None:
        super().__init__(parent)
        self._allow_negative = allow_negative
        self._optional = optional
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(name)
        self.edit.setPlaceholderText("¥0.00")
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.edit)
        layout.addWidget(self.error)
        self.edit.textEdited.connect(lambda _text: self._changed())

    def _changed(self) -> None:
        self.error.hide()
        self.edited.emit()

    def fen(self) -> int | None:
        """The amount in fen, or None (and the error shown) if it cannot be used."""
        text = self.edit.text()
        if not text.strip():
            if self._optional:
                self.error.hide()
                return None
            self.fail(_("Please enter an amount."))
            return None
        try:
            money = parse(text)
        except MoneyError as exc:
            self.fail(exc.message)
            return None
        if money.fen < 0 and not self._allow_negative:
            self.fail(_("The amount cannot be negative."))
            return None
        self.error.hide()
        return money.fen

    def valid(self) -> bool:
        return (self.fen() is not None) or (self._optional and not self.edit.text().strip())

    def fail(self, text: str) -> None:
        """Say ``text`` under the field (also for checks made by the dialog)."""
        self.error.setText(text)
        self.error.show()


class OpDialog(QDialog):
    """Shared frame: a form, an error line, OK/Cancel; runs one operation with one op id
    (the ledger dialogs, the member manager actions, the catalogue's forms)."""

    done_ok = Signal()

    def __init__(self, ctx: Ctx, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self._ctx = ctx
        self.op_id = new_op_id()
        self.approval_dialog: ApprovalDialog | None = None
        self.result_value: Any = None
        self.form = QFormLayout()
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dialogError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(_("OK"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.error_label)
        self.layout_.addWidget(self.buttons)

    def say(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def submit(self) -> None:
        """Check the form, then run (subclasses)."""

    def run(self, fn: Callable[[], Any], *, note: Callable[[Any], str] | None = None) -> None:
        self.ok_button.setEnabled(False)
        self.say("")
        Op(self, fn).success(lambda result: self._succeeded(result, note)).failure(
            self._failed).finished(lambda: self.ok_button.setEnabled(True)).run_in_background()

    def run_approved(self, permission: Permission,
                     fn: Callable[[Approval | None], Any], *,
                     note: Callable[[Any], str] | None = None) -> None:
        """Run ``fn`` with a manager's approval when the actor lacks ``permission``."""
        self.approval_dialog = with_approval(
            self, self._ctx, permission, lambda approval: self.run(
                lambda: fn(approval), note=note))

    def _succeeded(self, result: Any, note: Callable[[Any], str] | None) -> None:
        self.result_value = result
        self.accept()
        self.done_ok.emit()
        if note is not None:
            messages.inform(self.parentWidget(), note(result))

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ApprovalRequired):
            self.op_id = new_op_id()  # the refused attempt is on record; ask again
        self.say(messages.describe(exc))


class LedgerDialog(OpDialog):
    """An :class:`OpDialog` about one member (named at the top of the form)."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, title, parent)
        self.member_id = member_id
        self.member_name = member_name
        self.form.addRow(_("Member"), QLabel(member_name, self))


# -- top-up -------------------------------------------------------------------------------------

class TopUpDialog(LedgerDialog):
    """A top-up by plan (pay X get Y) or by amount and bonus, with the tender."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Top up stored value"), parent)
        self.setObjectName("topUpDialog")
        self.plan_combo = QComboBox(self)
        self.plan_combo.setObjectName("topUpPlan")
        self.plan_combo.addItem(_("Amount below"), None)
        self.plan_combo.currentIndexChanged.connect(self._plan_changed)
        self.amount = MoneyEdit(self, name="topUpAmount")
        self.bonus = MoneyEdit(self, optional=True, name="topUpBonus")
        self.tender_combo = QComboBox(self)
        self.tender_combo.setObjectName("topUpTender")
        for key, label in tender_kinds():
            self.tender_combo.addItem(label, key)
        self.real_name = QCheckBox(_("ID checked (needed from ¥10,000)"), self)
        self.form.addRow(_("Plan"), self.plan_combo)
        self.form.addRow(_("Amount paid"), self.amount)
        self.form.addRow(_("Bonus"), self.bonus)
        self.form.addRow(_("Paid by"), self.tender_combo)
        self.form.addRow("", self.real_name)
        self.ok_button.setText(_("Top up"))
        Op(self, lambda: stored_value.list_plans(ctx)).success(self._plans).run_in_background()

    def _plans(self, plans: list[dict[str, Any]]) -> None:
        for plan in plans:
            self.plan_combo.addItem(_("{name}: pay {pay}, get {bonus} bonus").format(
                name=plan["name"], pay=Money(plan["pay_fen"]), bonus=Money(plan["bonus_fen"])),
                plan["id"])

    def _plan_changed(self) -> None:
        by_plan = self.plan_combo.currentData() is not None
        self.amount.setEnabled(not by_plan)
        self.bonus.setEnabled(not by_plan)

    def submit(self) -> None:
        plan_id = self.plan_combo.currentData()
        principal = bonus = None
        if plan_id is None:
            principal = self.amount.fen()
            bonus = self.bonus.fen() or 0 if self.bonus.valid() else None
            if principal is None or bonus is None:
                return
        ctx, member_id, op_id = self._ctx, self.member_id, self.op_id
        tender, real = str(self.tender_combo.currentData()), self.real_name.isChecked()

        def note(result: dict[str, Any]) -> str:
            text = _("Topped up {p} + {b} bonus. Balance now {total}.").format(
                p=Money(result["principal_fen"]), b=Money(result["bonus_fen"]),
                total=Money(result["balance_fen"]))
            if result.get("warnings"):
                text += "\n" + _("Prepaid-card rules: this card is over the limit the rules "
                                 "set; keep the member's details on file.")
            return text

        self.run(lambda: stored_value.top_up(
            ctx, member_id=member_id, principal_fen=principal, bonus_fen=bonus or 0,
            plan_id=plan_id, tender=tender, real_name_confirmed=real, op_id=op_id), note=note)


# -- package sale -------------------------------------------------------------------------------

class PackageSaleDialog(LedgerDialog):
    """Sell a package template to the member (price as listed, or a price typed in)."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Sell a package"), parent)
        self.setObjectName("packageSaleDialog")
        self.templates: list[TemplateChoice] = []
        self.template_combo = QComboBox(self)
        self.template_combo.setObjectName("packageTemplate")
        self.price = MoneyEdit(self, optional=True, name="packagePrice")
        self.form.addRow(_("Package"), self.template_combo)
        self.form.addRow(_("Price (empty: as listed)"), self.price)
        self.ok_button.setText(_("Sell"))
        Op(self, lambda: member_overview.package_templates(ctx)).success(self._templates) \
            .run_in_background()

    def _templates(self, templates: list[TemplateChoice]) -> None:
        self.templates = templates
        for t in templates:
            sessions = _("{n} sessions").format(n=t.sessions) if t.kind == "count" else \
                _("unlimited")
            self.template_combo.addItem(f"{t.name}  {Money(t.price_fen)}  ({sessions})", t.code)

    def submit(self) -> None:
        code = self.template_combo.currentData()
        if code is None:
            self.say(_("There is no package to sell; add package templates first."))
            return
        price = self.price.fen()
        if price is None and not self.price.valid():
            return
        ctx, member_id, op_id = self._ctx, self.member_id, self.op_id
        name = self.template_combo.currentText().split("  ")[0]
        self.run(lambda: packages.sell_package(ctx, member_id, str(code), price_fen=price,
                                               op_id=op_id),
                 note=lambda _id: _("{package} sold.").format(package=name))


# -- refund -------------------------------------------------------------------------------------

class RefundDialog(LedgerDialog):
    """退卡: choose what to refund and whose cause, see the quote, then confirm."""

    quoted = Signal()

    def __init__(self, ctx: Ctx, member_id: str, member_name: str, summary: LedgerSummary,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Refund"), parent)
        self.setObjectName("refundDialog")
        self.setMinimumWidth(500)
        self.quote: Any = None
        self._quote_generation = 0
        self.target_combo = QComboBox(self)
        self.target_combo.setObjectName("refundTarget")
        if summary.stored_value.total_fen:
            self.target_combo.addItem(_("Stored value card ({amount})").format(
                amount=Money(summary.stored_value.total_fen)), ("sv", member_id))
        for p in summary.packages:
            if p.value_left_fen or any(p.sessions_left.values()):
                self.target_combo.addItem(_("Package: {name}").format(name=p.name),
                                          ("pkg", p.instance_id))
        self.consumer_radio = QRadioButton(_("The member asks (consumer-caused)"), self)
        self.consumer_radio.setObjectName("basisConsumer")
        self.merchant_radio = QRadioButton(_("The store's cause (merchant-caused)"), self)
        self.merchant_radio.setObjectName("basisMerchant")
        self.consumer_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.consumer_radio)
        group.addButton(self.merchant_radio)
        basis = QVBoxLayout()
        basis.addWidget(self.consumer_radio)
        basis.addWidget(self.merchant_radio)
        self._build_calc()
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("refundReason")
        self.tender_combo = QComboBox(self)
        for key, label in tender_kinds():
            self.tender_combo.addItem(label, key)
        self.form.addRow(_("Refund what"), self.target_combo)
        self.form.addRow(_("Cause"), basis)
        self.form.addRow(self.calc)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.form.addRow(_("Paid out as"), self.tender_combo)
        self.ok_button.setText(_("Refund"))
        self.ok_button.setEnabled(False)
        self.target_combo.currentIndexChanged.connect(self.requote)
        self.consumer_radio.toggled.connect(self.requote)
        QTimer.singleShot(0, self.requote)

    def _build_calc(self) -> None:
        self.calc = QGroupBox(_("Calculation"), self)
        self.calc.setObjectName("refundCalculation")
        calc_form = QFormLayout(self.calc)
        self.fig_labels: dict[str, QLabel] = {}
        self.fig_names: dict[str, QLabel] = {}
        for key in ("a", "b", "consumed", "forfeit", "refund"):
            name = QLabel(self.calc)
            value = QLabel(self.calc)
            value.setObjectName(f"quote_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.fig_names[key], self.fig_labels[key] = name, value
            calc_form.addRow(name, value)
        self.fig_names["consumed"].setText(_("Consumed, at list price"))
        self.fig_names["forfeit"].setText(_("Not refunded"))
        self.fig_names["refund"].setText(_("Refund"))
        big = self.fig_labels["refund"].font()
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        self.fig_labels["refund"].setFont(big)
        self.fig_names["refund"].setFont(big)
        self.explain = QLabel(self.calc)
        self.explain.setWordWrap(True)
        # a word-wrapped label does not grow its dialog later: room for three lines now
        self.explain.setMinimumHeight(self.explain.fontMetrics().lineSpacing() * 3 + 4)
        calc_form.addRow(self.explain)

    def basis(self) -> str:
        return "merchant" if self.merchant_radio.isChecked() else "consumer"

    def requote(self) -> None:
        self.quote = None
        self.ok_button.setEnabled(False)
        target = self.target_combo.currentData()
        if target is None:
            self.explain.setText(_("Nothing to refund."))
            return
        kind, target_id = target
        basis, ctx = self.basis(), self._ctx
        self._quote_generation += 1
        generation = self._quote_generation

        def fn() -> Any:
            if kind == "sv":
                return stored_value.quote_refund(ctx, target_id, basis)
            return packages.quote_refund(ctx, target_id, basis)

        Op(self, fn).success(lambda q: self._show_quote(generation, kind, q)).failure(
            lambda exc: self.say(messages.describe(exc))).run_in_background()

    def _show_quote(self, generation: int, kind: str, quote: Any) -> None:
        if generation != self._quote_generation:
            return
        self.quote = quote
        f, names = self.fig_labels, self.fig_names
        if kind == "sv":
            names["a"].setText(_("Principal left"))
            f["a"].setText(str(Money(quote.remaining_principal_fen)))
            names["b"].setText(_("Bonus left"))
            f["b"].setText(str(Money(quote.remaining_bonus_fen)))
            f["consumed"].setText(str(Money(quote.consumed_list_fen)))
            f["forfeit"].setText(str(Money(quote.forfeited_fen)))
        else:
            names["a"].setText(_("Price paid"))
            f["a"].setText(str(Money(quote.principal_paid_fen)))
            names["b"].setText("")
            f["b"].setText("")
            f["consumed"].setText(str(Money(quote.consumed_fen)))
            f["forfeit"].setText(str(Money(max(0, quote.principal_paid_fen - quote.consumed_fen
                                               - quote.refund_fen))))
        f["refund"].setText(str(Money(quote.refund_fen)))
        if quote.basis == "consumer":
            self.explain.setText(_("Consumer-caused: what was paid in, less what was used at "
                                   "list price before discount; the bonus is forfeited."))
        else:
            self.explain.setText(_("Merchant-caused: what is left, at the ratio the member "
                                   "paid for it."))
        self.ok_button.setEnabled(True)
        self.quoted.emit()

    def submit(self) -> None:
        if self.quote is None:
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.say(_("Please give a reason."))
            return
        kind, target_id = self.target_combo.currentData()
        ctx, op_id, basis = self._ctx, self.op_id, self.basis()
        quoted, tender = self.quote.refund_fen, str(self.tender_combo.currentData())

        def do(approval: Approval | None) -> Any:
            if kind == "sv":
                return stored_value.refund(ctx, target_id, basis=basis, quoted_refund_fen=quoted,
                                           reason=reason, tender=tender, op_id=op_id,
                                           approval=approval)
            return packages.refund(ctx, target_id, basis=basis, quoted_refund_fen=quoted,
                                   reason=reason, op_id=op_id, approval=approval)

        self.run_approved(Permission.LEDGER_REFUND, do, note=lambda r: _(
            "Refunded {amount}.").format(amount=Money(r["refund_fen"])))


# -- transfer -----------------------------------------------------------------------------------

class TransferDialog(LedgerDialog):
    """Move stored value to another member (found by phone, card, name or pinyin)."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Transfer stored value"), parent)
        self.setObjectName("transferDialog")
        self.picker = MemberPicker(ctx, self, exclude=member_id, name="transfer")
        self.to_search = self.picker.search
        self.to_combo = self.picker.combo
        self.amount = MoneyEdit(self, optional=True, name="transferAmount")
        self.amount.edit.setPlaceholderText(_("Empty: everything"))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("transferReason")
        self.form.addRow(_("To member"), self.picker)
        self.form.addRow(_("Amount"), self.amount)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.ok_button.setText(_("Transfer"))

    def submit(self) -> None:
        to_id = self.to_combo.currentData()
        if to_id is None:
            self.say(_("Find the member who receives the money first."))
            return
        amount = self.amount.fen()
        if amount is None and not self.amount.valid():
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.say(_("Please give a reason."))
            return
        ctx, op_id, member_id = self._ctx, self.op_id, self.member_id
        self.run_approved(Permission.LEDGER_TRANSFER, lambda approval: stored_value.transfer(
            ctx, member_id, str(to_id), amount, reason=reason, op_id=op_id, approval=approval),
            note=lambda r: _("Transferred {amount}.").format(
                amount=Money(r["principal_fen"] + r["bonus_fen"])))


# -- adjustment ---------------------------------------------------------------------------------

class AdjustDialog(LedgerDialog):
    """A manager's correction of principal and/or bonus (+ adds, - removes), with a reason."""

    def __init__(self, ctx: Ctx, member_id: str, member_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, member_id, member_name, _("Adjust stored value"), parent)
        self.setObjectName("adjustDialog")
        self.principal = MoneyEdit(self, allow_negative=True, optional=True,
                                   name="adjustPrincipal")
        self.bonus = MoneyEdit(self, allow_negative=True, optional=True, name="adjustBonus")
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("adjustReason")
        self.form.addRow(QLabel(_("Type -50 to remove ¥50, 50 to add it."), self))
        self.form.addRow(_("Principal"), self.principal)
        self.form.addRow(_("Bonus"), self.bonus)
        self.form.addRow(_("Reason"), self.reason_edit)
        self.ok_button.setText(_("Adjust"))

    def submit(self) -> None:
        if not (self.principal.valid() and self.bonus.valid()):
            return
        p, b = self.principal.fen() or 0, self.bonus.fen() or 0
        if p == 0 and b == 0:
            self.say(_("Enter an amount to add or remove."))
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self.say(_("Please give a reason."))
            return
        ctx, op_id, member_id = self._ctx, self.op_id, self.member_id
        self.run_approved(Permission.LEDGER_ADJUST, lambda approval: stored_value.adjust(
            ctx, member_id, principal_delta_fen=p, bonus_delta_fen=b, reason=reason,
            op_id=op_id, approval=approval), note=lambda _r: _("The balance was adjusted."))
