"""Receipt lines drawn as pictures with the bundled font, for printers without Chinese.

The picture keeps the printer's own character grid (:mod:`salondesk.devices.receipt_text`):
each cell is 12 dots wide and each line 30 dots high (a 24-dot glyph and the printer's usual
line spacing), so a line laid out for 32 or 48 cells fills 384 or 576 dots exactly and the
amounts line up as they would in text mode. Latin glyphs of the (proportional) font are
centred in their cell and narrowed when wider; characters the font lacks are drawn as ``？``.

Also :func:`preview_image`: a whole receipt as one picture (text, barcode, cut marks) for a
screen preview and for looking at a layout without a printer.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from salondesk.devices.receipt_layout import (
    Align,
    Code,
    Cut,
    DrawerKick,
    Feed,
    Line,
    Separator,
    TextLine,
)
from salondesk.devices.receipt_text import (
    char_cells,
    clean_text,
    missing_for,
    text_cells,
    wrap,
)
from salondesk.paths import font_path

if TYPE_CHECKING:
    from PIL import Image as PILImage

CELL_DOTS = 12
GLYPH_DOTS = 24
LINE_DOTS = 30
BASELINE = 22          # from the top of a line: room for ascenders and descenders
CJK_SIZE = 22          # a full-width glyph a little under its 24-dot cell: a gap between
LATIN_SIZE = 21        # digits fit a 12-dot cell at this size; wider letters are narrowed
INK = 255              # drawing is done in "L" with ink as 255, turned into black on white

# How the raster prints characters that the grid counts as two cells but that have a
# narrow glyph: the full-width form, so it fills its cells as the printer's font would.
PRINT_AS = {"¥": "￥"}


@cache
def _font_codepoints(path: str) -> frozenset[int]:
    # Pillow cannot say whether a font has a glyph; reportlab reads the cmap (~0.1 s, once).
    from reportlab.pdfbase.ttfonts import TTFontFile

    return frozenset(TTFontFile(path).charToGlyph)


class GlyphGrid:
    """Draws text lines on the cell grid with one TrueType font (cached per glyph)."""

    def __init__(self, font: Path | None = None) -> None:
        from PIL import ImageFont

        self.font_file = str(font or font_path())
        self._cjk = ImageFont.truetype(self.font_file, CJK_SIZE)
        self._latin = ImageFont.truetype(self.font_file, LATIN_SIZE)
        self._glyphs: dict[tuple[str, bool], PILImage.Image] = {}

    def has_glyph(self, ch: str) -> bool:
        return ch == " " or ord(ch) in _font_codepoints(self.font_file)

    def glyph(self, ch: str, bold: bool = False) -> PILImage.Image:
        """The ink ("L", ink 255) of one character in its cells, LINE_DOTS high."""
        key = (ch, bold)
        if key not in self._glyphs:
            self._glyphs[key] = self._draw_glyph(ch, bold)
        return self._glyphs[key]

    def _draw_glyph(self, ch: str, bold: bool) -> PILImage.Image:
        from PIL import Image, ImageChops, ImageDraw

        cells = char_cells(ch)
        shown = PRINT_AS.get(ch, ch)
        if not self.has_glyph(shown):
            shown = missing_for(ch)
        cell_w = cells * CELL_DOTS
        out = Image.new("L", (cell_w, LINE_DOTS), 0)
        if shown == " ":
            return out
        font = self._latin if cells == 1 else self._cjk
        scratch = Image.new("L", (GLYPH_DOTS * 3, LINE_DOTS), 0)
        ImageDraw.Draw(scratch).text((GLYPH_DOTS, BASELINE), shown, font=font, fill=INK,
                                     anchor="ls")
        box = scratch.getbbox()
        if box is None:
            return out
        room = cell_w - (1 if cells == 1 else 2)  # keep a dot or two between glyphs
        if cells == 2 and box[2] - box[0] <= room:
            # A full-width glyph keeps its place in its em box: （ sits right, ） left.
            advance = round(font.getlength(shown))
            left = GLYPH_DOTS - max(0, (cell_w - advance) // 2)
            out.paste(scratch.crop((left, 0, left + cell_w, LINE_DOTS)), (0, 0))
        else:
            ink = scratch.crop((box[0], 0, box[2], LINE_DOTS))
            if ink.width > room:
                ink = ink.resize((room, LINE_DOTS), Image.Resampling.LANCZOS)
            out.paste(ink, ((cell_w - ink.width) // 2, 0))
        if bold:
            # Emphasis the way printers do it: the glyph struck again one dot to the right.
            out = ImageChops.lighter(out, ImageChops.offset(out, 1, 0))
        return out

    def draw_line(self, line: TextLine, columns: int) -> PILImage.Image:
        """One text line as ink ("L"), ``columns`` cells wide; twice as high if double."""
        from PIL import Image

        img = Image.new("L", (columns * CELL_DOTS, LINE_DOTS), 0)
        used = text_cells(line.text)
        start = 0
        if line.align is Align.CENTER:
            start = max(0, (columns - used) // 2)
        elif line.align is Align.RIGHT:
            start = max(0, columns - used)
        x = start * CELL_DOTS
        for ch in line.text:
            glyph = self.glyph(ch, line.bold)
            if x + glyph.width <= img.width:
                img.paste(glyph, (x, 0))
            x += glyph.width
        if line.double_height:
            img = img.resize((img.width, LINE_DOTS * 2), Image.Resampling.NEAREST)
        return img

    def draw_block(self, lines: Sequence[TextLine | Separator], columns: int
                   ) -> PILImage.Image:
        """Consecutive text lines and separators as one black-on-white picture ("1")."""
        from PIL import Image

        rows = [self.draw_line(_as_text(line, columns), columns) for line in lines]
        block = Image.new("L", (columns * CELL_DOTS, sum(r.height for r in rows)), 0)
        y = 0
        for r in rows:
            block.paste(r, (0, y))
            y += r.height
        return _to_paper(block)


def _as_text(line: TextLine | Separator, columns: int) -> TextLine:
    if isinstance(line, Separator):
        return TextLine(line.char * columns)
    return line


def _to_paper(ink: PILImage.Image) -> PILImage.Image:
    """Ink ("L", 255 = ink) to a black-on-white 1-bit picture, thresholded (no dithering)."""
    return ink.point(lambda v: 0 if v >= 128 else 255).convert("1", dither=None)


def preview_image(lines: Sequence[Line], *, columns: int, grid: GlyphGrid | None = None
                  ) -> PILImage.Image:
    """The whole receipt as a picture the width of the paper's print area (12 dots per
    cell), black on white: text, separators, the receipt no. as Code128, a dashed cut line.
    For screens and for looking at a layout; the printer gets :mod:`escpos_output`'s bytes.
    """
    from PIL import Image, ImageDraw

    grid = grid or GlyphGrid()
    width = columns * CELL_DOTS
    parts: list[PILImage.Image] = []
    pending: list[TextLine | Separator] = []

    def flush() -> None:
        if pending:
            parts.append(grid.draw_block(pending, columns).convert("L"))
            pending.clear()

    for line in lines:
        if isinstance(line, TextLine | Separator):
            pending.append(line)
            continue
        flush()
        if isinstance(line, Feed):
            parts.append(Image.new("L", (width, LINE_DOTS * line.lines), 255))
        elif isinstance(line, Code):
            parts.append(_barcode_picture(line.payload, width, grid, columns))
        elif isinstance(line, Cut):
            cut = Image.new("L", (width, LINE_DOTS * 2), 255)
            draw = ImageDraw.Draw(cut)
            for x in range(0, width, 12):
                draw.line((x, LINE_DOTS, x + 6, LINE_DOTS), fill=0, width=2)
            parts.append(cut)
        elif isinstance(line, DrawerKick):
            continue
    flush()
    out = Image.new("L", (width, sum(p.height for p in parts) or 1), 255)
    y = 0
    for part in parts:
        out.paste(part, (0, y))
        y += part.height
    return out


def _barcode_picture(payload: str, width: int, grid: GlyphGrid, columns: int
                     ) -> PILImage.Image:
    """Code128 of ``payload`` for the preview (2 dots a module, 1 if that is too wide), with
    the text under it as the printer prints it; a QR code for what Code128 cannot hold."""
    from PIL import Image

    img: PILImage.Image | None = None
    if payload.isascii() and payload.isprintable():
        # python-barcode and qrcode come with python-escpos; neither ships type hints.
        from barcode import Code128
        from barcode.writer import ImageWriter

        for module_mm in (0.25, 0.125):
            img = Code128(payload, writer=ImageWriter()).render(
                {"module_width": module_mm, "module_height": 8.0, "quiet_zone": 0.0,
                 "write_text": False, "dpi": 203})
            if img.width <= width:
                break
    if img is None or img.width > width:
        import qrcode

        qr = qrcode.QRCode(box_size=4, border=1)
        qr.add_data(payload)
        img = qr.make_image().get_image()
    img = img.convert("L")
    text = grid.draw_block([TextLine(wrap(clean_text(payload), columns)[0], Align.CENTER)], columns)
    framed = Image.new("L", (width, img.height + text.height + 4), 255)
    framed.paste(img, ((width - img.width) // 2, 0))
    framed.paste(text.convert("L"), (0, img.height + 4))
    return framed
