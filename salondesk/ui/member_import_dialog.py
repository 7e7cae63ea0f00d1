"""Importing members from another system: pick a CSV/XLSX file, see the preview (detected
encoding, which column became which field, the first rows, the rejected rows with reasons),
then import with visible progress and see how many were imported and rejected.

The preview and the import run off the GUI thread. The import is one operation (all valid
rows in one transaction, DESIGN.md §2.3), so its progress is shown as busy rather than as a
percentage the core cannot report.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from salondesk.domain.member_import import FIELDS, ImportRow, Parsed
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import member_import
from salondesk.services.context import Ctx
from salondesk.services.member_import import ImportResult
from salondesk.ui import messages
from salondesk.ui.ops import Op
from salondesk.ui.tables import fill, table

PREVIEW_ROWS = 20


def field_labels() -> dict[str, str]:
    return {"card_code": _("Card no."), "name": _("Name"), "phone": _("Phone"),
            "gender": _("Gender"), "birthday": _("Birthday"), "tier": _("Tier"),
            "principal": _("Balance (principal)"), "bonus": _("Bonus"), "points": _("Points"),
            "opened_at": _("Joined"), "notes": _("Notes")}


def choose_import_file(parent: QWidget) -> Path | None:
    """Ask for the file to import (tests replace this function)."""
    chosen, _filter = QFileDialog.getOpenFileName(
        parent, _("Import members"), "", _("Member lists (*.csv *.xlsx)"))
    return Path(chosen) if chosen else None


def _cells(row: ImportRow) -> list[str]:
    return [row.card_code or "", row.name, row.phone or "",
            {"F": _("Female"), "M": _("Male")}.get(row.gender or "", ""),
            row.birthday.isoformat() if row.birthday else "", row.tier or "",
            str(Money(row.principal_fen)) if row.principal_fen else "",
            str(Money(row.bonus_fen)) if row.bonus_fen else "",
            str(row.points) if row.points else "",
            row.opened_at.isoformat() if row.opened_at else "", row.notes]


class MemberImportDialog(QDialog):
    """File -> preview -> import -> counts."""

    previewed = Signal()
    imported = Signal(int)

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberImportDialog")
        self.setWindowTitle(_("Import members"))
        self.resize(980, 640)
        self._ctx = ctx
        self.path: Path | None = None
        self.parsed: Parsed | None = None
        self.result_value: ImportResult | None = None
        self._op_id = new_op_id()
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText(_("A CSV (UTF-8 or GBK) or XLSX file"))
        self.choose_button = QPushButton(_("Choose file..."), self)
        self.choose_button.setObjectName("chooseImportFile")
        self.choose_button.clicked.connect(self.choose)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.choose_button)
        layout.addLayout(row)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("importSummary")
        self.summary_label.setWordWrap(True)
        self.mapping_label = QLabel(self)
        self.mapping_label.setObjectName("importMapping")
        self.mapping_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.mapping_label)
        labels = field_labels()
        layout.addWidget(QLabel(_("First rows as they will be imported"), self))
        self.rows_table: QTableWidget = table(self, [labels[f] for f in FIELDS], "importRows")
        layout.addWidget(self.rows_table, 3)
        self.rejected_title = QLabel(_("Rejected rows"), self)
        layout.addWidget(self.rejected_title)
        self.rejected_table: QTableWidget = table(
            self, [_("Row"), _("Reason"), _("As in the file")], "importRejected")
        layout.addWidget(self.rejected_table, 2)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton(_("Import"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("runImport")
        self.close_button = self.buttons.addButton(_("Close"),
                                                   QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.run_import)
        self.close_button.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

    def choose(self) -> None:
        path = choose_import_file(self)
        if path is not None:
            self.preview(path)

    def preview(self, path: Path) -> None:
        """Read and check ``path`` off the GUI thread; nothing is changed."""
        self.path = path
        self.parsed = None
        self.path_edit.setText(str(path))
        self.import_button.setEnabled(False)
        self.summary_label.setText(_("Reading {name}...").format(name=path.name))
        self._busy(True)
        ctx = self._ctx
        Op(self, lambda: member_import.preview_import(ctx, path)).success(self._show) \
            .failure(self._failed).finished(lambda: self._busy(False)).run_in_background()

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy or self.result_value is not None)
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setValue(0 if busy or self.result_value is None else 1)
        self.choose_button.setEnabled(not busy)

    def _failed(self, exc: BaseException) -> None:
        self.summary_label.setText(messages.describe(exc))

    def _show(self, parsed: Parsed) -> None:
        self.parsed = parsed
        labels = field_labels()
        self.summary_label.setText(_(
            "Encoding: {enc}. {ok} rows can be imported, {bad} will be rejected.").format(
            enc=parsed.encoding or "xlsx", ok=len(parsed.rows), bad=len(parsed.rejected)))
        mapped = [f"{parsed.headers[i]} → {labels.get(f, f)}"
                  for f, i in sorted(parsed.mapping.items(), key=lambda kv: kv[1])]
        unused = [h for i, h in enumerate(parsed.headers) if i not in parsed.mapping.values()]
        text = _("Columns: {cols}").format(cols="；".join(mapped))
        if unused:
            text += "\n" + _("Not imported: {cols}").format(cols="、".join(unused))
        self.mapping_label.setText(text)
        fill(self.rows_table, [_cells(r) for r in parsed.rows[:PREVIEW_ROWS]])
        fill(self.rejected_table, [[str(r.line), r.reason, " | ".join(r.raw)]
                                   for r in parsed.rejected])
        self.rejected_title.setText(_("Rejected rows ({n})").format(n=len(parsed.rejected)))
        self.import_button.setEnabled(bool(parsed.rows))
        self.previewed.emit()

    def run_import(self) -> None:
        if self.path is None or self.parsed is None:
            return
        ctx, path, op_id = self._ctx, self.path, self._op_id
        self.import_button.setEnabled(False)
        self.summary_label.setText(_("Importing {n} members...").format(n=len(self.parsed.rows)))
        self._busy(True)
        Op(self, lambda: member_import.import_members(ctx, path, op_id=op_id)).success(
            self._imported).failure(self._import_failed).finished(
            lambda: self._busy(False)).run_in_background()

    def _import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self._failed(exc)

    def _imported(self, result: ImportResult) -> None:
        self.result_value = result
        text = _("Imported {ok} members; {bad} rows rejected.").format(
            ok=result.imported, bad=result.rejected)
        if result.principal_fen or result.bonus_fen:
            text += " " + _("Opening balances: {p} principal, {b} bonus; {pts} points.").format(
                p=Money(result.principal_fen), b=Money(result.bonus_fen), pts=result.points)
        if result.report_path is not None:
            text += "\n" + _("The rejected rows and their reasons are in {path}.").format(
                path=result.report_path)
        self.summary_label.setText(text)
        self.close_button.setText(_("Done"))
        self.imported.emit(result.imported)
