"""Printer addresses as the IT helper types them."""

from __future__ import annotations

import pytest

from salondesk.devices.printer_uri import PrinterAddress, parse_printer_uri
from salondesk.errors import ValidationError


@pytest.mark.parametrize(("uri", "expected"), [
    ("usb:0416:5011", PrinterAddress("usb", "0416:5011", vendor_id=0x0416, product_id=0x5011)),
    ("USB:0x04b8:0x0202", PrinterAddress("usb", "0x04b8:0x0202", vendor_id=0x04B8,
                                         product_id=0x0202)),
    ("serial:/dev/ttyUSB0:9600", PrinterAddress("serial", "/dev/ttyUSB0", baud=9600)),
    ("serial:COM3:115200", PrinterAddress("serial", "COM3", baud=115200)),
    ("network:192.168.1.50:9100", PrinterAddress("network", "192.168.1.50", port=9100)),
    ("network:printer.local", PrinterAddress("network", "printer.local", port=9100)),
    ("win32:XP-58 (copy 1)", PrinterAddress("win32", "XP-58 (copy 1)")),
    ("file:/tmp/receipts.bin", PrinterAddress("file", "/tmp/receipts.bin")),
])
def test_printer_uri_parses_every_kind(uri: str, expected: PrinterAddress) -> None:
    assert parse_printer_uri(uri) == expected


@pytest.mark.parametrize("uri", ["", "usb", "usb:xyz:1", "serial:COM3", "serial:COM3:1234",
                                 "network:host:99999", "bluetooth:AA", "file:"])
def test_printer_uri_refuses_with_a_message(uri: str) -> None:
    with pytest.raises(ValidationError, match="printer address"):
        parse_printer_uri(uri)
