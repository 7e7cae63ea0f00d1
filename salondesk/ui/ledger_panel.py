"""The member's balances: stored value (principal / bonus and lots), packages, points with the
next expiry, coupons and debt, with the buttons for top-up, package sale, refund, transfer and
adjustment (each shown only to those who may do it, or may ask a manager)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.money import Money
from salondesk.services.context import Ctx
from salondesk.services.member_overview import LedgerSummary
from salondesk.ui import balance_dialogs, ledger_dialogs
from salondesk.ui.approval import may_ask
from salondesk.ui.tables import fill as _fill
from salondesk.ui.tables import table as _table


def _money(fen: int) -> str:
    return str(Money(fen))


class LedgerPanel(QWidget):
    """Balances of one member and the ledger actions on them."""

    changed = Signal()  # a ledger operation went through: reload the file

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        assert ctx.actor is not None
        self._ctx = ctx
        self.member_id: str | None = None
        self.member_name = ""
        self.summary: LedgerSummary | None = None
        self.dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        sv, pkg, other = self._build_groups()
        buttons = QHBoxLayout()
        self.top_up_button = QPushButton(_("Top up..."), self)
        self.top_up_button.setObjectName("topUp")
        self.sell_package_button = QPushButton(_("Sell package..."), self)
        self.sell_package_button.setObjectName("sellPackage")
        self.refund_button = QPushButton(_("Refund..."), self)
        self.refund_button.setObjectName("refund")
        self.transfer_button = QPushButton(_("Transfer..."), self)
        self.transfer_button.setObjectName("transfer")
        self.adjust_button = QPushButton(_("Adjust..."), self)
        self.adjust_button.setObjectName("adjust")
        self.top_up_button.clicked.connect(self.top_up)
        self.sell_package_button.clicked.connect(self.sell_package)
        self.refund_button.clicked.connect(self.refund)
        self.transfer_button.clicked.connect(self.transfer)
        self.adjust_button.clicked.connect(self.adjust)
        sells = ctx.actor.can(Permission.COUNTER_SELL)
        self.top_up_button.setVisible(sells)
        self.sell_package_button.setVisible(sells)
        self.refund_button.setVisible(may_ask(ctx, Permission.LEDGER_REFUND))
        self.transfer_button.setVisible(may_ask(ctx, Permission.LEDGER_TRANSFER))
        self.adjust_button.setVisible(may_ask(ctx, Permission.LEDGER_ADJUST))
        for button in (self.top_up_button, self.sell_package_button, self.refund_button,
                       self.transfer_button, self.adjust_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addLayout(self._build_more_buttons(ctx))
        layout.addWidget(sv)
        layout.addWidget(pkg)
        layout.addWidget(other)
        layout.addStretch(1)

    def _build_more_buttons(self, ctx: Ctx) -> QHBoxLayout:
        row = QHBoxLayout()
        self.repay_button = QPushButton(_("Repay debt..."), self)
        self.repay_button.setObjectName("repayDebt")
        self.points_button = QPushButton(_("Adjust points..."), self)
        self.points_button.setObjectName("adjustPoints")
        self.extend_button = QPushButton(_("Extend package..."), self)
        self.extend_button.setObjectName("extendPackage")
        self.repay_button.clicked.connect(self.repay_debt)
        self.points_button.clicked.connect(self.adjust_points)
        self.extend_button.clicked.connect(self.extend_package)
        assert ctx.actor is not None
        self.repay_button.setVisible(ctx.actor.can(Permission.COUNTER_SELL))
        self.points_button.setVisible(may_ask(ctx, Permission.LEDGER_ADJUST))
        self.extend_button.setVisible(may_ask(ctx, Permission.PACKAGE_EXTEND))
        for button in (self.repay_button, self.points_button, self.extend_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _build_groups(self) -> tuple[QGroupBox, QGroupBox, QGroupBox]:
        sv = QGroupBox(_("Stored value"), self)
        sv_layout = QVBoxLayout(sv)
        figures = QFormLayout()
        self.sv_total = QLabel(sv)
        self.sv_total.setObjectName("svTotal")
        font = self.sv_total.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.sv_total.setFont(font)
        self.sv_principal = QLabel(sv)
        self.sv_principal.setObjectName("svPrincipal")
        self.sv_bonus = QLabel(sv)
        self.sv_bonus.setObjectName("svBonus")
        figures.addRow(_("Balance"), self.sv_total)
        figures.addRow(_("Principal"), self.sv_principal)
        figures.addRow(_("Bonus"), self.sv_bonus)
        self.lots_table = _table(sv, [_("Lot"), _("Principal"), _("Bonus")], "lotsTable")
        self.lots_table.setMaximumHeight(110)
        sv_layout.addLayout(figures)
        sv_layout.addWidget(self.lots_table)
        pkg = QGroupBox(_("Packages"), self)
        pkg_layout = QVBoxLayout(pkg)
        self.packages_table: QTableWidget = _table(
            pkg, [_("Package"), _("Sessions left"), _("Value left"), _("Expires")],
            "packagesTable")
        self.packages_table.setMaximumHeight(130)
        pkg_layout.addWidget(self.packages_table)
        other = QGroupBox(_("Points, coupons and debt"), self)
        other_form = QFormLayout(other)
        self.points_label = QLabel(other)
        self.points_label.setObjectName("points")
        self.coupons_label = QLabel(other)
        self.coupons_label.setObjectName("coupons")
        self.coupons_label.setWordWrap(True)
        self.debt_label = QLabel(other)
        self.debt_label.setObjectName("debt")
        other_form.addRow(_("Points"), self.points_label)
        other_form.addRow(_("Coupons"), self.coupons_label)
        other_form.addRow(_("Owes"), self.debt_label)
        return sv, pkg, other

    def show_summary(self, member_id: str, name: str, summary: LedgerSummary) -> None:
        self.member_id = member_id
        self.member_name = name
        self.summary = summary
        sv = summary.stored_value
        self.sv_total.setText(_money(sv.total_fen))
        self.sv_principal.setText(_money(sv.principal_fen))
        self.sv_bonus.setText(_money(sv.bonus_fen))
        _fill(self.lots_table, [[str(i + 1), _money(lot.principal_fen), _money(lot.bonus_fen)]
                                for i, lot in enumerate(sv.lots)])
        rows = []
        for p in summary.packages:
            if p.kind == "time":
                left = _("unlimited")
            else:
                left = "、".join(f"{summary.service_names.get(code, code)}×{n}"
                                for code, n in p.sessions_left.items() if n) or "0"
            rows.append([p.name, left, _money(p.value_left_fen),
                         p.expires_on.isoformat() if p.expires_on else _("never")])
        _fill(self.packages_table, rows)
        points = _("{n} points").format(n=summary.points)
        if summary.points_expiring:
            points += "  " + _("({n} expire by {day})").format(
                n=summary.points_expiring, day=summary.points_next_expiry)
        elif summary.points_next_expiry:
            points += "  " + _("(next expiry {day})").format(day=summary.points_next_expiry)
        self.points_label.setText(points)
        usable = [c for c in summary.coupons if c.state == "issued"]
        self.coupons_label.setText(
            "、".join(f"{c.name} {c.code}" for c in usable) or _("(none)"))
        self.debt_label.setText(_money(summary.debt_fen) if summary.debt_fen else _("nothing"))
        self.repay_button.setEnabled(summary.debt_fen > 0)
        self.extend_button.setEnabled(any(p.expires_on is not None for p in summary.packages))

    # -- actions ------------------------------------------------------------------------------

    def _open(self, dialog: ledger_dialogs.LedgerDialog) -> None:
        self.dialog = dialog
        dialog.done_ok.connect(self.changed)
        dialog.open()

    def top_up(self) -> None:
        if self.member_id:
            self._open(ledger_dialogs.TopUpDialog(self._ctx, self.member_id, self.member_name,
                                                  self))

    def sell_package(self) -> None:
        if self.member_id:
            self._open(ledger_dialogs.PackageSaleDialog(self._ctx, self.member_id,
                                                        self.member_name, self))

    def refund(self) -> None:
        if self.member_id and self.summary is not None:
            self._open(ledger_dialogs.RefundDialog(self._ctx, self.member_id, self.member_name,
                                                   self.summary, self))

    def transfer(self) -> None:
        if self.member_id:
            self._open(ledger_dialogs.TransferDialog(self._ctx, self.member_id,
                                                     self.member_name, self))

    def adjust(self) -> None:
        if self.member_id:
            self._open(ledger_dialogs.AdjustDialog(self._ctx, self.member_id, self.member_name,
                                                   self))

    def repay_debt(self) -> None:
        if self.member_id and self.summary is not None:
            self._open(balance_dialogs.RepayDebtDialog(self._ctx, self.member_id,
                                                       self.member_name, self.summary, self))

    def adjust_points(self) -> None:
        if self.member_id and self.summary is not None:
            self._open(balance_dialogs.PointsAdjustDialog(self._ctx, self.member_id,
                                                          self.member_name, self.summary, self))

    def extend_package(self) -> None:
        if self.member_id and self.summary is not None:
            self._open(balance_dialogs.ExtendPackageDialog(self._ctx, self.member_id,
                                                           self.member_name, self.summary,
                                                           self))
