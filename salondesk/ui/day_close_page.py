"""The shift (交班) and day-close (日结) panels of the reports area.

Both show their figures as the same :class:`~salondesk.devices.report_slip.Slip` the
receipt printer and the PDF get (:mod:`salondesk.documents.day_reports`), so what the
manager reads on screen is what is printed. Every service call runs through
:class:`~salondesk.ui.ops.Op`; printing reads the printer's settings on the database worker
and sends the bytes on the jobs pool, so a slow printer never holds up the store.

Closing the day needs ``DAY_CLOSE``. It cannot be lent by PIN like a refund: a manager signs
in for this one action (:class:`ManagerSignIn`), so the Z report names who really closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from salondesk.devices.printing import send_to_printer
from salondesk.devices.report_slip import Slip, render_slip
from salondesk.documents import day_reports
from salondesk.documents.day_reports import ordered_tenders
from salondesk.domain.permissions import Permission
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import auth, day_close, shifts
from salondesk.services.context import Ctx
from salondesk.services.day_close import ZResult
from salondesk.services.receipt_printing import printer_settings
from salondesk.services.receipts import tender_label
from salondesk.services.shifts import Handover
from salondesk.services.store_setup import OpenStore
from salondesk.ui import messages, tables
from salondesk.ui.approval import ApprovalDialog
from salondesk.ui.bar_chart import BarChart
from salondesk.ui.ops import Op
from salondesk.ui.save_file import choose_save_path
from salondesk.ui.shift_dialogs import CashMoveDialog, CloseShiftDialog, OpenShiftDialog, money


def busy_bar(parent: QWidget, name: str) -> QProgressBar:
    """An indeterminate bar shown while work runs off the GUI thread."""
    bar = QProgressBar(parent)
    bar.setObjectName(name)
    bar.setRange(0, 0)
    bar.setMaximumHeight(10)
    bar.setTextVisible(False)
    bar.hide()
    return bar


def button(parent: QWidget, text: str, name: str, slot: Callable[[], object]) -> QPushButton:
    """A push button named for tests that calls ``slot`` (without the checked flag)."""
    made = QPushButton(text, parent)
    made.setObjectName(name)
    made.clicked.connect(lambda _checked=False: slot())
    return made


class SlipView(QTableWidget):
    """A slip as a two-column table: section titles in bold, amounts to the right."""

    def __init__(self, parent: QWidget, name: str) -> None:
        super().__init__(0, 2, parent)
        tables.rows_only(self, name)
        self.horizontalHeader().hide()
        self.horizontalHeader().setStretchLastSection(False)
        self.setColumnWidth(0, 360)
        self.setColumnWidth(1, 160)
        self.setShowGrid(False)
        self.slip: Slip | None = None

    def show_slip(self, slip: Slip) -> None:
        self.slip = slip
        rows: list[tuple[str, str, bool]] = [(label, value, False) for label, value in slip.meta]
        for section in slip.sections:
            rows.append((section.title, "", True))
            rows += [("    " + label, value, False) for label, value in section.rows]
        rows += [(line, "", False) for line in slip.footer]
        self.setRowCount(len(rows))
        for i, (label, value, heading) in enumerate(rows):
            left, right = QTableWidgetItem(label), QTableWidgetItem(value)
            right.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if heading:
                font = left.font()
                font.setBold(True)
                left.setFont(font)
            self.setItem(i, 0, left)
            self.setItem(i, 1, right)

    def value_of(self, label: str) -> str | None:
        """The value on the first row labelled ``label`` (tests and screen readers)."""
        for i in range(self.rowCount()):
            item = self.item(i, 0)
            if item is not None and item.text().strip() == label:
                value = self.item(i, 1)
                return value.text() if value is not None else ""
        return None


def print_slip(parent: QWidget, ctx: Ctx, slip: Slip, done: Callable[[str], object]) -> None:
    """Print ``slip`` on the store's receipt printer; ``done`` gets the printer's address."""
    def send(printer: Any) -> None:
        data = render_slip(slip, width_mm=printer.width_mm, mode=printer.chinese_mode)
        Op(parent, lambda: send_to_printer(printer.uri, data), db=False) \
            .success(lambda _r: done(printer.uri)).run_in_background()

    Op(parent, lambda: printer_settings(ctx)).success(send).run_in_background()


def save_pdf(parent: QWidget, title: str, suggested: str, write: Callable[[Path], int],
             done: Callable[[Path], object]) -> None:
    """Ask where, then write the PDF on the jobs pool; ``done`` gets the path written."""
    path = choose_save_path(parent, title, suggested, _("PDF (*.pdf)"))
    if path is None:
        return
    Op(parent, lambda: write(path), db=False).success(lambda _pages: done(path)) \
        .run_in_background()


class ShiftPanel(QWidget):
    """The open shift's figures and the buttons to open, move petty cash, close and print."""

    changed = Signal()

    def __init__(self, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shiftPanel")
        self.ctx = ctx
        self.current: Handover | None = None
        self.shown: Handover | None = None      # the open shift, else the one just closed
        self.store_name = ""
        self.dialog: Any = None
        layout = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setObjectName("shiftStatus")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.open_button = button(self, _("Open shift"), "openShiftButton", self.open_shift)
        self.cash_button = button(self, _("Petty cash"), "pettyCashButton", self.petty_cash)
        self.close_button = button(self, _("Close shift"), "closeShiftButton", self.close_shift)
        self.print_button = button(self, _("Print handover slip"), "printHandoverButton",
                                         self.print_handover)
        self.pdf_button = button(self, _("Save handover PDF"), "handoverPdfButton",
                                       self.save_handover_pdf)
        for b in (self.open_button, self.cash_button, self.close_button, self.print_button,
                  self.pdf_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.busy = busy_bar(self, "shiftBusy")
        self.view = SlipView(self, "handoverView")
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.busy)
        layout.addWidget(self.view, 1)
        self._enable()
        self.refresh()

    def refresh(self) -> None:
        ctx = self.ctx

        def load() -> tuple[Handover | None, str]:
            return shifts.current(ctx), str(ctx.setting("store.name") or "")

        self.busy.show()
        Op(self, load).success(self._loaded).finished(self.busy.hide).run_in_background()

    def _loaded(self, result: tuple[Handover | None, str]) -> None:
        self.current, self.store_name = result
        if self.current is not None:
            self._show(self.current)
        elif self.shown is None:
            self.status.setText(_("No shift is open. Open one with the float in the drawer."))
            self.view.setRowCount(0)
        self._enable()

    def _show(self, h: Handover) -> None:
        self.shown = h
        if h.closed:
            self.status.setText(_("Shift {n} is closed; variance {amount}.").format(
                n=h.shift_no, amount=money(h.variance_fen or 0)))
        else:
            self.status.setText(_("Shift {n} is open since {time} ({name}); the drawer should "
                                  "hold {amount}.").format(
                n=h.shift_no, time=h.opened_at[11:16], name=h.opened_by,
                amount=money(h.expected.get("cash", 0))))
        self.view.show_slip(day_reports.handover_slip(self.store_name, h))

    def _enable(self) -> None:
        is_open = self.current is not None
        self.open_button.setEnabled(not is_open)
        self.cash_button.setEnabled(is_open)
        self.close_button.setEnabled(is_open)
        self.print_button.setEnabled(self.shown is not None)
        self.pdf_button.setEnabled(self.shown is not None)

    def _after(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.done_ok.connect(self._done)
        dialog.open()

    def _done(self) -> None:
        result = getattr(self.dialog, "result_value", None)
        if isinstance(result, Handover):
            self.current = None if result.closed else result
            self._show(result)
        self._enable()
        self.refresh()
        self.changed.emit()

    def open_shift(self) -> None:
        self._after(OpenShiftDialog(self.ctx, self))

    def petty_cash(self) -> None:
        self._after(CashMoveDialog(self.ctx, self))

    def close_shift(self) -> None:
        ctx = self.ctx

        def load() -> tuple[Handover | None, int]:
            threshold = ctx.setting(shifts.VARIANCE_SETTING,
                                    shifts.DEFAULT_VARIANCE_THRESHOLD_FEN)
            return shifts.current(ctx), int(str(threshold))

        Op(self, load).success(self._count).run_in_background()

    def _count(self, result: tuple[Handover | None, int]) -> None:
        figures, threshold = result
        if figures is None:
            messages.warn(self, _("No shift is open."))
            self.refresh()
            return
        self._after(CloseShiftDialog(self.ctx, figures, threshold_fen=threshold, parent=self))

    def print_handover(self) -> None:
        if self.shown is None:
            return
        slip = day_reports.handover_slip(self.store_name, self.shown)
        print_slip(self, self.ctx, slip, lambda uri: self.status.setText(
            _("The handover slip went to {printer}.").format(printer=uri)))

    def save_handover_pdf(self) -> None:
        h, store = self.shown, self.store_name
        if h is None:
            return
        save_pdf(self, _("Save handover PDF"),
                 f"handover-{h.business_day}-{h.shift_no}.pdf",
                 lambda path: day_reports.handover_pdf(path, store, h),
                 lambda path: self.status.setText(_("Saved {path}").format(path=path)))


class ManagerSignIn(ApprovalDialog):
    """A manager signs in for one action the signed-in person may not do (closing the day);
    emits ``approved`` with a context acting as that manager."""

    def _try_accept(self) -> None:
        problem = self.problem()
        if problem:
            self._say(problem)
            return
        ctx, permission = self._ctx, self.permission
        name, pin = self.name_combo.currentText().strip(), self.pin_edit.text()

        def sign_in() -> Ctx:
            manager = auth.login(ctx, name, pin)
            if manager.actor is None or not manager.actor.can(permission):
                from salondesk.errors import PermissionDenied

                raise PermissionDenied(_("{name} may not approve this.").format(name=name))
            return manager

        self.buttons.setEnabled(False)
        Op(self, sign_in).success(self._signed_in).failure(self._refused) \
            .finished(lambda: self.buttons.setEnabled(True)).run_in_background()

    def _signed_in(self, manager: Ctx) -> None:
        self.accept()
        self.approved.emit(manager)


class DayClosePanel(QWidget):
    """The Z report of a business day (live while open), closing it, printing and the PDF."""

    closed = Signal(object)  # ZResult

    def __init__(self, store: OpenStore, ctx: Ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayClosePanel")
        self.store = store
        self.ctx = ctx
        assert ctx.actor is not None
        # a cashier may not read the Z report: a manager signs in to preview and close
        self.can_view = ctx.actor.can(Permission.REPORTS_VIEW)
        self.z: ZResult | None = None
        self.sign_in: ManagerSignIn | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.day_edit = QDateEdit(self)
        self.day_edit.setObjectName("zDay")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_edit.dateChanged.connect(lambda _d: self.refresh())
        self.refresh_button = button(self, _("Refresh"), "refreshZButton", self.refresh)
        self.close_button = button(self, _("Close the day"), "closeDayButton", self.close_day)
        self.print_button = button(self, _("Print Z report"), "printZButton", self.print_z)
        self.pdf_button = button(self, _("Save Z report PDF"), "zPdfButton", self.save_z_pdf)
        top.addWidget(QLabel(_("Business day"), self))
        top.addWidget(self.day_edit)
        for b in (self.refresh_button, self.close_button, self.print_button, self.pdf_button):
            top.addWidget(b)
        top.addStretch(1)
        self.status = QLabel(self)
        self.status.setObjectName("zStatus")
        self.status.setWordWrap(True)
        self.busy = busy_bar(self, "zBusy")
        self.view = SlipView(self, "zView")
        self.tender_chart = BarChart(self, "zTenderChart")
        self.performance_chart = BarChart(self, "zPerformanceChart")
        body = QHBoxLayout()
        body.addWidget(self.view, 3)
        charts = QVBoxLayout()
        charts.addWidget(self.tender_chart)
        charts.addWidget(self.performance_chart)
        charts.addStretch(1)
        body.addLayout(charts, 2)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.busy)
        layout.addLayout(body, 1)
        self._enable()
        # Loaded when first shown: every Z read is audited, and nobody should leave an audit
        # row (or a query) behind just by signing in.
        self._stale = True
        self._dated = False

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._dated:
            self._dated = True
            ctx = self.ctx
            Op(self, lambda: day_close.business_today(ctx)).success(self._today) \
                .run_in_background()
        elif self._stale:
            self.refresh()

    def _today(self, day: dt.date) -> None:
        self.day_edit.setMaximumDate(QDate(day.year, day.month, day.day))
        if self.day_edit.date() == QDate(day.year, day.month, day.day):
            self.refresh()
        else:
            self.day_edit.setDate(QDate(day.year, day.month, day.day))

    def day(self) -> dt.date:
        d = self.day_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def refresh(self) -> None:
        """Read the Z of the chosen day now if the panel is on screen, else when it is."""
        if not self.isVisible() or not self._dated:
            self._stale = True
            return
        self._stale = False
        ctx, day = self.ctx, self.day()
        if not self.can_view:
            self.status.setText(_("Closing the day needs a manager: press \"Close the day\" "
                                  "and the manager signs in to see the Z report and close it."))
            self._enable()
            return
        self.busy.show()
        Op(self, lambda: day_close.z_report(ctx, day)).success(self._show) \
            .finished(self.busy.hide).run_in_background()

    def _show(self, z: ZResult) -> None:
        if z.day != self.day().isoformat():
            return  # an older answer for a day no longer chosen
        self.z = z
        if z.closed:
            self.status.setText(_("{day} is closed ({time}, {name}).").format(
                day=z.day, time=str(z.closed_at_local or z.closed_at)[:16].replace("T", " "),
                name=z.closed_by or ""))
        else:
            self.status.setText(_("{day} is open: these are the figures so far (preview).")
                                .format(day=z.day))
        self.view.show_slip(day_reports.z_slip(z))
        f = z.figures
        self.tender_chart.set_bars(_("Takings by tender"), [
            (tender_label(k), v)
            for k, v in ordered_tenders(f["sales"]["tenders"]) if v > 0], money=True)
        self.performance_chart.set_bars(_("Performance"), [
            (_("Cash takings"), f["cash_performance_fen"]),
            (_("Consumed value"), f["consumption_fen"])], money=True)
        self._enable()

    def _enable(self) -> None:
        z = self.z
        self.close_button.setEnabled((z is not None and not z.closed)
                                     or (z is None and not self.can_view))
        self.print_button.setEnabled(z is not None)
        self.pdf_button.setEnabled(z is not None)

    def close_day(self) -> None:
        if self.z is not None and self.z.closed:
            return
        actor = self.ctx.actor
        assert actor is not None
        if actor.can(Permission.DAY_CLOSE) and self.z is not None:
            self._confirm_close(self.z, self.ctx)
            return
        self.sign_in = ManagerSignIn(self.ctx, Permission.DAY_CLOSE, self)
        self.sign_in.setWindowTitle(_("A manager closes the day"))
        self.sign_in.approved.connect(self._manager_signed_in)
        self.sign_in.open()

    def _manager_signed_in(self, manager: Ctx) -> None:
        """The manager's own view of the Z first, then their confirmation; the panel itself
        stays the signed-in person's (the manager's context is used for this close only)."""
        day = self.day()
        self.busy.show()
        Op(self, lambda: day_close.z_report(manager, day)) \
            .success(lambda z: self._confirm_close(z, manager)) \
            .finished(self.busy.hide).run_in_background()

    def _confirm_close(self, z: ZResult, ctx: Ctx) -> None:
        self._show(z)
        if z.closed:
            return
        if messages.confirm(self, _("Close {day}? No sale of that day can be voided "
                                    "afterwards.").format(day=z.day)):
            self._run_close(ctx)

    def _run_close(self, ctx: Ctx) -> None:
        day, data_dir, op_id = self.day(), self.store.data_dir, new_op_id()
        self.close_button.setEnabled(False)
        self.busy.show()
        Op(self, lambda: day_close.close_day(ctx, day=day, data_dir=data_dir, op_id=op_id)) \
            .success(self._closed).finished(self._close_finished).run_in_background()

    def _close_finished(self) -> None:
        self.busy.hide()
        self._enable()

    def _closed(self, z: ZResult) -> None:
        self._show(z)
        if z.backup_file:
            path = self.store.data_dir.backups_dir / z.backup_file
            messages.inform(self, _("{day} is closed. The automatic backup is in {path}.")
                            .format(day=z.day, path=path))
        else:
            messages.warn(self, _("{day} is closed, but the automatic backup failed: {reason}")
                          .format(day=z.day, reason=z.backup_error or ""))
        self.closed.emit(z)

    def print_z(self) -> None:
        if self.z is None:
            return
        print_slip(self, self.ctx, day_reports.z_slip(self.z), lambda uri: self.status.setText(
            _("The Z report went to {printer}.").format(printer=uri)))

    def save_z_pdf(self) -> None:
        z = self.z
        if z is None:
            return
        save_pdf(self, _("Save Z report PDF"), f"z-report-{z.day}.pdf",
                 lambda path: day_reports.z_pdf(path, z),
                 lambda path: self.status.setText(_("Saved {path}").format(path=path)))
