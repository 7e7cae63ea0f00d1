"""Printing a committed sale's receipt on the store's printer, and the record of each attempt.

Qt-free and blocking, for the GUI's printing worker and the CLI. The sale is committed before
anything here runs and nothing here writes to it: a printer failure is a
:class:`~salondesk.devices.printing.PrinterError` and the sale stays exactly as it was.

Each attempt is recorded as a ``receipt.print`` operation (its audit row names the sale and
says ``printed`` or ``failed`` with the reason, whether it was a reprint and which copy), so
reprints are counted. A receipt is printed as a reprint (marked 重打 / REPRINT, the drawer
stays shut) when the caller asks for one or when a copy of it was already printed.

In three steps for a GUI that reads on its database worker and prints on another thread
(:func:`prepare_print`, :func:`send`, :func:`record_print`), or all at once
(:func:`print_sale_receipt`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy import select

from salondesk.devices.printing import DEFAULT_TIMEOUT_S, PrinterError, PrinterNotFound
from salondesk.devices.printing import print_receipt as send_receipt
from salondesk.devices.receipt import Receipt
from salondesk.errors import UserError
from salondesk.i18n import _
from salondesk.ids import OpId, new_op_id
from salondesk.services.context import Ctx
from salondesk.services.receipts import sale_receipt
from salondesk.services.unit_of_work import Tx, run_operation
from salondesk.store.schema import AuditEntry

log = logging.getLogger(__name__)

ACTION = "receipt.print"
PRINTED, FAILED = "printed", "failed"
DEFAULT_WIDTH_MM, DEFAULT_MODE = 80, "gb18030"


@dataclass(frozen=True)
class PrinterSettings:
    uri: str
    width_mm: int = DEFAULT_WIDTH_MM
    chinese_mode: str = DEFAULT_MODE


@dataclass(frozen=True)
class PrintJob:
    """One receipt ready to send: the receipt, where to, and which copy this is."""

    sale_id: str
    receipt: Receipt
    printer: PrinterSettings
    copy: int  # 1: the first paper copy of this receipt; 2 and up: reprints

    @property
    def reprint(self) -> bool:
        return self.receipt.reprint

    @property
    def opens_drawer(self) -> bool:
        return self.receipt.opens_drawer


@dataclass(frozen=True)
class PrintOutcome:
    receipt_no: str
    copy: int
    reprint: bool
    drawer_opened: bool


def printer_settings(ctx: Ctx, uri: str | None = None) -> PrinterSettings:
    """The store's receipt printer (``uri`` overrides its address); PrinterNotFound when the
    store has none set up and no ``uri`` is given."""
    configured = ctx.setting("printer.uri") or ""
    target = (uri or str(configured)).strip()
    if not target:
        raise PrinterNotFound(_("No receipt printer is set up: enter its address in the "
                                "settings, or give one with --printer."))
    width = ctx.setting("printer.width_mm") or DEFAULT_WIDTH_MM
    mode = ctx.setting("printer.chinese_mode") or DEFAULT_MODE
    return PrinterSettings(uri=target, width_mm=int(str(width)), chinese_mode=str(mode))


def copies_printed(ctx: Ctx, sale_id: str) -> int:
    """How many paper copies of this sale's receipt were printed (reprints included)."""
    with ctx.db.read() as s:
        details = s.scalars(select(AuditEntry.detail).where(
            AuditEntry.target_type == "sale", AuditEntry.target_id == sale_id,
            AuditEntry.action == ACTION, AuditEntry.outcome == "ok"))
        return sum(1 for d in details if json.loads(d or "{}").get("outcome") == PRINTED)


def prepare_print(ctx: Ctx, sale_id: str, *, reprint: bool = False,
                  printer_uri: str | None = None) -> PrintJob:
    """Read what to print (a database read, nothing written). A receipt that already came out
    of the printer once is printed as a reprint whatever ``reprint`` says."""
    printer = printer_settings(ctx, printer_uri)
    done = copies_printed(ctx, sale_id)
    receipt = sale_receipt(ctx, sale_id, reprint=reprint or done > 0)
    return PrintJob(sale_id=sale_id, receipt=receipt, printer=printer, copy=done + 1)


def send(job: PrintJob, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Send the job to its printer (no database); raises only PrinterError."""
    send_receipt(job.printer.uri, job.receipt, width_mm=job.printer.width_mm,
                 chinese_mode=job.printer.chinese_mode, timeout=timeout)


def record_print(ctx: Ctx, job: PrintJob, *, error: PrinterError | None = None,
                 op_id: OpId) -> None:
    """Record one print attempt (printed, or failed with ``error``) as an audited operation.

    Never touches the sale. A failure to record is logged, not raised: the paper is out (or
    not) whatever the log says, and the cashier must not be told otherwise.
    """
    detail = {"outcome": FAILED if error else PRINTED, "receipt_no": job.receipt.receipt_no,
              "reprint": job.reprint, "copy": job.copy, "printer": job.printer.uri.split(":")[0],
              "drawer": bool(job.opens_drawer and error is None)}
    if error is not None:
        detail["reason"] = type(error).__name__
        detail["message"] = error.message[:200]

    def body(tx: Tx) -> None:
        tx.audit(target_type="sale", target_id=job.sale_id, detail=detail)

    try:
        run_operation(ctx, ACTION, body, op_id=op_id)
    except UserError:
        log.warning("the print of receipt %s could not be recorded", job.receipt.receipt_no,
                    exc_info=True)


def print_sale_receipt(ctx: Ctx, sale_id: str, *, reprint: bool = False,
                       printer_uri: str | None = None, op_id: OpId | None = None,
                       timeout: float = DEFAULT_TIMEOUT_S) -> PrintOutcome:
    """Print the receipt of sale (void, refund) ``sale_id`` on the store's printer, or on
    ``printer_uri``; the drawer opens on a first print with cash. Records the attempt.

    Raises PrinterError when the receipt did not (completely) print - the sale is untouched
    and can be printed again - and NotFound/PermissionDenied from reading the sale.
    """
    job = prepare_print(ctx, sale_id, reprint=reprint, printer_uri=printer_uri)
    try:
        send(job, timeout=timeout)
    except PrinterError as exc:
        record_print(ctx, job, error=exc, op_id=op_id or new_op_id())
        raise
    record_print(ctx, job, op_id=op_id or new_op_id())
    return PrintOutcome(receipt_no=job.receipt.receipt_no, copy=job.copy, reprint=job.reprint,
                        drawer_opened=job.opens_drawer)
