"""Print jobs: a receipt to a printer address, with every failure as a :class:`PrinterError`.

Qt-free and blocking: the GUI runs :func:`print_receipt` on its printing worker, after the
sale is committed, and turns a :class:`PrinterError` into "retry / skip / reprint later";
the CLI runs it directly. Nothing but a :class:`PrinterError` ever leaves this module, so a
printer can never undo or block a sale.

Backends are python-escpos's printer classes, opened when the job starts and closed after:
``usb:`` Usb, ``serial:`` Serial, ``network:`` Network, ``win32:`` Win32Raw, ``file:`` File
(raw bytes; tests and diagnosis). Where the connection can answer (USB, serial, network) the
printer's paper sensor is read before and after the job (``DLE EOT 4`` through escpos's
``query_status``); a printer that does not answer is printed to anyway, and one that stops
taking data is caught by the backend's timeout or, failing that, by the job's deadline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from salondesk.devices.escpos_output import ChineseMode, escpos_module, render_receipt
from salondesk.devices.printer_uri import PrinterAddress, parse_printer_uri
from salondesk.devices.receipt import Receipt
from salondesk.errors import UserError, ValidationError
from salondesk.i18n import _

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0     # the whole job; a receipt is a few kB
CONNECT_TIMEOUT_S = 3.0      # network printers: "refuses or does not answer" within this
STATUS_TIMEOUT_S = 0.8       # how long to wait for a status byte before printing anyway
USB_WRITE_TIMEOUT_MS = 5000
DEADLINE_SLACK_S = CONNECT_TIMEOUT_S  # on top of ``timeout``, for connecting

# DLE EOT 4 (paper roll sensor) answers 0xx1xx10: bits 2-3 near end, bits 5-6 paper end.
_STATUS_FIXED_MASK, _STATUS_FIXED = 0x93, 0x12
_PAPER_END, _PAPER_NEAR_END = 0x60, 0x0C


class PrinterError(UserError):
    """The receipt was not (completely) printed; the message says why, for the cashier."""


class PrinterNotFound(PrinterError):
    """Wrong or unreachable address: no such USB device, file, port or host."""


class PrinterOffline(PrinterError):
    """The printer was reached but stopped taking data (off, cover open, cable pulled)."""


class PrinterOutOfPaper(PrinterError):
    """The paper sensor reports the roll is empty."""


def print_receipt(uri: str, receipt: Receipt, *, width_mm: int,
                  chinese_mode: ChineseMode | str, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Print ``receipt`` on the printer at ``uri`` (see :mod:`printer_uri`), laid out for
    ``width_mm`` (58 or 80) paper in ``chinese_mode`` (``gb18030`` or ``raster``).

    Blocks until the printer has taken the job, at most about ``timeout`` seconds. Raises
    only :class:`PrinterError` (one of its subclasses where the cause is known).
    """
    try:
        data = render_receipt(receipt, width_mm=width_mm, mode=chinese_mode)
    except Exception as exc:
        log.exception("receipt %s could not be rendered", receipt.receipt_no)
        raise PrinterError(_("The receipt could not be prepared for printing; the details "
                             "are in the log.")) from exc
    send_to_printer(uri, data, timeout=timeout)


