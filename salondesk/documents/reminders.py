"""Tomorrow's reminder list (预约提醒) as an A4 PDF for the front desk to call through, with a
tick column; the bundled CJK font is embedded (real, extractable text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salondesk.documents.day_reports import page_decorator
from salondesk.documents.typeset import FONT_NAME, grid_style, styles, write_a4
from salondesk.i18n import _, ngettext


def reminder_pdf(dest: Path, store_name: str, table: Any) -> int:
    """Write the :class:`~salondesk.services.reports.Table` from
    ``appointments.reminder_table`` to ``dest`` (temporary name, then moved); returns pages."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    title, _head, body = styles(title_size=15)
    cell = ParagraphStyle("c", fontName=FONT_NAME, fontSize=9, leading=12)
    headers = [*table.headers, _("Called")]
    rows = [[Paragraph(str(v), cell) for v in row] + [""] for row in table.rows]
    grid = Table([headers, *rows], repeatRows=1,
                 colWidths=[16 * mm, 30 * mm, 30 * mm, 54 * mm, 30 * mm, 16 * mm])
    grid.setStyle(grid_style(font_size=9, figures_from=None, extra=(
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOX", (-1, 1), (-1, -1), 0.25, colors.grey))))
    count = len(table.rows)
    story: list[Any] = [Paragraph(store_name, title), Paragraph(table.title, body),
                        Paragraph(ngettext("{n} appointment", "{n} appointments",
                                                 count).format(n=count), body),
                        Spacer(1, 4 * mm), grid]
    pages = [0]
    write_a4(dest, story, title=f"{store_name} {table.title}", side_mm=14,
             page=page_decorator(store_name, table.title, pages))
    return pages[0]
