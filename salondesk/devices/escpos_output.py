"""Receipt lines to ESC/POS bytes through python-escpos, in one of two Chinese modes.

``gb18030``: for printers with a Chinese font. ASCII goes out as it is; each run of other
characters is wrapped in ``FS &`` (enter Chinese mode) ... ``FS .`` (leave it) and encoded as
two-byte GB18030 codes that GBK shares; a character without such a code becomes ``？`` (two
cells, like the character it stands for), and ``¥`` prints as the full-width ``￥`` (A3A4)
— a bare U+00A5 would have no GBK code, and python-escpos's code-page guess sends a byte
(0x9D) that a printer in Chinese mode reads as half of a character, eating the next digit.
``Escpos.text()`` is never used: its automatic Chinese handling is unreliable (HARDWARE.md);
text goes out through the raw channel and python-escpos does the rest (styles, barcode, cut,
drawer).

``raster``: for printers without a Chinese font. Text lines are drawn with the bundled font
(:mod:`salondesk.devices.receipt_raster`) at the paper's dot width (384 dots for 58 mm,
576 for 80 mm) and sent as ``GS v 0`` raster pictures; barcodes, cut and drawer are the
printer's own commands as in the other mode.

Both modes start with ``ESC @`` and print the receipt no. as Code128 (``{B`` code set) when it
fits the paper at two dots a module, else as a QR picture.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import groupby
from types import ModuleType
from typing import Any

from salondesk.devices.receipt import Receipt
from salondesk.devices.receipt_layout import (
    Align,
    Code,
    Cut,
    DrawerKick,
    Feed,
    Line,
    Separator,
    TextLine,
    columns_for,
    layout_receipt,
)
from salondesk.devices.receipt_text import WIDE_MISSING, clean_text, gbk_bytes
from salondesk.paths import cache_dir

log = logging.getLogger(__name__)

FS_CHINESE_ON = b"\x1c&"
FS_CHINESE_OFF = b"\x1c."
LF = b"\n"
#: Printable dots per line for each paper width in mm (12 dots a cell at 203 dpi).
PAPER_DOTS = {58: 384, 80: 576}
BARCODE_HEIGHT = 64                      # dots: 8 mm
CODE128_MODULE_WIDTHS = (3, 2)           # dots a module, widest that fits first
DRAWER_PIN = 2
# What prints in place of a character that has no GBK code but a close full-width twin.
PRINT_AS = {"¥": "￥"}


class ChineseMode(StrEnum):
    GB18030 = "gb18030"
    RASTER = "raster"


def escpos_module() -> ModuleType:
    """``escpos.printer``, imported on first use.

    python-escpos parses its printer database at import and pickles it into a fresh temp
    folder unless ``ESCPOS_CAPABILITIES_PICKLE_DIR`` says where (HARDWARE.md): point it at
    the app's cache. Its import also calls ``logging.basicConfig()``; a placeholder handler
    keeps that from taking over the root logger when the app has not set logging up yet.
    """
    return _import_escpos()


@cache
def _import_escpos() -> ModuleType:
    pickle_dir = cache_dir() / "escpos"
    try:
        pickle_dir.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(pickle_dir))
    except OSError:
        log.warning("no cache folder for python-escpos; it will use a temporary one")
    root = logging.getLogger()
    placeholder = logging.NullHandler() if not root.handlers else None
    if placeholder is not None:
        root.addHandler(placeholder)
    try:
        import escpos.printer
    finally:
        if placeholder is not None:
            root.removeHandler(placeholder)
    return escpos.printer


def paper_profile(width_mm: int) -> Any:
    """python-escpos's default profile, with this paper's dot width (the default profile
    knows none, so ``image()`` would print a warning and could not check the width)."""
    import copy

    escpos_module()
    from escpos.capabilities import Profile, get_profile

    data = copy.deepcopy(get_profile("default").profile_data)
    data["media"]["width"] = {"mm": width_mm, "pixels": PAPER_DOTS[width_mm]}
    profile = Profile(columns=columns_for(width_mm), features=data["features"])
    profile.profile_data = data  # per instance: the class-level data is shared
    return profile


def encode_text(text: str) -> bytes:
    """One line of text as gb18030-mode bytes: ASCII as is, other runs in FS & ... FS ."""
    out = bytearray()
    for is_ascii, run in groupby(clean_text(text), key=lambda ch: " " <= ch <= "~"):
        chars = "".join(run)
        if is_ascii:
            out += chars.encode("ascii")
            continue
        out += FS_CHINESE_ON
        for ch in chars:
            out += gbk_bytes(PRINT_AS.get(ch, ch)) or gbk_bytes(WIDE_MISSING) or b"?"
        out += FS_CHINESE_OFF
    return bytes(out)


@dataclass
class _Style:
    align: Align = Align.LEFT
    bold: bool = False
    double_height: bool = False


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # python-escpos print()s its choice of barcode renderer to stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        yield


class _Renderer:
    def __init__(self, *, width_mm: int, mode: ChineseMode) -> None:
        self.columns = columns_for(width_mm)
        self.dots = PAPER_DOTS[width_mm]
        self.mode = mode
        self.printer = escpos_module().Dummy(profile=paper_profile(width_mm))
        self.style = _Style()
        self.pending: list[TextLine | Separator] = []
        self.grid: Any = None
        if mode is ChineseMode.RASTER:
            from salondesk.devices.receipt_raster import GlyphGrid

            self.grid = GlyphGrid()

    def render(self, lines: Sequence[Line]) -> bytes:
        p = self.printer
        p.hw("INIT")
        for line in lines:
            if isinstance(line, TextLine | Separator):
                if self.mode is ChineseMode.RASTER:
                    self.pending.append(line)
                else:
                    self._text(line)
                continue
            self._flush()
            if isinstance(line, Feed):
                p.print_and_feed(max(0, min(line.lines, 255)))
            elif isinstance(line, Code):
                self._code(line.payload)
            elif isinstance(line, Cut):
                p.cut()
            elif isinstance(line, DrawerKick):
                p.cashdraw(DRAWER_PIN)
        self._flush()
        return bytes(p.output)

    def _text(self, line: TextLine | Separator) -> None:
        if isinstance(line, Separator):
            line = TextLine(line.char * self.columns)
        p, style = self.printer, self.style
        if style.align is not line.align:
            p.set(align=line.align.value)
            style.align = line.align
        if style.bold != line.bold:
            p.set(bold=line.bold)
            style.bold = line.bold
        if style.double_height != line.double_height:
            # GS ! scales Chinese and ASCII alike (ESC ! would leave Chinese single height).
            p.set(custom_size=True, width=1, height=2 if line.double_height else 1)
            style.double_height = line.double_height
        p._raw(encode_text(line.text) + LF)

    def _flush(self) -> None:
        if not self.pending:
            return
        picture = self.grid.draw_block(self.pending, self.columns)
        self.pending.clear()
        self.printer.image(picture, impl="bitImageRaster")

    def _code(self, payload: str) -> None:
        p = self.printer
        if payload.isascii() and payload.isprintable() and payload:
            modules = 11 * (len(payload) + 3) + 2  # start, data, check, stop (13)
            for width in CODE128_MODULE_WIDTHS:
                if modules * width <= self.dots:
                    with _quiet():
                        p.barcode("{B" + payload, "CODE128", height=BARCODE_HEIGHT,
                                  width=width, pos="BELOW", font="A", align_ct=True,
                                  function_type="B")
                    p.set(align="left")
                    self.style = _Style(bold=self.style.bold,
                                        double_height=self.style.double_height)
                    return
        self._qr(payload)

    def _qr(self, payload: str) -> None:
        import qrcode

        code = qrcode.QRCode(box_size=4, border=1)
        code.add_data(payload.encode("utf-8"))
        picture = code.make_image().get_image()
        if picture.width > self.dots:
            picture = picture.resize((self.dots, self.dots))
        self.printer.image(picture, impl="bitImageRaster", center=True)


def render_lines(lines: Sequence[Line], *, width_mm: int, mode: ChineseMode | str) -> bytes:
    """The ESC/POS bytes for laid-out lines, for a printer of ``width_mm`` (58 or 80) in
    ``mode``. Pure apart from reading the font (raster mode)."""
    return _Renderer(width_mm=width_mm, mode=ChineseMode(mode)).render(lines)


def render_receipt(receipt: Receipt, *, width_mm: int, mode: ChineseMode | str) -> bytes:
    """Lay ``receipt`` out for the paper and render it (see :func:`render_lines`)."""
    lines = layout_receipt(receipt, columns=columns_for(width_mm))
    return render_lines(lines, width_mm=width_mm, mode=mode)