def send_to_printer(uri: str, data: bytes, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
    """Send ready ESC/POS bytes to the printer at ``uri``; raises only :class:`PrinterError`."""
    try:
        address = parse_printer_uri(uri)
    except ValidationError as exc:
        raise PrinterNotFound(exc.message) from exc
    _with_deadline(lambda: _send(address, data, timeout), timeout + DEADLINE_SLACK_S,
                   address)


def _with_deadline(job: Callable[[], None], seconds: float, address: PrinterAddress) -> None:
    """Run ``job`` on a daemon thread and give up after ``seconds``: a file or a device can
    block a write for ever (a parallel port with no paper), and the cashier must get an
    answer. A job given up on stays blocked on its own thread until the OS lets go."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            job()
            outcome.append(None)
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append(exc)

    worker = threading.Thread(target=run, name="salondesk-print", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        log.warning("printer %s did not take the job within %.0f s", address.kind, seconds)
        raise PrinterOffline(_offline_message(address))
    error = outcome[0]
    if error is None:
        return
    if isinstance(error, PrinterError):
        raise error
    log.error("printing to a %s printer failed", address.kind, exc_info=error)
    raise PrinterError(_("The receipt could not be printed; the details are in the log.")
                       ) from error


def _describe(address: PrinterAddress) -> str:
    if address.kind == "usb":
        return f"{address.vendor_id or 0:04x}:{address.product_id or 0:04x}"
    if address.kind == "network":
        return f"{address.target}:{address.port}"
    return address.target


def _offline_message(address: PrinterAddress) -> str:
    return _("The printer {printer} stopped answering while printing: check that it is "
             "switched on, its cover closed and its cable in.").format(
                 printer=_describe(address))


def _open(address: PrinterAddress, timeout: float) -> Any:
    """The python-escpos printer for ``address``, connected; raises PrinterNotFound."""
    printers = escpos_module()
    printer: Any
    try:
        if address.kind == "file":
            printer = printers.File(devfile=address.target, auto_flush=False)
        elif address.kind == "network":
            printer = printers.Network(host=address.target, port=address.port or 9100,
                                       timeout=min(CONNECT_TIMEOUT_S, timeout))
        elif address.kind == "usb":
            printer = printers.Usb(idVendor=address.vendor_id, idProduct=address.product_id,
                                   timeout=USB_WRITE_TIMEOUT_MS)
        elif address.kind == "serial":
            printer = printers.Serial(devfile=address.target, baudrate=address.baud or 9600,
                                      timeout=STATUS_TIMEOUT_S)
        else:
            if not printers.Win32Raw.is_usable():
                raise PrinterNotFound(_("Windows printers (win32:) can only be used on "
                                        "Windows."))
            printer = printers.Win32Raw(printer_name=address.target)
        printer.open()
    except PrinterError:
        raise
    except Exception as exc:
        raise PrinterNotFound(_not_found_message(address, exc)) from exc
    if address.kind == "serial":
        # A serial printer that is off holds DSR low and the write would wait for ever.
        printer.device.write_timeout = timeout
    elif address.kind == "network":
        # Connecting must be quick; sending a raster receipt to a busy printer may not be
        # (Python's sendall timeout covers the whole send).
        printer.device.settimeout(timeout)
    return printer


def _not_found_message(address: PrinterAddress, exc: Exception) -> str:
    reason = _reason(exc)
    if address.kind == "file":
        return _("The printer file {path} cannot be written: {reason}").format(
            path=address.target, reason=reason)
    if address.kind == "network":
        return _("The printer at {address} does not answer: check that it is switched on "
                 "and that the address is right.").format(address=_describe(address))
    if address.kind == "usb":
        return _("No USB printer {device} is connected: check the cable and that the printer "
                 "is switched on.").format(device=_describe(address))
    if address.kind == "serial":
        return _("The serial port {port} cannot be opened: {reason}").format(
            port=address.target, reason=reason)
    return _("The Windows printer “{name}” cannot be opened: {reason}").format(
        name=address.target, reason=reason)


def _reason(exc: BaseException) -> str:
    # python-escpos wraps the OS error in its own; show the innermost one, on one line.
    inner: BaseException = exc
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    if isinstance(inner, OSError) and inner.strerror:
        return inner.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def paper_state(printer: Any, address: PrinterAddress) -> str | None:
    """``"ok"``, ``"near_end"`` or ``"out"`` from the printer's paper sensor, or None when
    the connection cannot read or the printer does not answer with a valid status byte."""
    if address.kind not in ("usb", "serial", "network"):
        return None
    from escpos.constants import RT_STATUS_PAPER

    device = printer.device
    previous = None
    try:
        if address.kind == "network":
            previous = device.gettimeout()
            device.settimeout(STATUS_TIMEOUT_S)
        answer = printer.query_status(RT_STATUS_PAPER)
    except (ConnectionError, EOFError) as exc:
        raise PrinterOffline(_offline_message(address)) from exc
    except Exception:  # no answer in time, or no way to read: print anyway
        log.debug("no paper status from the %s printer", address.kind, exc_info=True)
        return None
    finally:
        if previous is not None:
            device.settimeout(previous)
    if not answer or answer[0] & _STATUS_FIXED_MASK != _STATUS_FIXED:
        return None
    if answer[0] & _PAPER_END:
        return "out"
    if answer[0] & _PAPER_NEAR_END:
        return "near_end"
    return "ok"


def _send(address: PrinterAddress, data: bytes, timeout: float) -> None:
    printer = _open(address, timeout)
    try:
        if paper_state(printer, address) == "out":
            raise PrinterOutOfPaper(_("The printer is out of paper: load a new roll, then "
                                      "print again."))
        try:
            printer._raw(data)
            if address.kind == "file":
                printer.flush()
        except (TimeoutError, OSError) as exc:
            if address.kind == "file":
                raise PrinterNotFound(_not_found_message(address, exc)) from exc
            raise PrinterOffline(_offline_message(address)) from exc
        except Exception as exc:  # pyusb and pyserial errors are not all OSErrors
            if type(exc).__module__.split(".")[0] in ("usb", "serial"):
                raise PrinterOffline(_offline_message(address)) from exc
            raise
        after = paper_state(printer, address)
        if after == "out":
            raise PrinterOutOfPaper(_("The printer ran out of paper while printing: load a "
                                      "new roll and print the receipt again."))
        if after == "near_end":
            log.info("the %s printer's paper roll is nearly empty", address.kind)
    finally:
        try:
            printer.close()
        except Exception as exc:
            if address.kind == "file":
                # Closing flushes a file printer: an error here means the bytes are lost.
                _forget_file(printer)
                raise PrinterNotFound(_not_found_message(address, exc)) from exc
            log.debug("closing the %s printer failed", address.kind, exc_info=True)


def _forget_file(printer: Any) -> None:
    """Drop a file printer whose buffer could not be written (a full disk): python-escpos
    would flush it again when the object is collected and print a traceback at exit."""
    device = getattr(printer, "_device", None)
    if device:
        try:
            device.close()  # closes the file even when its last flush fails
        except Exception:
            log.debug("discarding the file printer's unwritten buffer", exc_info=True)
        printer._device = False
