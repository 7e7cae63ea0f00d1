"""The project preference report (项目偏好) as an A4 PDF: the store, the period, a chart of the
consumed value of the top categories (or services), the table for all members, and one table
per tier and per RFM segment with a chart of how many members each holds. The bundled CJK
font is embedded, so the text is real and extractable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salondesk.documents.day_reports import bar_chart, page_decorator
from salondesk.documents.report_table import cell_text
from salondesk.documents.typeset import grid_style, styles, write_a4
from salondesk.i18n import _
from salondesk.money import Money, format_money

TOP_BARS = 12


def preference_pdf(dest: Path, store_name: str, pref: Any) -> int:
    """Write :class:`~salondesk.services.preference.Preference` ``pref`` to ``dest``
    (temporary name, then moved); returns the pages."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table

    title_style, head, body = styles()
    style = grid_style()

    def grid(table: Any) -> Any:
        rows = [[cell_text(table, j, v) for j, v in enumerate(r)] for r in table.rows]
        made = Table([table.headers, *rows], repeatRows=1)
        made.setStyle(style)
        return made

    title = _("Project preference")
    story: list[Any] = [
        Paragraph(store_name, title_style), Paragraph(title, head),
        Paragraph(_("From {first} to {last}").format(first=pref.first, last=pref.last), body),
        Paragraph(_("{n} members chose {count} times, consumed value {amount}").format(
            n=pref.members, count=pref.total_count,
            amount=format_money(Money(pref.total_value_fen))), body),
        Spacer(1, 3 * mm)]
    top = [(r.label, r.value_fen) for r in pref.overall if r.value_fen > 0][:TOP_BARS]
    if top:
        story += [Paragraph(_("Consumed value, top {n}").format(n=len(top)), head),
                  bar_chart(top)]
    story += [Paragraph(_("All members"), head), grid(pref.table("overall"))]
    for breakdown, sizes, heading in (
            ("tier", pref.tier_sizes, _("Members per tier")),
            ("segment", pref.segment_sizes, _("Members per segment"))):
        table = pref.table(breakdown)
        bars = [(pref.group_label(breakdown, k), n) for k, n in sizes.items()]
        block: list[Any] = [Paragraph(table.title, head)]
        if bars:
            block += [Paragraph(heading, body), bar_chart(bars, money=False)]
        story += [KeepTogether(block), grid(table)]
    pages = [0]
    write_a4(dest, story, title=f"{store_name} {title}",
             page=page_decorator(store_name, title, pages))
    return pages[0]
