"""Member card sheets: CR80 cards (85.6 x 54 mm) on A4, ten per page, ready to cut.

Each card shows the store name, the member's name and number, a Code128 barcode and a QR code
of the card code. Text uses the bundled TrueType font, embedded in the PDF, so the sheet
prints the same on any machine (DESIGN.md §6, HARDWARE.md "Fonts").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from salondesk.documents.typeset import FONT_NAME, register_font

CARD_W_MM, CARD_H_MM = 85.6, 54.0
COLUMNS, ROWS = 2, 5


@dataclass(frozen=True)
class CardFace:
    card_code: str
    member_name: str
    member_no: int


def render_card_sheet(dest: Path, store_name: str, cards: Sequence[CardFace]) -> int:
    """Write the PDF to ``dest`` (temporary file, then moved into place); returns the pages."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import code128, qr
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    register_font()
    tmp = dest.with_name(dest.name + ".part")
    canvas = Canvas(str(tmp), pagesize=A4, pageCompression=1)
    canvas.setTitle(store_name)
    page_w, page_h = A4
    card_w, card_h = CARD_W_MM * mm, CARD_H_MM * mm
    margin_x = (page_w - COLUMNS * card_w) / 2
    margin_y = (page_h - ROWS * card_h) / 2
    per_page = COLUMNS * ROWS
    pages = 0
    for start in range(0, max(len(cards), 1), per_page):
        pages += 1
        for i, card in enumerate(cards[start:start + per_page]):
            col, row = i % COLUMNS, i // COLUMNS
            x = margin_x + col * card_w
            y = page_h - margin_y - (row + 1) * card_h
            # Cut marks: a thin rounded outline of the card.
            canvas.setLineWidth(0.3)
            canvas.setStrokeGray(0.7)
            canvas.roundRect(x, y, card_w, card_h, 3 * mm)
            canvas.setFillGray(0)
            canvas.setFont(FONT_NAME, 11)
            canvas.drawString(x + 5 * mm, y + card_h - 9 * mm, store_name)
            canvas.setFont(FONT_NAME, 14)
            canvas.drawString(x + 5 * mm, y + card_h - 17 * mm, card.member_name)
            canvas.setFont(FONT_NAME, 8)
            canvas.drawString(x + 5 * mm, y + card_h - 22 * mm, f"No. {card.member_no:06d}")
            # Code128 along the bottom with a quiet zone; the code printed under it.
            bar = code128.Code128(card.card_code, barHeight=10 * mm, barWidth=0.3 * mm,
                                  quiet=True, lquiet=4 * mm, rquiet=4 * mm)
            bar.drawOn(canvas, x + 1 * mm, y + 8 * mm)
            canvas.setFont(FONT_NAME, 8)
            canvas.drawString(x + 5 * mm, y + 4 * mm, card.card_code)
            # QR at the top right.
            side = 22 * mm
            widget = qr.QrCodeWidget(card.card_code, barLevel="M")
            bx0, by0, bx1, by1 = widget.getBounds()
            drawing = Drawing(side, side, transform=[side / (bx1 - bx0), 0, 0,
                                                     side / (by1 - by0), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, canvas, x + card_w - side - 3 * mm,
                           y + card_h - side - 3 * mm)
        canvas.showPage()
    canvas.save()
    tmp.replace(dest)
    return pages
