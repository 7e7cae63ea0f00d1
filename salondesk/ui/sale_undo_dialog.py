"""Recent sales at the counter: void one (same business day), refund it (later; whole or the
ticked lines), or reprint its receipt. Voids and refunds need a reason and, for a cashier, a
manager's PIN (:func:`salondesk.ui.approval.with_approval`); the core refuses anything else
with its own reason (a sale of another day cannot be voided, a sale is undone once...).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import counter, sale_undo
from salondesk.services.checkout import receipt_label
from salondesk.services.context import Approval, Ctx
from salondesk.services.counter import SaleSummary
from salondesk.services.sale_undo import UndoResult
from salondesk.ui import messages
from salondesk.ui.approval import ApprovalDialog, may_ask, with_approval
from salondesk.ui.ops import Op
from salondesk.ui.tables import fill, table


class SalesDialog(QDialog):
    """Pick a recent sale; void, refund or reprint it."""

    undone = Signal(object)    # UndoResult
    reprint = Signal(str, str)  # sale id, receipt label

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("salesDialog")
        self.setWindowTitle(_("Recent sales: void, refund, reprint"))
        self.setMinimumSize(720, 520)
        self._ctx = ctx
        self.sales: list[SaleSummary] = []
        self.approval_dialog: ApprovalDialog | None = None
        self.op_id = new_op_id()
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.find_edit = QLineEdit(self)
        self.find_edit.setObjectName("receiptFind")
        self.find_edit.setPlaceholderText(_("Receipt no. (scan or type), Enter"))
        self.find_edit.returnPressed.connect(self.load)
        top.addWidget(self.find_edit, 1)
        layout.addLayout(top)
        self.table = table(self, [_("Receipt no."), _("Time"), _("Member"), _("Total"),
                                  _("State")], "salesTable")
        self.table.currentCellChanged.connect(lambda *_a: self._show_lines())
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel(_("Lines (tick the ones to refund; none ticked: all)"), self))
        self.lines = QListWidget(self)
        self.lines.setObjectName("saleLines")
        layout.addWidget(self.lines, 2)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel(_("Reason"), self))
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("undoReason")
        reason_row.addWidget(self.reason_edit, 1)
        layout.addLayout(reason_row)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("undoError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addLayout(self._build_buttons(ctx))
        self.load()

    def _build_buttons(self, ctx: Ctx) -> QHBoxLayout:
        buttons = QHBoxLayout()
        self.void_button = QPushButton(_("Void"), self)
        self.void_button.setObjectName("voidSale")
        self.refund_button = QPushButton(_("Refund"), self)
        self.refund_button.setObjectName("refundSale")
        self.reprint_button = QPushButton(_("Reprint receipt"), self)
        self.reprint_button.setObjectName("reprintSale")
        close = QPushButton(_("Close"), self)
        self.void_button.setVisible(may_ask(ctx, Permission.SALE_VOID))
        self.refund_button.setVisible(may_ask(ctx, Permission.SALE_REFUND))
        self.void_button.clicked.connect(lambda: self._undo("void"))
        self.refund_button.clicked.connect(lambda: self._undo("refund"))
        self.reprint_button.clicked.connect(self._reprint)
        close.clicked.connect(self.reject)
        for button in (self.void_button, self.refund_button, self.reprint_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        return buttons

    # -- reading --------------------------------------------------------------------------

    def load(self) -> None:
        ctx, text = self._ctx, self.find_edit.text().strip()
        number = int(text) if text.isdigit() else None
        Op(self, lambda: counter.recent_sales(ctx, receipt_no=number)).success(self._show) \
            .run_in_background()

    def _show(self, sales: list[SaleSummary]) -> None:
        self.sales = sales
        states = {"void": _("voided"), "refund": _("refunded")}
        fill(self.table, [[receipt_label(s.receipt_no),
                           s.at.astimezone().strftime("%m-%d %H:%M"), s.member_name or "-",
                           str(Money(s.total_fen)),
                           states.get(s.undone or "", "") if s.printed or s.undone else
                           _("receipt not printed")]
                          for s in sales])
        if sales:
            self.table.setCurrentCell(0, 0)
        self._show_lines()

    def selected(self) -> SaleSummary | None:
        row = self.table.currentRow()
        return self.sales[row] if 0 <= row < len(self.sales) else None

    def _show_lines(self) -> None:
        self.lines.clear()
        sale = self.selected()
        if sale is None:
            return
        for line in sale.lines:
            item = QListWidgetItem(f"{line.name} ×{line.qty}   {Money(line.net_fen)}",
                                   self.lines)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, line.line_id)

    def ticked_lines(self) -> list[str]:
        return [str(self.lines.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.lines.count())
                if self.lines.item(i).checkState() == Qt.CheckState.Checked]

    # -- acting ---------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def _undo(self, kind: str) -> None:
        sale = self.selected()
        if sale is None:
            self._say(_("Choose a sale first."))
            return
        reason = self.reason_edit.text().strip()
        if not reason:
            self._say(_("Please give a reason."))
            self.reason_edit.setFocus()
            return
        self.error_label.hide()
        lines = self.ticked_lines() if kind == "refund" else []
        permission = Permission.SALE_VOID if kind == "void" else Permission.SALE_REFUND

        def run(approval: Approval | None) -> None:
            ctx, op_id = self._ctx, self.op_id
            if kind == "void":
                def call() -> UndoResult:
                    return sale_undo.void_sale(ctx, sale.sale_id, reason=reason, op_id=op_id,
                                               approval=approval)
            else:
                def call() -> UndoResult:
                    return sale_undo.refund_sale(ctx, sale.sale_id, reason=reason,
                                                 line_ids=lines or None, op_id=op_id,
                                                 approval=approval)
            Op(self, call).success(self._done).failure(self._failed).run_in_background()

        self.approval_dialog = with_approval(self, self._ctx, permission, run)

    def _done(self, result: UndoResult) -> None:
        self.op_id = new_op_id()
        self.reason_edit.clear()
        self._say(_("Done: receipt {no}, {amount} goes back.").format(
            no=receipt_label(result.receipt_no), amount=Money(-result.total_fen)))
        self.error_label.setStyleSheet("color: #1b7a2f;")
        self.undone.emit(result)
        self.load()

    def _failed(self, exc: BaseException) -> None:
        self.op_id = new_op_id()
        self.error_label.setStyleSheet("color: #b00020;")
        self._say(messages.describe(exc))

    def _reprint(self) -> None:
        sale = self.selected()
        if sale is not None:
            self.reprint.emit(sale.sale_id, receipt_label(sale.receipt_no))
            self._say(_("Reprinting receipt {no}.").format(no=receipt_label(sale.receipt_no)))
