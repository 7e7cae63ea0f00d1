"""Shift dialogs (交班): open with a float, petty cash in or out, close with the count.

Each is an :class:`~salondesk.ui.ledger_dialogs.OpDialog`: one operation id per dialog, the
service runs off the GUI thread, a refusal is said under the form and the dialog stays open.
The close dialog counts the drawer by denomination (a spin box per note and coin, the total
as you type), takes the card terminals' totals, and shows expected vs counted per tender with
the variance live; above the store's threshold the reason becomes required (the core checks
it again).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidgetItem,
    QWidget,
)

from salondesk.documents.day_reports import category_label
from salondesk.domain import cash_count
from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import shifts
from salondesk.services.context import Ctx
from salondesk.services.receipts import tender_label
from salondesk.services.shifts import Handover
from salondesk.ui import tables
from salondesk.ui.ledger_dialogs import MoneyEdit, OpDialog

#: Tenders the cashier reads off a terminal at the close (cash is counted by denomination;
#: stored value and package sessions are the ledgers' own figures).
TERMINAL_TENDERS = ("wechat", "alipay", "card")


def money(fen: int) -> str:
    return format_money(Money(int(fen)))


def denomination_label(fen: int) -> str:
    """``¥100`` for notes, ``¥0.5`` for coins: how a cashier names them."""
    yuan, rest = divmod(fen, 100)
    return f"¥{yuan}" if not rest else f"¥{fen / 100:g}"


class OpenShiftDialog(OpDialog):
    """Open a shift with the float (备用金) put in the drawer."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Open a shift"), parent)
        self.setObjectName("openShiftDialog")
        self.float_edit = MoneyEdit(self, name="shiftFloat")
        self.form.addRow(_("Float in the drawer"), self.float_edit)
        self.ok_button.setText(_("Open shift"))

    def submit(self) -> None:
        fen = self.float_edit.fen()
        if fen is None:
            return
        ctx, op_id = self._ctx, self.op_id
        self.run(lambda: shifts.open_shift(ctx, float_fen=fen, op_id=op_id))


