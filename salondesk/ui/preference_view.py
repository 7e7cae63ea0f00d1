"""The project preference tab (项目偏好): what members choose over a period.

Pick the dates and whether per category or per service; the report runs off the GUI thread
(:class:`~salondesk.ui.report_task.ReportTask`, with Cancel). The result stays here, so
switching between all members, per tier and per segment, or drilling down to the members
behind a category (the combo, or a double-click on its row), needs no second trip to the
store. The bars show the consumed value per category, the members per tier or segment, or
the consumed value per member. Export writes the table shown; PDF writes the whole report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from salondesk.i18n import _, ngettext
from salondesk.services import day_close, preference, reports
from salondesk.services.context import Ctx
from salondesk.services.preference import Preference
from salondesk.services.reports import Table
from salondesk.ui import tables
from salondesk.ui.bar_chart import BarChart
from salondesk.ui.dates import date_edit, day_of, qdate
from salondesk.ui.day_close_page import busy_bar, button
from salondesk.ui.ops import Op
from salondesk.ui.report_task import ReportTask
from salondesk.ui.report_view import fill_table
from salondesk.ui.save_file import choose_save_path
from salondesk.ui.shift_dialogs import money


def preference_pdf_for(ctx: Ctx, dest: Any, pref: Preference) -> int:
    """Write the report as a PDF with the store's name (on a worker)."""
    from salondesk.documents.preference import preference_pdf

    return preference_pdf(dest, str(ctx.setting("store.name") or ""), pref)


