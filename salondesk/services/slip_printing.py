"""Printing a report slip (Z report, shift handover) on the store's receipt printer."""

from __future__ import annotations

from salondesk.devices.printing import send_to_printer
from salondesk.devices.report_slip import Slip, render_slip
from salondesk.services.context import Ctx
from salondesk.services.receipt_printing import printer_settings


def print_slip(ctx: Ctx, slip: Slip, *, printer_uri: str | None = None) -> str:
    """Send ``slip`` to the store's receipt printer (or ``printer_uri``), laid out for its
    paper and Chinese mode; returns the printer's address. Raises PrinterError subclasses."""
    printer = printer_settings(ctx, printer_uri)
    send_to_printer(printer.uri, render_slip(slip, width_mm=printer.width_mm,
                                             mode=printer.chinese_mode))
    return printer.uri