class CashMoveDialog(OpDialog):
    """Petty cash into or out of the drawer, by category (其他 needs a note)."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Petty cash"), parent)
        self.setObjectName("cashMoveDialog")
        self.direction = QComboBox(self)
        self.direction.setObjectName("cashDirection")
        self.direction.addItem(_("Out of the drawer"), -1)
        self.direction.addItem(_("Into the drawer"), 1)
        self.amount = MoneyEdit(self, name="cashAmount")
        self.category = QComboBox(self)
        self.category.setObjectName("cashCategory")
        for code in shifts.CATEGORIES:
            self.category.addItem(category_label(code), code)
        self.note = QLineEdit(self)
        self.note.setObjectName("cashNote")
        self.note.setMaxLength(500)
        self.form.addRow(_("Direction"), self.direction)
        self.form.addRow(_("Amount"), self.amount)
        self.form.addRow(_("Category"), self.category)
        self.form.addRow(_("Note"), self.note)

    def submit(self) -> None:
        fen = self.amount.fen()
        if fen is None:
            return
        if fen == 0:
            self.amount.fail(_("Please enter an amount."))
            return
        category = str(self.category.currentData())
        note = self.note.text().strip()
        if category == "other" and not note:
            self.say(_("Say what the petty cash was for."))
            return
        ctx, op_id = self._ctx, self.op_id
        signed = fen * int(self.direction.currentData())
        self.run(lambda: shifts.record_cash_move(ctx, amount_fen=signed, category=category,
                                                 note=note, op_id=op_id))


class CloseShiftDialog(OpDialog):
    """Close the open shift: count the drawer, compare with the books, explain a variance."""

    def __init__(self, ctx: Ctx, figures: Handover, *, threshold_fen: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(ctx, _("Close shift {n}").format(n=figures.shift_no), parent)
        self.setObjectName("closeShiftDialog")
        self.setMinimumWidth(820)
        self.figures = figures
        self.threshold_fen = threshold_fen
        body = QHBoxLayout()
        body.addWidget(self._count_box(), 0)
        right = QWidget(self)
        right_col = QFormLayout(right)
        right_col.setContentsMargins(0, 0, 0, 0)
        self.terminal: dict[str, MoneyEdit] = {}
        for tender in TERMINAL_TENDERS:
            edit = MoneyEdit(self, name=f"counted_{tender}")
            edit.edit.setText(format_money(Money(figures.expected.get(tender, 0)),
                                           symbol=False, grouping=False))
            edit.edited.connect(self._recount)
            self.terminal[tender] = edit
            right_col.addRow(_("{tender} on the terminal").format(tender=tender_label(tender)),
                             edit)
        self.compare = tables.table(right, [_("Tender"), _("Expected"), _("Counted"),
                                            _("Variance")], "shiftCompare")
        self.compare.setMinimumHeight(220)
        right_col.addRow(self.compare)
        body.addWidget(right, 1)
        self.layout_.insertLayout(0, body)
        self.variance_label = QLabel(self)
        self.variance_label.setObjectName("varianceTotal")
        self.reason = QLineEdit(self)
        self.reason.setObjectName("varianceReason")
        self.reason.setMaxLength(500)
        self.reason_label = QLabel(_("Reason for the variance"), self)
        self.form.addRow(_("Variance"), self.variance_label)
        self.form.addRow(self.reason_label, self.reason)
        self.ok_button.setText(_("Close shift"))
        self._recount()
        self.counts[cash_count.DENOMINATIONS[0]].setFocus()

    def _count_box(self) -> QGroupBox:
        box = QGroupBox(_("Cash counted by denomination"), self)
        grid = QGridLayout(box)
        self.counts: dict[int, QSpinBox] = {}
        self.subtotals: dict[int, QLabel] = {}
        for i, fen in enumerate(cash_count.DENOMINATIONS):
            spin = QSpinBox(box)
            spin.setObjectName(f"count_{fen}")
            spin.setRange(0, cash_count.MAX_PIECES)
            spin.setAlignment(Qt.AlignmentFlag.AlignRight)
            spin.setMinimumWidth(90)
            spin.valueChanged.connect(lambda _v: self._recount())
            sub = QLabel(money(0), box)
            sub.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            sub.setMinimumWidth(110)
            grid.addWidget(QLabel(denomination_label(fen), box), i, 0)
            grid.addWidget(QLabel("×", box), i, 1)
            grid.addWidget(spin, i, 2)
            grid.addWidget(sub, i, 3)
            self.counts[fen], self.subtotals[fen] = spin, sub
        self.cash_total = QLabel(money(0), box)
        self.cash_total.setObjectName("cashCounted")
        self.cash_total.setAlignment(Qt.AlignmentFlag.AlignRight)
        font = self.cash_total.font()
        font.setBold(True)
        self.cash_total.setFont(font)
        row = len(cash_count.DENOMINATIONS)
        grid.addWidget(QLabel(_("Cash in the drawer"), box), row, 0, 1, 3)
        grid.addWidget(self.cash_total, row, 3)
        return box

    def pieces(self) -> dict[int, int]:
        return {fen: spin.value() for fen, spin in self.counts.items()}

    def counted(self) -> dict[str, int] | None:
        """What was counted per tender, or None when a terminal total cannot be read."""
        out = {"cash": cash_count.counted_cash(self.pieces())}
        for tender, edit in self.terminal.items():
            fen = edit.fen()
            if fen is None:
                return None
            out[tender] = fen
        return out

    def rows(self) -> list[cash_count.TenderCount]:
        counted = {"cash": cash_count.counted_cash(self.pieces())}
        for tender, edit in self.terminal.items():
            text = edit.edit.text().strip()
            fen = edit.fen() if text else 0
            counted[tender] = self.figures.expected.get(tender, 0) if fen is None else fen
        return cash_count.compare(self.figures.expected, counted)

    def needs_reason(self) -> bool:
        return cash_count.needs_reason(self.rows(), self.threshold_fen)

    def _recount(self) -> None:
        for fen, spin in self.counts.items():
            self.subtotals[fen].setText(money(fen * spin.value()))
        self.cash_total.setText(money(cash_count.counted_cash(self.pieces())))
        rows = self.rows()
        self.compare.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [tender_label(r.tender), money(r.expected_fen), money(r.counted_fen),
                     money(r.variance_fen)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if j == 3 and r.variance_fen:
                    item.setForeground(Qt.GlobalColor.red if r.variance_fen < 0
                                       else Qt.GlobalColor.darkGreen)
                self.compare.setItem(i, j, item)
        total = sum(r.variance_fen for r in rows)
        self.variance_label.setText(money(total))
        if cash_count.needs_reason(rows, self.threshold_fen):
            self.reason_label.setText(_("Reason (required: the variance is above {amount})")
                                      .format(amount=money(self.threshold_fen)))
            self.reason_label.setStyleSheet("color: #b00020; font-weight: bold;")
        else:
            self.reason_label.setText(_("Reason for the variance"))
            self.reason_label.setStyleSheet("")

    def submit(self) -> None:
        counted = self.counted()
        if counted is None:
            return
        reason = self.reason.text().strip()
        if self.needs_reason() and not reason:
            self.say(_("The count differs from the books by more than {amount}; please give "
                       "a reason.").format(amount=money(self.threshold_fen)))
            self.reason.setFocus()
            return
        pieces = {fen: n for fen, n in self.pieces().items() if n}
        terminals = {k: v for k, v in counted.items() if k != "cash"}
        ctx, op_id = self._ctx, self.op_id
        self.run(lambda: shifts.close_shift(ctx, denominations=pieces, counted=terminals,
                                            reason=reason, op_id=op_id))
