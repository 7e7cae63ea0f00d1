"""What every SalonDesk PDF shares: the bundled CJK font, embedded so a page prints the same on
any machine (DESIGN.md §6, HARDWARE.md "Fonts"), and the paragraph styles of its headings."""

from __future__ import annotations

from typing import Any, NamedTuple

from salondesk.paths import font_path

FONT_NAME = "SalonDeskCJK"


def register_font() -> None:
    """Make the bundled font known to reportlab (once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path())))


class Styles(NamedTuple):
    title: Any  # reportlab ParagraphStyle (reportlab loads late: start-up stays fast)
    head: Any
    body: Any


def styles(*, title_size: int = 16, head_space: int = 8) -> Styles:
    """The store-name title, section heads and body text, in the bundled font."""
    from reportlab.lib.styles import ParagraphStyle

    register_font()
    return Styles(
        ParagraphStyle("t", fontName=FONT_NAME, fontSize=title_size, leading=20),
        ParagraphStyle("h", fontName=FONT_NAME, fontSize=12, leading=16, spaceBefore=head_space),
        ParagraphStyle("b", fontName=FONT_NAME, fontSize=10, leading=14))
