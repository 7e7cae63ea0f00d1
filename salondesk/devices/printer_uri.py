"""Receipt printer addresses: ``usb:VID:PID``, ``serial:PORT:BAUD``, ``network:HOST:PORT``,
``win32:NAME`` and ``file:PATH`` (raw bytes, for tests and diagnosis)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from salondesk.errors import ValidationError
from salondesk.i18n import _

KINDS = ("usb", "serial", "network", "win32", "file")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_HEX4 = re.compile(r"^(0x)?[0-9a-fA-F]{1,4}$")


@dataclass(frozen=True)
class PrinterAddress:
    kind: str
    target: str  # device path, host, queue name or file path
    vendor_id: int | None = None
    product_id: int | None = None
    port: int | None = None
    baud: int | None = None


def _bad(uri: str) -> ValidationError:
    return ValidationError(
        _("“{uri}” is not a printer address. Use usb:VID:PID, serial:PORT:BAUD, "
          "network:HOST:PORT, win32:NAME or file:PATH.").format(uri=uri))


def parse_printer_uri(uri: str) -> PrinterAddress:
    """Parse a printer address, or raise ValidationError saying what is accepted."""
    kind, sep, rest = uri.strip().partition(":")
    kind = kind.lower()
    if not sep or kind not in KINDS or not rest:
        raise _bad(uri)
    if kind == "usb":
        vid, _sep, pid = rest.partition(":")
        if not (_HEX4.match(vid) and _HEX4.match(pid)):
            raise _bad(uri)
        return PrinterAddress("usb", rest, vendor_id=int(vid, 16), product_id=int(pid, 16))
    if kind == "serial":
        # the port itself may contain colons on no platform we support, so split at the last
        port, _sep, baud = rest.rpartition(":")
        if not port or not baud.isdigit() or int(baud) not in BAUD_RATES:
            raise _bad(uri)
        return PrinterAddress("serial", port, baud=int(baud))
    if kind == "network":
        host, _sep, port_text = rest.rpartition(":")
        if not host:
            host, port_text = rest, "9100"
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _bad(uri)
        return PrinterAddress("network", host, port=int(port_text))
    return PrinterAddress(kind, rest)
