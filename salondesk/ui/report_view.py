"""The manager's reports: pick one, give the dates, read the table, export it.

Every report is a :class:`~salondesk.services.reports.Table` from
:mod:`salondesk.services.reports`; it runs off the GUI thread in its own read session with a
progress bar and a Cancel button (:class:`~salondesk.ui.report_task.ReportTask`: a year of
sales by service takes a moment on a large store; Cancel keeps the table shown before), and
the table shows money columns as yuan.
Export writes exactly the table shown, to XLSX or CSV, through
:func:`~salondesk.services.reports.export_table` (formula injection neutralised there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain import rfm as rfm_rules
from salondesk.errors import ValidationError
from salondesk.i18n import N_, _, ngettext
from salondesk.services import day_close, reports
from salondesk.services.context import Ctx
from salondesk.services.progress import Progress
from salondesk.services.reports import Table
from salondesk.ui import tables
from salondesk.ui.bar_chart import BarChart
from salondesk.ui.dates import date_edit, day_of, qdate
from salondesk.ui.day_close_page import busy_bar, button
from salondesk.ui.ops import Op
from salondesk.ui.report_task import ReportTask
from salondesk.ui.save_file import choose_save_path
from salondesk.ui.shift_dialogs import money

#: a chart of a report: (title, bars, whether the values are fen)
Chart = tuple[str, list[tuple[str, int]], bool]


@dataclass(frozen=True)
class Shown:
    """A report as the screen shows it: the table, which cells are money, a summary line."""

    table: Table
    money_cell: Callable[[int, int], bool]
    summary: str = ""
    counts: list[tuple[str, int]] = field(default_factory=list)   # bars besides the table


@dataclass(frozen=True)
class Choice:
    key: str
    label: str          # marked with N_
    uses: str           # "range", "at", "member", "rfm", "year"


CHOICES = (
    Choice("sales_day", N_("Sales by day"), "range"),
    Choice("sales_category", N_("Sales by category"), "range"),
    Choice("sales_service", N_("Sales by service"), "range"),
    Choice("sales_staff", N_("Sales by staff"), "range"),
    Choice("commission", N_("Commission bases by staff"), "range"),
    Choice("liabilities", N_("Liabilities at a date"), "at"),
    Choice("liabilities_quarterly", N_("Prepaid liabilities by quarter"), "year"),
    Choice("statement", N_("Member statement"), "member"),
    Choice("rfm", N_("RFM segments"), "rfm"),
    Choice("dormant", N_("Dormant members with money left"), "at"),
    Choice("birthdays", N_("Birthdays"), "range"),
)


def _liabilities_table(figures: dict[str, int], at: dt.date) -> Shown:
    labels = [("sv_principal_fen", _("Stored value principal"), True),
              ("sv_bonus_fen", _("Stored value bonus"), True),
              ("package_value_fen", _("Unused package value"), True),
              ("package_sessions", _("Unused package sessions"), False),
              ("points", _("Points outstanding"), False),
              ("debt_fen", _("Members' debt to the store"), True)]
    table = Table(title=_("Liabilities at {day}").format(day=at.isoformat()),
                  headers=[_("Liability"), _("Amount")],
                  rows=[[label, figures[key]] for key, label, _m in labels])
    is_money = [m for _k, _l, m in labels]
    return Shown(table, lambda row, col: col == 1 and is_money[row])


def _plain(table: Table, summary: str = "") -> Shown:
    return Shown(table, lambda _row, col: col in table.money, summary)


def _statement(ctx: Ctx, member_no: str, first: dt.date, last: dt.date,
               progress: Progress | None) -> Shown:
    if not member_no.strip().isdigit():
        raise ValidationError(_("Enter the member's number for the statement."))
    st = reports.member_statement(ctx, int(member_no), first, last, progress=progress)

    def cell(row: int, col: int) -> bool:
        amount, second = st.money_cells(row)
        return (col == 3 and amount) or (col == 4 and second)

    return Shown(st.table, cell, _(
        "{name} (No. {no}): stored value {sv_open} -> {sv_close}, points {pt_open} -> "
        "{pt_close}").format(
        name=st.name, no=st.member_no,
        sv_open=money(st.opening["sv_principal_fen"] + st.opening["sv_bonus_fen"]),
        sv_close=money(st.closing["sv_principal_fen"] + st.closing["sv_bonus_fen"]),
        pt_open=st.opening["points"], pt_close=st.closing["points"]))


def _rfm(ctx: Ctx, at: dt.date, segment: str | None, progress: Progress | None) -> Shown:
    result = reports.rfm(ctx, at, progress=progress)
    sizes = [(_(rfm_rules.SEGMENT_LABELS[rfm_rules.Segment(seg)]), n)
             for seg, n in result.counts.items()]
    table = result.table(segment)
    return Shown(table, lambda _row, col: col in table.money,
                 ", ".join(f"{label} {n}" for label, n in sizes), sizes)


def _sales(ctx: Ctx, first: dt.date, last: dt.date, by: str,
           progress: Progress | None) -> Shown:
    table = reports.sales_by(ctx, first, last, by, progress=progress)
    return _plain(table, _("Net sales {amount}").format(
        amount=money(table.totals.get("net_fen", 0))))


def run_report(ctx: Ctx, key: str, first: dt.date, last: dt.date, *, member_no: str = "",
               segment: str | None = None, progress: Progress | None = None) -> Shown:
    """The report ``key`` over first..last (``last`` is the date of the point-in-time
    reports); runs on a worker thread, stopping early when ``progress`` is cancelled."""
    p = progress
    runners: dict[str, Callable[[], Shown]] = {
        "commission": lambda: _plain(reports.commission_summary(ctx, first, last, progress=p)),
        "liabilities": lambda: _liabilities_table(reports.liabilities(ctx, last, progress=p),
                                                  last),
        "liabilities_quarterly": lambda: _plain(reports.quarterly_liabilities(
            ctx, last.year, progress=p)),
        "statement": lambda: _statement(ctx, member_no, first, last, p),
        "rfm": lambda: _rfm(ctx, last, segment, p),
        "dormant": lambda: _plain(reports.dormant(ctx, last, progress=p)),
        "birthdays": lambda: _plain(reports.birthdays(ctx, first, last, progress=p)),
    }
    if key.startswith("sales_"):
        return _sales(ctx, first, last, key.removeprefix("sales_"), p)
    return runners[key]()


def fill_table(widget: QTableWidget, table: Table,
               money_cell: Callable[[int, int], bool] | None = None) -> None:
    """Show ``table`` in ``widget``: money as yuan, basis points as percent, figures to the
    right."""
    is_money = money_cell or (lambda _row, col: col in table.money)
    widget.clear()
    widget.setColumnCount(len(table.headers))
    widget.setHorizontalHeaderLabels(table.headers)
    widget.setRowCount(len(table.rows))
    for i, row in enumerate(table.rows):
        for j, value in enumerate(row):
            if not isinstance(value, int):
                widget.setItem(i, j, QTableWidgetItem(str(value)))
                continue
            text = (money(value) if is_money(i, j) else
                    f"{value / 100:.1f}%" if j in table.percent else str(value))
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setItem(i, j, item)


def charts_for(key: str, shown: Shown) -> list[Chart]:
    """Bars where they say more than the rows: net sales per day (the daily takings), the
    top services, net sales per category or staff member, the cash and the consumption
    performance per person, the size of each RFM segment."""
    table, rows = shown.table, shown.table.rows
    if key == "sales_service":
        top = sorted(rows, key=lambda r: -int(r[4]))[:15]
        return [(_("Top services by net sales"), [(str(r[0]), int(r[4])) for r in top], True)]
    if key.startswith("sales_") and rows:
        title = _("Net sales per day") if key == "sales_day" else table.headers[4]
        return [(title, [(str(r[0]), int(r[4])) for r in rows], True)]
    if key == "commission" and rows:
        return [(table.headers[col], [(str(r[0]), int(r[col])) for r in rows], True)
                for col in (1, 2)]
    if key == "rfm" and shown.counts:
        return [(_("Members per segment"), list(shown.counts), False)]
    return []


def report_pdf(ctx: Ctx, dest: Any, key: str, shown: Shown, period: str) -> int:
    """Write the report shown, with its charts, as a PDF with the store's name (worker)."""
    from salondesk.documents.report_table import table_pdf

    subtitle = " · ".join(x for x in (period, shown.summary) if x)
    return table_pdf(dest, str(ctx.setting("store.name") or ""), shown.table,
                     subtitle=subtitle, charts=charts_for(key, shown),
                     money_cell=shown.money_cell)


