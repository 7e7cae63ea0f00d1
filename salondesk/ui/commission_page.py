"""The commission area (提成): a staff member's statement for a month (every line they
performed or sold with its share and gift marks, the kind of performance it earned on, the
base the rule's percentage was of and that amount, the totals per kind of performance, the step
rate reached, hand fees and the total), its PDF, the month's payroll export (XLSX/CSV) and,
for a manager, the rules (:mod:`salondesk.ui.commission_rules`).

Everyone sees their own statement; anyone else's needs ``commission.view`` (the core checks
and audits each viewing); the payroll export also needs ``reports.export``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.documents.commission import (
    basis_text,
    item_label,
    kind_text,
    service_text,
    statement_pdf,
)
from salondesk.domain.commission import StepMode, StepRates, step_reached
from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services import commission, reports, staff_profiles
from salondesk.services.commission import Statement
from salondesk.services.context import Ctx
from salondesk.ui import tables
from salondesk.ui.commission_rules import RulesPanel, percent_text
from salondesk.ui.day_close_page import save_pdf
from salondesk.ui.ops import Op
from salondesk.ui.save_file import choose_save_path
from salondesk.ui.status_bar import business_day

GIFT_COLOUR = QColor("#6a1b9a")
REVERSAL_COLOUR = QColor("#c62828")


def _m(fen: int) -> str:
    return format_money(Money(fen))


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def step_text(total_fen: int, rates: StepRates | None) -> str:
    """The step rate a month's consumption performance reached, as the statement says it."""
    if rates is None:
        return _("No step rates")
    rate, following = step_reached(total_fen, rates)
    mode = (_("progressive") if rates.mode == StepMode.PROGRESSIVE.value
            else _("retroactive"))
    if following is None:
        return _("{rate} ({mode}, the top step)").format(rate=percent_text(rate), mode=mode)
    return _("{rate} ({mode}; the next step from {amount})").format(
        rate=percent_text(rate), mode=mode, amount=_m(following))


@dataclass(frozen=True)
class Shown:
    statement: Statement
    steps: StepRates | None


