"""An ESC/POS reader for the tests, written from the command reference, not from our writer.

It walks the byte stream command by command and fails on anything it does not know, so a
stray byte in a receipt is caught rather than skipped. It knows the commands a receipt uses:
ESC @ a E ! d p t 2 3, GS V ! h w H f k v0 ( k, FS & . and DLE EOT. Text between FS & and
FS . is read two bytes a character as GB18030; outside Chinese mode every byte must be
ASCII. ``GS v 0`` pictures come back as Pillow images.

Other test modules load this file by path (see :func:`load`); the tests at the end check
the reader itself on hand-made bytes.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ESC, GS, FS, DLE, LF, NUL = 0x1B, 0x1D, 0x1C, 0x10, 0x0A, 0x00


class DecodeError(AssertionError):
    pass


@dataclass
class PrintedLine:
    text: str
    align: str
    bold: bool
    double_height: bool


@dataclass
class Barcode:
    symbology: int
    data: bytes
    module_width: int | None
    height: int | None

    @property
    def payload(self) -> str:
        """The encoded text: for Code128 the code-set prefix ({A, {B, {C) is not data."""
        text = self.data.decode("ascii")
        if self.symbology == 73 and text[:1] == "{":
            if text[:2] != "{B" or "{" in text[2:]:
                raise DecodeError(f"only code set B is expected, got {text!r}")
            return text[2:]
        return text


@dataclass
class Decoded:
    lines: list[PrintedLine] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    barcodes: list[Barcode] = field(default_factory=list)
    rasters: list[Any] = field(default_factory=list)   # PIL images, black on white
    qr_data: list[bytes] = field(default_factory=list)
    code_pages: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]


def decode(data: bytes) -> Decoded:
    """Walk ``data`` and return what a printer would do with it."""
    return _Walker(data).walk()


class _Walker:
    def __init__(self, data: bytes) -> None:
        self.data, self.i, self.out = data, 0, Decoded()
        self.chinese = False
        self.align, self.bold, self.double_height, self.mode_double = "left", False, \
            False, False
        self.current = bytearray()   # the line being built, as UTF-8
        self.barcode_params: dict[str, int] = {}

    def need(self, n: int) -> bytes:
        if self.i + n > len(self.data):
            raise DecodeError(f"command at {self.i} runs past the end")
        return self.data[self.i:self.i + n]

    def end_line(self) -> None:
        self.out.lines.append(PrintedLine(self.current.decode("utf-8"), self.align, self.bold,
                                          self.double_height or self.mode_double))
        self.current.clear()

    def walk(self) -> Decoded:
        handlers = {ESC: self.esc, GS: self.gs, FS: self.fs, DLE: self.dle}
        while self.i < len(self.data):
            b = self.data[self.i]
            if b in handlers:
                handlers[b](self.need(2)[1])
            elif b == LF:
                self.end_line()
                self.i += 1
            elif b >= 0x80:
                if not self.chinese:
                    raise DecodeError(f"byte {b:#x} at {self.i} outside Chinese mode")
                self.current += self.need(2).decode("gb18030").encode("utf-8")
                self.i += 2
            elif 0x20 <= b < 0x7F:
                self.current.append(b)
                self.i += 1
            else:
                raise DecodeError(f"control byte {b:#x} at {self.i}")
        if self.current:
            self.end_line()
        if self.chinese:
            raise DecodeError("the stream ends in Chinese mode")
        return self.out

    def esc(self, cmd: int) -> None:
        c = chr(cmd)
        if c == "@":
            self.chinese, self.align, self.bold = False, "left", False
            self.double_height = self.mode_double = False
            self.out.events.append(("init",))
        elif c == "a":
            self.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center",
                          50: "right"}[self.need(3)[2]]
        elif c == "E":
            self.bold = bool(self.need(3)[2] & 1)
        elif c == "!":
            self.mode_double = bool(self.need(3)[2] & 0x10)
        elif c == "d":
            n = self.need(3)[2]
            if self.current:
                self.end_line()
            for _ in range(n):
                self.end_line()
            self.out.events.append(("feed", n))
        elif c == "p":
            m, t1, t2 = self.need(5)[2:5]
            self.out.events.append(("drawer", m, t1, t2))
        elif c == "t":
            self.out.code_pages.append(self.need(3)[2])
        elif c not in {"2", "3"}:
            raise DecodeError(f"unknown ESC {cmd:#x} at {self.i}")
        self.i += {"@": 2, "2": 2, "p": 5}.get(c, 3)

    def gs(self, cmd: int) -> None:
        c = chr(cmd)
        if c == "V":
            m = self.need(3)[2]
            if m not in (0, 1, 48, 49, 65, 66):
                raise DecodeError(f"bad GS V {m} at {self.i}")
            self.out.events.append(("cut", m))
            self.i += 4 if m in (65, 66) else 3
        elif c == "!":
            n = self.need(3)[2]
            if n & 0xF0:
                raise DecodeError("double width would halve the columns")
            self.double_height = bool(n & 0x0F)
            self.i += 3
        elif c in "hwHf":
            self.barcode_params[c] = self.need(3)[2]
            self.i += 3
        elif c == "k":
            self.barcode()
        elif c == "v":
            self.raster()
        elif c == "(":
            head = self.need(5)
            length = head[3] | head[4] << 8
            body = self.need(5 + length)[5:]
            if head[2] == ord("k") and body[:2] == b"1P":
                self.out.qr_data.append(bytes(body[3:]))
            self.out.events.append(("2d", chr(head[2]), bytes(body[:2])))
            self.i += 5 + length
        else:
            raise DecodeError(f"unknown GS {cmd:#x} at {self.i}")

    def barcode(self) -> None:
        m = self.need(3)[2]
        if m <= 6:   # function A: data up to NUL
            end = self.data.index(NUL, self.i + 3)
            payload, self.i = self.data[self.i + 3:end], end + 1
        else:        # function B: a length byte, then the data
            n = self.need(4)[3]
            payload = self.need(4 + n)[4:]
            self.i += 4 + n
        self.out.barcodes.append(Barcode(m, payload, self.barcode_params.get("w"),
                                         self.barcode_params.get("h")))
        self.out.events.append(("barcode", m))

    def raster(self) -> None:
        head = self.need(8)
        if head[2] != ord("0"):
            raise DecodeError("GS v must be GS v 0")
        width_bytes = head[4] | head[5] << 8
        height = head[6] | head[7] << 8
        bits = self.need(8 + width_bytes * height)[8:]
        self.out.rasters.append(_raster_image(bits, width_bytes, height))
        self.out.events.append(("raster", width_bytes * 8, height))
        self.i += 8 + width_bytes * height

    def fs(self, cmd: int) -> None:
        if cmd not in (ord("&"), ord(".")):
            raise DecodeError(f"unknown FS {cmd:#x} at {self.i}")
        self.chinese = cmd == ord("&")
        self.out.events.append(("chinese", self.chinese))
        self.i += 2

    def dle(self, cmd: int) -> None:
        if cmd != 0x04:
            raise DecodeError(f"unknown DLE {cmd:#x} at {self.i}")
        self.out.events.append(("status", self.need(3)[2]))
        self.i += 3


def _raster_image(bits: bytes, width_bytes: int, height: int) -> Any:
    from PIL import Image

    # Raster bits: 1 = a burnt dot. Pillow's "1" mode reads 1 as white, so invert.
    return Image.frombytes("1", (width_bytes * 8, height), bytes(255 - v for v in bits))


def stack(images: list[Any]) -> Any:
    """Raster pictures one under the other, as the printer prints them."""
    from PIL import Image

    width = max(img.width for img in images)
    out = Image.new("1", (width, sum(img.height for img in images)), 1)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height
    return out


def load() -> ModuleType:
    """This module, for test files in other folders."""
    name = "escpos_test_decoder"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__))
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# --- the reader's own checks, on bytes written by hand from the command reference ---

def test_escpos_decoder_reads_chinese_runs_as_gb18030() -> None:
    data = (b"\x1b@\x1ba\x01\x1bE\x01Tel \x1c&\xd5\xc5\xcf\xfe\xc3\xf7\x1c. 88\n"
            b"\x1d!\x01\x1c&\xa3\xa4\x1c.9.90\n")
    decoded = decode(data)
    assert [line.text for line in decoded.lines] == ["Tel 张晓明 88", "￥9.90"]
    assert decoded.lines[0].align == "center" and decoded.lines[0].bold
    assert decoded.lines[1].double_height


def test_escpos_decoder_reads_cut_drawer_and_code128() -> None:
    data = b"\x1dh\x40\x1dw\x02\x1dk\x49\x06{BR123\x1bd\x06\x1dV\x00\x1bp\x00\x32\x32"
    decoded = decode(data)
    assert decoded.barcodes[0].payload == "R123"
    assert decoded.barcodes[0].module_width == 2
    assert ("cut", 0) in decoded.events and ("drawer", 0, 50, 50) in decoded.events


def test_escpos_decoder_reads_a_raster_picture() -> None:
    # 16 x 2 dots: first row all black, second row only the leftmost dot.
    decoded = decode(b"\x1dv0\x00\x02\x00\x02\x00\xff\xff\x80\x00")
    img = decoded.rasters[0]
    assert img.size == (16, 2)
    assert img.getpixel((15, 0)) == 0 and img.getpixel((0, 1)) == 0
    assert img.getpixel((1, 1)) == 255


@pytest.mark.parametrize("data", [
    b"caf\xc3\xa9\n",                 # UTF-8 sent without Chinese mode
    b"\x1c&\xd5\xc5\n",               # never leaves Chinese mode
    b"\x1bZ\x00",                     # a command the receipts do not use
    b"\x1dv0\x00\x02\x00\x05\x00\xff",  # a picture cut short
])
def test_escpos_decoder_refuses_what_a_receipt_must_not_contain(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)