class ReportView(QWidget):
    """Report picker, date range, member number / segment where they apply, table, export."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportView")
        self.ctx = ctx
        self.shown: Shown | None = None
        self.period = ""
        self.last_export: Any = None
        today = today or dt.date.today()
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.picker = QComboBox(self)
        self.picker.setObjectName("reportPicker")
        for choice in CHOICES:
            self.picker.addItem(_(choice.label), choice.key)
        self.picker.currentIndexChanged.connect(lambda _i: self._picked())
        self.first_edit = date_edit(self, "reportFirst", today.replace(day=1))
        self.last_edit = date_edit(self, "reportLast", today)
        self.member_edit = QLineEdit(self)
        self.member_edit.setObjectName("reportMemberNo")
        self.member_edit.setPlaceholderText(_("Member no."))
        self.member_edit.setMaximumWidth(110)
        self.segment = self._segments()
        self.first_label = QLabel(_("From"), self)
        self.last_label = QLabel(_("To"), self)
        self.run_button = button(self, _("Show"), "runReport", self.run)
        self.run_button.setDefault(True)
        self.export_button = button(self, _("Export..."), "exportReport", self.export)
        self.pdf_button = button(self, _("PDF..."), "reportPdf", self.write_pdf)
        for w in (self.picker, self.first_label, self.first_edit, self.last_label,
                  self.last_edit, self.member_edit, self.segment, self.run_button,
                  self.export_button, self.pdf_button):
            top.addWidget(w)
        top.addStretch(1)
        self.member_edit.returnPressed.connect(self.run)
        self.segment.currentIndexChanged.connect(lambda _i: self._segment_changed())
        self.summary = QLabel(self)
        self.summary.setObjectName("reportSummary")
        self.summary.setWordWrap(True)
        self.busy = busy_bar(self, "reportBusy")   # the export
        self.task = ReportTask(self, "report")
        self.table = tables.table(self, [""], "reportTable")
        # figures sit next to their labels, not pushed to the far edge of a wide screen
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setMinimumSectionSize(96)
        layout.addLayout(top)
        for strip in (self.busy, self.task, self.summary):
            layout.addWidget(strip)
        self.chart = BarChart(self, "reportChart")
        self.chart.hide()
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(self.chart, 2, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(body, 1)
        self._picked()
        Op(self, lambda: day_close.business_today(ctx)).success(self._today).run_in_background()

    def _segments(self) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName("reportSegment")
        combo.addItem(_("All segments"), None)
        for seg in rfm_rules.Segment:
            combo.addItem(_(rfm_rules.SEGMENT_LABELS[seg]), seg.value)
        return combo

    def _today(self, day: dt.date) -> None:
        """Start on the store's business day (its time zone, not this PC's)."""
        self.first_edit.setDate(qdate(day.replace(day=1)))
        self.last_edit.setDate(qdate(day))

    def choice(self) -> Choice:
        return CHOICES[self.picker.currentIndex()]

    def _picked(self) -> None:
        uses = self.choice().uses
        ranged = uses in ("range", "member")
        self.first_label.setVisible(ranged)
        self.first_edit.setVisible(ranged)
        self.last_label.setText(_("To") if ranged else _("At"))
        self.member_edit.setVisible(uses == "member")
        self.segment.setVisible(uses == "rfm")
        self.export_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        self.shown = None
        self.table.setRowCount(0)
        self.summary.clear()

    def _segment_changed(self) -> None:
        if self.shown is not None and self.choice().key == "rfm":
            self.run()

    def run(self) -> None:
        ctx, key = self.ctx, self.choice().key
        first, last = day_of(self.first_edit), day_of(self.last_edit)
        member_no, segment = self.member_edit.text(), self.segment.currentData()
        self.run_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.pdf_button.setEnabled(False)
        uses = self.choice().uses
        self.period = (_("From {first} to {last}").format(first=first, last=last)
                       if uses in ("range", "member") else
                       str(last.year) if uses == "year" else
                       _("At the end of {day}").format(day=last))
        self.task.run(lambda progress: run_report(ctx, key, first, last, member_no=member_no,
                                                  segment=segment, progress=progress),
                      self._show, finished=self._finished)

    def _finished(self) -> None:
        self.run_button.setEnabled(True)
        self.export_button.setEnabled(self.shown is not None)
        self.pdf_button.setEnabled(self.shown is not None)

    def _show(self, shown: Shown) -> None:
        self.shown = shown
        table = shown.table
        fill_table(self.table, table, shown.money_cell)
        self._chart(shown)
        count = ngettext("{n} row", "{n} rows", len(table.rows)).format(n=len(table.rows))
        self.summary.setText(f"{table.title} · {count}" + (f" · {shown.summary}"
                                                          if shown.summary else ""))

    def _chart(self, shown: Shown) -> None:
        charts = charts_for(self.choice().key, shown)
        if not charts:
            self.chart.hide()
            return
        title, bars, in_fen = charts[0]
        self.chart.set_bars(title, bars, money=in_fen)
        self.chart.show()

    def write_pdf(self) -> None:
        """The report shown, with its charts, as an A4 PDF."""
        if self.shown is None:
            return
        shown, key, period = self.shown, self.choice().key, self.period
        path = choose_save_path(self, _("Save as PDF"), f"{shown.table.title}.pdf",
                                _("PDF document (*.pdf)"))
        if path is None:
            return
        ctx = self.ctx
        self.busy.show()
        Op(self, lambda: report_pdf(ctx, path, key, shown, period), db=False) \
            .success(lambda _pages: self._exported_pdf(path)) \
            .finished(self.busy.hide).run_in_background()

    def _exported_pdf(self, path: Any) -> None:
        self.last_export = path
        self.summary.setText(_("PDF written to {path}.").format(path=path))

    def export(self) -> None:
        if self.shown is None:
            return
        table = self.shown.table
        path = choose_save_path(self, _("Export report"), f"{table.title}.xlsx",
                                _("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path is None:
            return
        ctx = self.ctx
        self.busy.show()
        Op(self, lambda: reports.export_table(ctx, table, path)) \
            .success(lambda rows: self._exported(path, rows)) \
            .finished(self.busy.hide).run_in_background()

    def _exported(self, path: Any, rows: int) -> None:
        self.last_export = path
        self.summary.setText(_("Exported {n} rows to {path}").format(n=rows, path=path))