class StatementPanel(QWidget):
    """Staff member + month -> the statement, with the PDF and payroll buttons."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("commissionStatement")
        assert ctx.actor is not None
        self.ctx = ctx
        self.shown: Shown | None = None
        self.last_file: Path | None = None
        self._generation = 0
        actor = ctx.actor
        self.may_view_all = actor.can(Permission.COMMISSION_VIEW)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(self._build_top())
        layout.addWidget(self._build_totals())
        self.table = tables.table(self, [
            _("Receipt"), _("Day"), _("Item"), _("Kind"), _("Designated or rotation"),
            _("Performance"), _("Commission base"), _("Base amount"), _("Percentage"),
            _("Hand fee"), _("Commission")], "statementLines")
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.notice = QLabel(self)
        self.notice.setObjectName("statementNotice")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        self.pdf_button.setEnabled(False)
        self.staff_combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.month_edit.dateChanged.connect(lambda _d: self.reload())
        if self.may_view_all:
            Op(self, lambda: staff_profiles.profiles(ctx)).success(self._staff_loaded) \
                .run_in_background()
        else:
            self.reload()

    def _build_top(self) -> QHBoxLayout:
        actor, ctx = self.ctx.actor, self.ctx
        assert actor is not None
        top = QHBoxLayout()
        self.staff_combo = QComboBox(self)
        self.staff_combo.setObjectName("statementStaff")
        self.staff_combo.setMinimumWidth(160)
        if not self.may_view_all:
            self.staff_combo.addItem(actor.name, actor.staff_id)
        self.month_edit = QDateEdit(self)
        self.month_edit.setObjectName("statementMonth")
        self.month_edit.setDisplayFormat("yyyy-MM")
        today = business_day(ctx.clock)
        self.month_edit.setDate(QDate(today.year, today.month, 1))
        self.pdf_button = QPushButton(_("Statement PDF…"), self)
        self.pdf_button.setObjectName("statementPdf")
        self.pdf_button.clicked.connect(lambda _c=False: self.write_pdf())
        self.payroll_button = QPushButton(_("Payroll export (XLSX)…"), self)
        self.payroll_button.setObjectName("payrollExport")
        self.payroll_button.clicked.connect(lambda _c=False: self.export_payroll())
        self.payroll_button.setVisible(self.may_view_all
                                       and actor.can(Permission.REPORTS_EXPORT))
        top.addWidget(QLabel(_("Staff"), self))
        top.addWidget(self.staff_combo)
        top.addWidget(QLabel(_("Month"), self))
        top.addWidget(self.month_edit)
        top.addStretch(1)
        top.addWidget(self.pdf_button)
        top.addWidget(self.payroll_button)
        return top

    def _build_totals(self) -> QGroupBox:
        group = QGroupBox(_("Totals"), self)
        row = QHBoxLayout(group)
        self.totals: dict[str, QLabel] = {}
        columns = (
            (("cash", _("Cash performance (现金业绩)")),
             ("consumption", _("Consumption performance (消耗业绩)")),
             ("gift", _("Gifted value (no performance)"))),
            (("services", _("Designated / rotation services")),
             ("percent", _("Percentage commission")),
             ("fixed", _("Hand fees"))),
            (("step_rate", _("Step rate reached")),
             ("step", _("Step commission")),
             ("total", _("Commission"))),
        )
        for column in columns:
            form = QFormLayout()
            form.setHorizontalSpacing(12)
            for key, label in column:
                value = QLabel(group)
                value.setObjectName(f"statement_{key}")
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                self.totals[key] = value
                form.addRow(label, value)
            row.addLayout(form, 1)
        bold = QFont(self.totals["total"].font())
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.3)
        self.totals["total"].setFont(bold)
        return group

    # -- loading ----------------------------------------------------------------------------

    def _staff_loaded(self, people: list[staff_profiles.Profile]) -> None:
        actor = self.ctx.actor
        self.staff_combo.blockSignals(True)
        self.staff_combo.clear()
        for person in people:
            self.staff_combo.addItem(person.name, person.staff_id)
        if actor is not None:
            mine = self.staff_combo.findData(actor.staff_id)
            self.staff_combo.setCurrentIndex(mine if mine >= 0 else 0)
        self.staff_combo.blockSignals(False)
        self.reload()

    def period(self) -> tuple[dt.date, dt.date]:
        shown = self.month_edit.date()
        return month_range(dt.date(shown.year(), shown.month(), 1))

    def choose(self, staff_id: str, month: dt.date) -> None:
        """Show ``staff_id``'s statement for ``month`` (as picking them on screen does)."""
        self.staff_combo.blockSignals(True)
        self.staff_combo.setCurrentIndex(self.staff_combo.findData(staff_id))
        self.staff_combo.blockSignals(False)
        self.month_edit.blockSignals(True)
        self.month_edit.setDate(QDate(month.year, month.month, 1))
        self.month_edit.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        staff_id = self.staff_combo.currentData()
        if not staff_id:
            self.notice.setText(_("Choose a staff member."))
            return
        self._generation += 1
        generation, ctx = self._generation, self.ctx
        first, last = self.period()

        def read() -> Shown:
            return Shown(commission.statement(ctx, str(staff_id), first, last),
                         commission.step_rates(ctx))

        Op(self, read).success(lambda shown: self._show(generation, shown)) \
            .run_in_background()

    def _show(self, generation: int, shown: Shown) -> None:
        if generation != self._generation:
            return
        self.shown = shown
        st = shown.statement
        t = self.totals
        t["cash"].setText(_m(st.cash_performance_fen))
        t["consumption"].setText(_m(st.consumption_performance_fen))
        t["gift"].setText(_m(st.gift_value_fen))
        t["services"].setText(f"{st.designated_count} / {st.rotation_count}")
        t["percent"].setText(_m(st.percent_fen))
        t["fixed"].setText(_m(st.fixed_fen))
        t["step_rate"].setText(step_text(st.consumption_performance_fen, shown.steps))
        t["step"].setText(_m(st.step_fen))
        t["total"].setText(_m(st.commission_fen))
        rows = [[f"{ln.receipt_no:06d}", ln.business_day.isoformat(), item_label(ln),
                 kind_text(ln), service_text(ln),
                 _m(ln.base_fen), basis_text(ln), _m(ln.commission_base_fen),
                 _m(ln.percent_fen), _m(ln.fixed_fen), _m(ln.commission_fen)]
                for ln in st.lines]
        tables.fill(self.table, rows)
        for i, ln in enumerate(st.lines):
            colour = GIFT_COLOUR if ln.gift else REVERSAL_COLOUR if ln.base_fen < 0 else None
            if colour is None:
                continue
            for j in range(self.table.columnCount()):
                item = self.table.item(i, j)
                if item is not None:
                    item.setForeground(colour)
        for i in range(len(rows)):
            for j in (5, 7, 8, 9, 10):
                item = self.table.item(i, j)
                if item is not None:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
        who = st.name if not st.grade else f"{st.name} ({st.grade})"
        self.notice.setText(
            _("{who}: {n} lines from {first} to {last}.").format(
                who=who, n=len(st.lines), first=st.first, last=st.last) if st.lines
            else _("{who} has no commission lines from {first} to {last}.").format(
                who=who, first=st.first, last=st.last))
        self.pdf_button.setEnabled(True)

    # -- files ------------------------------------------------------------------------------

    def write_pdf(self) -> None:
        if self.shown is None:
            return
        st, ctx = self.shown.statement, self.ctx
        suggested = f"{_('Commission statement')} {st.name} {st.first:%Y-%m}.pdf"

        def write(path: Path) -> int:
            name = str(ctx.setting("store.name") or "")
            return statement_pdf(path, name, st)

        save_pdf(self, _("Commission statement PDF"), suggested, write, self._written)

    def export_payroll(self) -> None:
        first, last = self.period()
        path = choose_save_path(self, _("Payroll export"),
                                f"{_('Payroll')} {first:%Y-%m}.xlsx",
                                _("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path is None:
            return
        ctx = self.ctx

        def write() -> int:
            table = commission.payroll_table(commission.payroll(ctx, first, last))
            return reports.export_table(ctx, table, path)

        Op(self, write).success(lambda rows: self._written(path, rows)).run_in_background()

    def _written(self, path: Path, rows: int | None = None) -> None:
        self.last_file = path
        self.notice.setText(_("Saved {path}").format(path=path) if rows is None else
                            _("Exported {n} rows to {path}").format(n=rows, path=path))


class CommissionPage(QWidget):
    """Tabs: the statement (everyone: their own; managers: anyone's) and the rules (those who
    may set them)."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        actor = ctx.actor
        assert actor is not None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("commissionTabs")
        self.statement = StatementPanel(ctx, self.tabs)
        self.tabs.addTab(self.statement, _("Statement"))
        self.rules: RulesPanel | None = None
        if actor.can(Permission.COMMISSION_RULES):
            self.rules = RulesPanel(ctx, self.tabs)
            self.tabs.addTab(self.rules, _("Rules"))
            self.rules.changed.connect(self.statement.reload)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.tabs)
