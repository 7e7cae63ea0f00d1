"""Any manager's report (a :class:`~salondesk.services.reports.Table`) as an A4 PDF: the store,
the title and period, its charts (daily takings, top services, cash and consumption
performance, RFM segment sizes ...) and the table, with the bundled CJK font embedded."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from salondesk.documents.day_reports import bar_chart, page_decorator
from salondesk.documents.typeset import grid_style, styles, write_a4
from salondesk.money import Money, format_money

#: (title, bars, whether the values are fen)
Chart = tuple[str, Sequence[tuple[str, int]], bool]
MAX_BARS = 20


def cell_text(table: Any, col: int, value: Any, *, money: bool | None = None) -> str:
    """A cell as printed: money as yuan, basis points as percent."""
    if (col in table.money if money is None else money) and isinstance(value, int):
        return format_money(Money(value))
    if col in table.percent and isinstance(value, int):
        return f"{value / 100:.1f}%"
    return "" if value is None else str(value)


def table_pdf(dest: Path, store_name: str, table: Any, *, subtitle: str = "",
              charts: Sequence[Chart] = (), money_cell: Any = None) -> int:
    """Write ``table`` with ``charts`` above it to ``dest`` (temporary name, then moved);
    ``money_cell(row, col)`` overrides ``table.money`` where a column mixes units. Returns
    the pages."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

    title_style, head, body = styles()
    story: list[Any] = [Paragraph(store_name, title_style), Paragraph(table.title, head)]
    if subtitle:
        story.append(Paragraph(subtitle, body))
    story.append(Spacer(1, 3 * mm))
    for heading, bars, money in charts:
        if bars:
            story.append(KeepTogether([Paragraph(heading, head),
                                       bar_chart(list(bars)[:MAX_BARS], money=money)]))
    rows = [[cell_text(table, j, v, money=money_cell(i, j) if money_cell else None)
             for j, v in enumerate(r)] for i, r in enumerate(table.rows)]
    grid = Table([table.headers, *rows], repeatRows=1)
    grid.setStyle(grid_style())
    story += [Spacer(1, 4 * mm), grid]
    pages = [0]
    write_a4(dest, story, title=f"{store_name} {table.title}",
             page=page_decorator(store_name, table.title, pages))
    return pages[0]
