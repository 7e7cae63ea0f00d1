"""Tomorrow's reminder list (预约提醒) as an A4 PDF for the front desk to call through, with a
tick column; the bundled CJK font is embedded (real, extractable text)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salondesk.documents.day_reports import page_decorator
from salondesk.documents.typeset import FONT_NAME, styles
from salondesk.i18n import _, ngettext


def reminder_pdf(dest: Path, store_name: str, table: Any) -> int:
    """Write the :class:`~salondesk.services.reports.Table` from
    ``appointments.reminder_table`` to ``dest`` (temporary name, then moved); returns pages."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    title, _head, body = styles(title_size=15)
    cell = ParagraphStyle("c", fontName=FONT_NAME, fontSize=9, leading=12)
    headers = [*table.headers, _("Called")]
    rows = [[Paragraph(str(v), cell) for v in row] + [""] for row in table.rows]
    grid = Table([headers, *rows], repeatRows=1,
                 colWidths=[16 * mm, 30 * mm, 30 * mm, 54 * mm, 30 * mm, 16 * mm])
    grid.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e5ec")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("BOX", (-1, 1), (-1, -1), 0.25, colors.grey)]))
    count = len(table.rows)
    story: list[Any] = [Paragraph(store_name, title), Paragraph(table.title, body),
                        Paragraph(ngettext("{n} appointment", "{n} appointments",
                                                 count).format(n=count), body),
                        Spacer(1, 4 * mm), grid]
    pages = [0]
    page = page_decorator(store_name, table.title, pages)
    tmp = dest.with_name(dest.name + ".part")
    doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=18 * mm, bottomMargin=16 * mm,
                            title=f"{store_name} {table.title}")
    doc.build(story, onFirstPage=page, onLaterPages=page)
    tmp.replace(dest)
    return pages[0]
