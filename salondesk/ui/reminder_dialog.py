"""Tomorrow's reminder list: who is booked, when, with whom, and their phone (masked unless
the reader may see phones), to call or message by hand; exported as XLSX/CSV or a PDF to
print, both made by the services."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from salondesk.documents.reminders import reminder_pdf
from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.services import appointments, reports
from salondesk.services.context import Ctx
from salondesk.services.reports import Table
from salondesk.ui import tables
from salondesk.ui.ops import Op
from salondesk.ui.save_file import choose_save_path


class ReminderDialog(QDialog):
    """The list for the store's next day (read, and audited, when the dialog opens)."""

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reminderDialog")
        self.setWindowTitle(_("Reminders"))
        self.resize(720, 460)
        self.ctx = ctx
        self.table_data: Table | None = None
        self.store_name = ""
        self.last_file: Path | None = None
        layout = QVBoxLayout(self)
        self.title = QLabel(self)
        self.title.setObjectName("reminderTitle")
        self.table = tables.table(self, [_("Time"), _("Client"), _("Phone"), _("Services"),
                                         _("Technician")], "reminderTable")
        self.summary = QLabel(self)
        self.summary.setObjectName("reminderSummary")
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.export_button = QPushButton(_("Export…"), self)
        self.export_button.setObjectName("reminderExport")
        self.pdf_button = QPushButton(_("PDF to print…"), self)
        self.pdf_button.setObjectName("reminderPdf")
        close = QPushButton(_("Close"), self)
        for button, role in ((self.export_button, QDialogButtonBox.ButtonRole.ActionRole),
                             (self.pdf_button, QDialogButtonBox.ButtonRole.ActionRole),
                             (close, QDialogButtonBox.ButtonRole.RejectRole)):
            buttons.addButton(button, role)
        self.export_button.clicked.connect(self.export)
        self.pdf_button.clicked.connect(self.pdf)
        close.clicked.connect(self.reject)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.export_button.setEnabled(False)
        self.pdf_button.setEnabled(False)

        def read() -> tuple[Table, str]:
            return appointments.reminder_table(ctx), str(ctx.setting("store.name") or "")

        Op(self, read).success(self._loaded).run_in_background()

    def _loaded(self, loaded: tuple[Table, str]) -> None:
        self.table_data, self.store_name = loaded
        self.title.setText(self.table_data.title)
        tables.fill(self.table, [[str(c) for c in row] for row in self.table_data.rows])
        self.summary.setText("" if self.table_data.rows else _("No bookings to remind."))
        # the spreadsheet export is a report export (a permission); the PDF is for printing
        self.export_button.setEnabled(self.ctx.actor is not None
                                      and self.ctx.actor.can(Permission.REPORTS_EXPORT))
        self.pdf_button.setEnabled(True)

    def export(self) -> None:
        table, ctx = self.table_data, self.ctx
        if table is None:
            return
        path = choose_save_path(self, _("Export reminders"), f"{table.title}.xlsx",
                                _("Excel workbook (*.xlsx);;CSV, UTF-8 (*.csv)"))
        if path is None:
            return
        Op(self, lambda: reports.export_table(ctx, table, path)).success(
            lambda rows: self._written(path, _("Exported {n} rows to {path}").format(
                n=rows, path=path))).run_in_background()

    def pdf(self) -> None:
        table, name = self.table_data, self.store_name
        if table is None:
            return
        path = choose_save_path(self, _("Reminders PDF"), f"{table.title}.pdf", "PDF (*.pdf)")
        if path is None:
            return
        Op(self, lambda: reminder_pdf(path, name, table), db=False).success(
            lambda _pages: self._written(path, _("Saved {path}").format(path=path))) \
            .run_in_background()

    def _written(self, path: Path, text: str) -> None:
        self.last_file = path
        self.summary.setText(text)
