"""The member statement (对账单) as an A4 PDF: the member, the period, the balances at its
start and end, and every ledger movement in between, with the bundled CJK font embedded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from salondesk.documents.day_reports import page_decorator
from salondesk.documents.typeset import grid_style, styles, write_a4
from salondesk.i18n import _
from salondesk.money import Money, format_money


def _balances(b: dict[str, int]) -> list[str]:
    return [format_money(Money(b["sv_principal_fen"])), format_money(Money(b["sv_bonus_fen"])),
            str(b["package_sessions"]), format_money(Money(b["package_value_fen"])),
            f"{b['points']:,}", format_money(Money(b["debt_fen"]))]


def statement_pdf(dest: Path, store_name: str, st: Any) -> int:
    """Write :class:`~salondesk.services.reports.Statement` ``st`` to ``dest``; returns pages."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table

    title, _head, body = styles(title_size=15)
    style = grid_style(figures_from=None)
    heading = [_("Balance"), _("Principal"), _("Bonus"), _("Sessions left"),
               _("Package value left"), _("Points"), _("Debt")]
    balances = Table([heading, [_("At the start"), *_balances(st.opening)],
                      [_("At the end"), *_balances(st.closing)]], repeatRows=1)
    balances.setStyle(style)
    rows = []
    for n, r in enumerate(st.table.rows):
        first, second = st.money_cells(n)
        rows.append([*map(str, r[:3]), format_money(Money(r[3])) if first else f"{r[3]:,}",
                     format_money(Money(r[4])) if second else (f"{r[4]:,}" if r[4] else ""),
                     str(r[5])])
    moves = Table([st.table.headers, *rows] if rows else [st.table.headers],
                  colWidths=[28 * mm, 20 * mm, 24 * mm, 28 * mm, 38 * mm, 38 * mm],
                  repeatRows=1)
    moves.setStyle(style)
    story = [Paragraph(store_name, title), Paragraph(_("Member statement"), body),
             Paragraph(f"{st.member_no:06d}  {st.name}", body),
             Paragraph(_("From {first} to {last}").format(first=st.first, last=st.last), body),
             Spacer(1, 4 * mm), balances, Spacer(1, 6 * mm), moves]
    pages = [0]
    write_a4(dest, story, title=f"{store_name} {st.name}",
             page=page_decorator(store_name, _("Member statement"), pages))
    return pages[0]