class PreferenceView(QWidget):
    """Dates, per category / service, the breakdown, the drill-down, table and bars."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preferenceView")
        self.ctx = ctx
        self.result: Preference | None = None
        self.shown: Table | None = None
        self.last_export: Any = None
        today = today or dt.date.today()
        self.first_edit = date_edit(self, "prefFirst", today.replace(day=1))
        self.last_edit = date_edit(self, "prefLast", today)
        self.level = QComboBox(self)
        self.level.setObjectName("prefLevel")
        self.level.addItem(_("By category"), "category")
        self.level.addItem(_("By service"), "service")
        self.run_button = button(self, _("Show"), "prefRun", self.run)
        self.run_button.setDefault(True)
        self.breakdown = QComboBox(self)
        self.breakdown.setObjectName("prefBreakdown")
        for label, key in ((_("All members"), "overall"), (_("Per tier"), "tier"),
                           (_("Per segment"), "segment")):
            self.breakdown.addItem(label, key)
        self.drill = QComboBox(self)
        self.drill.setObjectName("prefDrill")
        self.drill.setMinimumContentsLength(10)
        self.export_button = button(self, _("Export..."), "prefExport", self.export)
        self.pdf_button = button(self, _("PDF..."), "prefPdf", self.write_pdf)
        top = QHBoxLayout()
        for w in (QLabel(_("From"), self), self.first_edit, QLabel(_("To"), self),
                  self.last_edit, self.level, self.run_button, self.breakdown,
                  QLabel(_("Members who chose"), self), self.drill, self.export_button,
                  self.pdf_button):
            top.addWidget(w)
        top.addStretch(1)
        self.task = ReportTask(self, "pref")
        self.busy = busy_bar(self, "prefBusy")
        self.summary = QLabel(self)
        self.summary.setObjectName("prefSummary")
        self.summary.setWordWrap(True)
        self.table = tables.table(self, [""], "prefTable")
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setMinimumSectionSize(90)
        self.table.doubleClicked.connect(lambda index: self._drill_row(index.row()))
        self.chart = BarChart(self, "prefChart")
        self.chart.hide()
        body = QHBoxLayout()
        body.addWidget(self.table, 3)
        body.addWidget(self.chart, 2, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for strip in (self.task, self.busy, self.summary):
            layout.addWidget(strip)
        layout.addLayout(body, 1)
        self.breakdown.currentIndexChanged.connect(lambda _i: self._render())
        self.drill.currentIndexChanged.connect(lambda _i: self._render())
        self.level.currentIndexChanged.connect(lambda _i: self._stale())
        self._enable()
        Op(self, lambda: day_close.business_today(ctx)).success(self._today).run_in_background()

    def _today(self, day: dt.date) -> None:
        self.first_edit.setDate(qdate(day.replace(day=1)))
        self.last_edit.setDate(qdate(day))

    def _enable(self) -> None:
        has = self.result is not None
        for w in (self.breakdown, self.drill, self.export_button, self.pdf_button):
            w.setEnabled(has)
        self.run_button.setEnabled(not self.task.running)

    def _stale(self) -> None:
        """Per category and per service are different reports: run again when shown."""
        if self.result is not None:
            self.run()

    def run(self) -> None:
        ctx, first, last = self.ctx, day_of(self.first_edit), day_of(self.last_edit)
        level = str(self.level.currentData())
        self.run_button.setEnabled(False)
        self.task.run(lambda progress: preference.preference(ctx, first, last, level=level,
                                                             progress=progress),
                      self._arrived, finished=self._enable)

    def _arrived(self, result: Preference) -> None:
        self.result = result
        self.drill.blockSignals(True)
        self.drill.clear()
        self.drill.addItem(_("(no drill-down)"), None)
        for row in result.overall:
            if row.members:
                self.drill.addItem(row.label, row.key)
        self.drill.blockSignals(False)
        self._render()

    def _drill_row(self, row: int) -> None:
        if self.result is None or self.drill.currentData() is not None:
            return
        if self.breakdown.currentData() == "overall" and row < len(self.result.overall):
            index = self.drill.findData(self.result.overall[row].key)
            if index >= 0:
                self.drill.setCurrentIndex(index)

    def _render(self) -> None:
        pref = self.result
        if pref is None:
            return
        key, breakdown = self.drill.currentData(), str(self.breakdown.currentData())
        self.breakdown.setEnabled(key is None)
        table = pref.members_table(str(key)) if key is not None else pref.table(breakdown)
        self.shown = table
        fill_table(self.table, table)
        if key is not None:
            self.chart.set_bars(_("Consumed value per member"),
                                [(str(r[1]), int(r[6])) for r in table.rows], money=True)
        elif breakdown == "overall":
            self.chart.set_bars(_("Consumed value"),
                                [(r.label, r.value_fen) for r in pref.overall], money=True)
        else:
            sizes = pref.tier_sizes if breakdown == "tier" else pref.segment_sizes
            self.chart.set_bars(_("Members per tier") if breakdown == "tier"
                                else _("Members per segment"),
                                [(pref.group_label(breakdown, g), n) for g, n in sizes.items()],
                                money=False)
        self.chart.setVisible(bool(self.chart.bars))
        rows = ngettext("{n} row", "{n} rows", len(table.rows)).format(n=len(table.rows))
        self.summary.setText(" · ".join([
            table.title, f"{pref.first} – {pref.last}", rows,
            ngettext("{n} member chose {count} times", "{n} members chose {count} times",
                     pref.members).format(n=pref.members, count=pref.total_count),
            _("consumed value {amount}").format(amount=money(pref.total_value_fen))]))
        self._enable()

    def export(self) -> None:
        if self.shown is None:
            return
        table = self.shown
        path = choose_save_path(self, _("Export report"), f"{table.title}.xlsx",
                                _("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path is None:
            return
        ctx = self.ctx
        self.busy.show()
        Op(self, lambda: reports.export_table(ctx, table, path)) \
            .success(lambda n: self._written(path, _("Exported {n} rows to {path}").format(
                n=n, path=path))).finished(self.busy.hide).run_in_background()

    def write_pdf(self) -> None:
        pref = self.result
        if pref is None:
            return
        path = choose_save_path(self, _("Save as PDF"), f"{_('Project preference')}.pdf",
                                _("PDF document (*.pdf)"))
        if path is None:
            return
        ctx = self.ctx
        self.busy.show()
        Op(self, lambda: preference_pdf_for(ctx, path, pref), db=False) \
            .success(lambda _pages: self._written(path, _("PDF written to {path}.").format(
                path=path))).finished(self.busy.hide).run_in_background()

    def _written(self, path: Any, text: str) -> None:
        self.last_export = path
        self.summary.setText(text)
