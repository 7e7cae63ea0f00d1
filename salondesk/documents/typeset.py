"""What every SalonDesk PDF shares: the bundled CJK font, embedded so a page prints the same on
any machine (DESIGN.md §6, HARDWARE.md "Fonts"), and the paragraph styles of its headings."""

from __future__ import annotations

from pathlib import Path
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


#: The header band of every report grid (the store's rose).
HEADER_BAND = "#f3e5ec"


def grid_style(*, font_size: int = 8, figures_from: int | None = 1,
               extra: tuple[Any, ...] = ()) -> Any:
    """A report grid's TableStyle: the font, a header band, a hairline under each row, and the
    figures right-aligned from column ``figures_from`` on (None: none); ``extra`` commands
    after those."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), font_size),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(HEADER_BAND)),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]
    if figures_from is not None:
        commands.append(("ALIGN", (figures_from, 1), (-1, -1), "RIGHT"))
    return TableStyle([*commands, *extra])


def write_a4(dest: Path, story: list[Any], *, title: str, page: Any,
             side_mm: float = 16) -> None:
    """Lay ``story`` out on A4 pages into ``dest``, ``page`` drawing each page's header and
    footer; written under a temporary name and then moved, so a reader never finds half a
    PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    tmp = dest.with_name(dest.name + ".part")
    doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=side_mm * mm,
                            rightMargin=side_mm * mm, topMargin=18 * mm, bottomMargin=16 * mm,
                            title=title)
    doc.build(story, onFirstPage=page, onLaterPages=page)
    tmp.replace(dest)
