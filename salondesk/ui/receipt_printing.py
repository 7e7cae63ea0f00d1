"""Printing a committed sale's receipt without ever holding up the counter.

The sale is committed before anything here runs. The receipt is built on the database worker
and sent to the printer on the jobs pool (:class:`~salondesk.ui.ops.Op` with ``db=False``),
so the screen is free for the next customer at once. A :class:`PrinterError` shows the
:class:`PrintBar` - a bar, not a dialog - with Retry, Skip and Reprint later; the sale stays
committed whatever the cashier picks, and a receipt can be reprinted (marked as a reprint)
from the recent-sales dialog.

The work itself is :mod:`salondesk.services.receipt_printing` in its three steps (read the
receipt, send it, record the attempt): the same paper, and the same audit of every copy, as
a reprint from the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from salondesk.devices.printing import PrinterError
from salondesk.i18n import _
from salondesk.ids import new_op_id
from salondesk.services import receipt_printing as printing
from salondesk.services.context import Ctx
from salondesk.services.receipts import rule_label
from salondesk.ui import messages
from salondesk.ui.ops import Op


def step_label(step: str, rule_names: Sequence[str] = ()) -> str:
    """A pricing step's name on screen; the price rules' step is named by the rules that
    applied (会员日九折) when they are given."""
    if step == "rule" and rule_names:
        return rule_label(rule_names)
    return {"tier": _("Member discount"), "rule": _("Promotion"), "coupon": _("Coupon"),
            "manual": _("Manual discount"), "points": _("Points offset"),
            "rounding": _("Rounding")}.get(step, step)


@dataclass(frozen=True)
class PrintJob:
    """What the counter asks for: the receipt of ``sale_id``, first print or reprint."""

    sale_id: str
    receipt_label: str
    reprint: bool = False


def prepare(ctx: Ctx, job: PrintJob) -> printing.PrintJob | None:
    """The receipt and the printer (on the database worker); None: no printer is set up."""
    if not str(ctx.setting("printer.uri") or "").strip():
        return None
    return printing.prepare_print(ctx, job.sale_id, reprint=job.reprint)


class ReceiptPrinter(QObject):
    """Runs print jobs off the GUI thread - read and record on the database worker, send on
    the jobs pool - and reports how each ended. Every attempt is recorded (audited) by
    :func:`salondesk.services.receipt_printing.record_print`."""

    failed = Signal(object, str)     # PrintJob, the cashier's message
    no_printer = Signal(str)         # receipt label

    def __init__(self, ctx: Ctx, parent: QWidget) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._owner = parent
        self.busy = 0

    def start(self, job: PrintJob) -> None:
        ctx = self._ctx
        self.busy += 1
        Op(self._owner, lambda: prepare(ctx, job)).success(
            lambda prepared: self._send(job, prepared)).failure(
            lambda exc: self._failed(job, exc)).run_in_background()

    def _send(self, job: PrintJob, prepared: printing.PrintJob | None) -> None:
        if prepared is None:
            self.busy -= 1
            self.no_printer.emit(job.receipt_label)
            return
        Op(self._owner, lambda: printing.send(prepared), db=False).success(
            lambda _none: self._record(job, prepared, None)).failure(
            lambda exc: self._record(job, prepared, exc)).run_in_background()

    def _record(self, job: PrintJob, prepared: printing.PrintJob,
                error: BaseException | None) -> None:
        ctx, op_id = self._ctx, new_op_id()
        printer_error = error if isinstance(error, PrinterError) else None

        def done() -> None:
            if error is None:
                self.busy -= 1
            else:
                self._failed(job, error)

        Op(self._owner, lambda: printing.record_print(ctx, prepared, error=printer_error,
                                                      op_id=op_id)).finished(done) \
            .failure(lambda _exc: None).run_in_background()

    def _failed(self, job: PrintJob, exc: BaseException) -> None:
        self.busy -= 1
        text = messages.describe(exc) if isinstance(exc, PrinterError) else \
            _("The receipt could not be printed: {why}").format(why=messages.describe(exc))
        self.failed.emit(job, text)


class PrintBar(QFrame):
    """The non-blocking bar under the cart when a receipt did not print."""

    def __init__(self, parent: QWidget, retry: Callable[[PrintJob], None],
                 later: Callable[[PrintJob], None]) -> None:
        super().__init__(parent)
        self.setObjectName("printBar")
        self.setStyleSheet("#printBar { background: #fff4e0; border: 1px solid #e0a040;"
                           " border-radius: 4px; }")
        self.job: PrintJob | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel(self)
        self.label.setObjectName("printBarText")
        self.label.setWordWrap(True)
        self.retry_button = QPushButton(_("Retry"), self)
        self.retry_button.setObjectName("printRetry")
        self.skip_button = QPushButton(_("Skip"), self)
        self.skip_button.setObjectName("printSkip")
        self.later_button = QPushButton(_("Reprint later"), self)
        self.later_button.setObjectName("printLater")
        row.addWidget(self.label, 1)
        for button in (self.retry_button, self.skip_button, self.later_button):
            row.addWidget(button)
        self.retry_button.clicked.connect(lambda: self._act(retry))
        self.later_button.clicked.connect(lambda: self._act(later))
        self.skip_button.clicked.connect(lambda: self._act(None))
        self.hide()

    def show_failure(self, job: PrintJob, text: str) -> None:
        self.job = job
        self.label.setText(_("Receipt {no} was not printed; the sale is saved.").format(
            no=job.receipt_label) + "\n" + text)
        self.show()

    def _act(self, action: Callable[[PrintJob], None] | None) -> None:
        job, self.job = self.job, None
        self.hide()
        if job is not None and action is not None:
            action(job)
