"""A staff member's commission statement (提成明细) as an A4 PDF: the period, the totals
(performance, hand fees, percentage and step commission, the rules' commission per kind of
performance) and every line with its receipt, kind of performance and the base its percentage
was of, with the bundled CJK font embedded."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from salondesk.documents.day_reports import page_decorator
from salondesk.documents.typeset import FONT_NAME, grid_style, styles, write_a4
from salondesk.i18n import N_, _
from salondesk.money import Money, format_money


def _m(fen: int) -> str:
    return format_money(Money(fen))


BASIS_WORDS = {  # services.commission.basis_of -> how a statement line names its base
    "paid": N_("Amount paid"),
    "principal": N_("Paid, principal only"),
    "list": N_("List price"),
    "list_principal": N_("List price, principal share"),
}


def kind_text(ln: Any) -> str:
    """A statement line's kind of performance in a word (a gift is its own kind)."""
    if getattr(ln, "gift", False):
        return _("Gift")
    return _("Cash") if getattr(ln, "performance", "") == "cash" else _("Consumption")


def service_text(ln: Any) -> str:
    """Designated or rotation; nothing for a cash row (money taken has no designation)."""
    if getattr(ln, "performance", "") == "cash":
        return ""
    return _("Designated") if ln.designated else _("Rotation")


def basis_text(ln: Any) -> str:
    """What the line's percentage was of, in words ("" when no rule paid on it)."""
    if getattr(ln, "gift", False):
        return _("List value given")
    word = BASIS_WORDS.get(getattr(ln, "basis", ""))
    return _(word) if word else ""


def item_label(ln: Any) -> str:
    """A statement line's item as shown: its name, their share of a shared line, a gift."""
    name = str(ln.name)
    if getattr(ln, "share_pct", 100) != 100:
        name = _("{name} (share {share}%)").format(name=name, share=ln.share_pct)
    if getattr(ln, "gift", False):
        name = _("{name} (gift)").format(name=name)
    return name


def statement_pdf(dest: Path, store_name: str, st: Any) -> int:
    """Write :class:`~salondesk.services.commission.Statement` ``st`` to ``dest``
    (temporary name, then moved into place); returns the pages."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    title, _head, body = styles(title_size=15)
    style = grid_style(figures_from=5, extra=(("VALIGN", (0, 0), (-1, -1), "MIDDLE"),))
    totals = Table([
        [_("Cash performance"), _m(st.cash_performance_fen)],
        [_("Consumption performance"), _m(st.consumption_performance_fen)],
        [_("Designated services"), str(st.designated_count)],
        [_("Rotation services"), str(st.rotation_count)],
        [_("Percentage commission"), _m(st.percent_fen)],
        [_("Hand fees"), _m(st.fixed_fen)],
        [_("Commission on cash performance"), _m(st.commission_on("cash"))],
        [_("Commission on consumption performance"), _m(st.commission_on("consumption"))],
        [_("Step commission"), _m(st.step_fen)],
        [_("Gifted value"), _m(getattr(st, "gift_value_fen", 0))],
        [_("Commission"), _m(st.commission_fen)],
    ], colWidths=[60 * mm, 40 * mm], hAlign="LEFT")
    totals.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), 10),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, colors.lightgrey)]))
    cell = ParagraphStyle("c", fontName=FONT_NAME, fontSize=8, leading=10)

    def para(text: str) -> Any:
        return Paragraph(escape(text), cell)

    head = [para(h) for h in (
        _("Receipt"), _("Day"), _("Item"), _("Kind"), _("Designated or rotation"), _("Performance"),
        _("Commission base"), _("Base amount"), _("Percentage"), _("Hand fee"),
        _("Commission"))]
    rows = [[f"{ln.receipt_no:06d}", ln.business_day.isoformat(), para(item_label(ln)),
             para(kind_text(ln)), para(service_text(ln)), _m(ln.base_fen),
             para(basis_text(ln)), _m(ln.commission_base_fen), _m(ln.percent_fen),
             _m(ln.fixed_fen), _m(ln.commission_fen)] for ln in st.lines]
    lines = Table([head, *rows], repeatRows=1,
                  colWidths=[13 * mm, 17 * mm, 26 * mm, 15 * mm, 14 * mm, 17 * mm, 17 * mm,
                             17 * mm, 15 * mm, 14 * mm, 17 * mm])
    lines.setStyle(style)
    who = st.name if not st.grade else f"{st.name}  ({st.grade})"
    story = [Paragraph(store_name, title), Paragraph(_("Commission statement"), body),
             Paragraph(who, body),
             Paragraph(_("From {first} to {last}").format(first=st.first, last=st.last), body),
             Spacer(1, 4 * mm), totals, Spacer(1, 6 * mm), lines]
    pages = [0]
    write_a4(dest, story, title=f"{store_name} {st.name}", side_mm=14,
             page=page_decorator(store_name, _("Commission statement"), pages))
    return pages[0]
