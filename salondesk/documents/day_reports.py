"""The Z report (日结) and the shift handover (交班): one content model, two outputs.

:func:`z_slip` and :func:`handover_slip` turn the figures into a :class:`Slip` (translated
labels, formatted amounts); the receipt printer prints it (:mod:`salondesk.devices.report_slip`)
and :func:`render_pdf` sets the same rows on A4 with the bundled CJK font embedded (real,
extractable text), the store as header, page numbers, and for the Z report a chart of the
takings by tender.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from salondesk.devices.report_slip import Slip, SlipSection
from salondesk.documents.typeset import FONT_NAME, styles, write_a4
from salondesk.i18n import _
from salondesk.money import Money, format_money
from salondesk.services.receipts import tender_label
from salondesk.services.takings import TENDER_ORDER


def _m(fen: int) -> str:
    return format_money(Money(int(fen)))


def ordered_tenders(tenders: dict[str, int]) -> list[tuple[str, int]]:
    """Tenders in the order a cashier knows them (a stored snapshot sorts its keys)."""
    rank = {k: i for i, k in enumerate(TENDER_ORDER)}
    return sorted(tenders.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


def z_slip(z: Any) -> Slip:
    """The Z report of a :class:`~salondesk.services.day_close.ZResult` as a slip."""
    f = z.figures
    sales, sv, pkg, pts, debt = (f["sales"], f["stored_value"], f["packages"], f["points"],
                                 f["debt"])
    meta = [(_("Business day"), z.day)]
    if z.closed:
        meta += [(_("Closed at"), str(z.closed_at_local or z.closed_at)[:16].replace("T", " ")),
                 (_("Closed by"), z.closed_by or "")]
    else:
        meta.append((_("Status"), _("open (figures so far)")))
    sections = [
        SlipSection(_("Sales"), [
            (_("Sales"), str(sales["sales_count"])),
            (_("Gross"), _m(sales["gross_fen"])),
            (_("Discounts"), _m(-sales["discount_fen"])),
            (_("Net"), _m(sales["net_fen"])),
            (_("Voids ({n})").format(n=sales["void_count"]), _m(sales["void_fen"])),
            (_("Refunds ({n})").format(n=sales["refund_count"]), _m(sales["refund_fen"])),
            (_("Takings"), _m(sales["takings_fen"])),
        ]),
        SlipSection(_("Tenders"), [(tender_label(k), _m(v))
                                   for k, v in ordered_tenders(sales["tenders"]) if v]
                    + [(_("Total"), _m(sum(sales["tenders"].values())))]),
        SlipSection(_("Performance"), [
            (_("Cash takings"), _m(f["cash_performance_fen"])),
            (_("Consumed value"), _m(f["consumption_fen"])),
        ] + [(_("Taken outside sales: {tender}").format(tender=tender_label(k)), _m(v))
             for k, v in f["counter_money"].items()]),
        SlipSection(_("Stored value"), [
            (_("Top-ups ({n}) principal").format(n=sv["topup_count"]),
             _m(sv["topup_principal_fen"])),
            (_("Top-ups bonus"), _m(sv["topup_bonus_fen"])),
            (_("Spent principal"), _m(sv["spent_principal_fen"])),
            (_("Spent bonus"), _m(sv["spent_bonus_fen"])),
            (_("Refunded principal"), _m(sv["refunded_principal_fen"])),
            (_("Principal at close"), _m(sv["closing_principal_fen"])),
            (_("Bonus at close"), _m(sv["closing_bonus_fen"])),
        ]),
        SlipSection(_("Packages"), [
            (_("Packages sold ({n})").format(n=pkg["sold_count"]), _m(pkg["sold_value_fen"])),
            (_("Sessions used ({n})").format(n=pkg["sessions_used"]),
             _m(pkg["sessions_used_value_fen"])),
            (_("Unused value at close"), _m(pkg["closing_value_fen"])),
        ]),
        SlipSection(_("Points"), [
            (_("Issued"), f"{pts['issued']:,}"), (_("Redeemed"), f"{pts['redeemed']:,}"),
            (_("Expired"), f"{pts['expired']:,}"), (_("Outstanding"), f"{pts['closing']:,}"),
        ]),
        SlipSection(_("Debt"), [
            (_("Opened ({n})").format(n=debt["opened_count"]), _m(debt["opened_fen"])),
            (_("Repaid"), _m(debt["repaid_fen"])),
            (_("Outstanding"), _m(debt["closing_fen"])),
        ]),
        SlipSection(_("Members"), [(_("New members"), str(f["new_members"]))]),
    ]
    if f.get("shifts"):
        sections.append(SlipSection(_("Shifts"), [
            (_("Shift {n}").format(n=s["shift_no"]),
             _m(s["variance_fen"]) if s["variance_fen"] is not None else _("open"))
            for s in f["shifts"]]))
    footer = [_("Backup: {file}").format(file=z.backup_file)] if z.backup_file else []
    return Slip(store_name=z.store_name, title=_("Z report (day close)"), meta=meta,
                sections=sections, footer=footer)


def handover_slip(store_name: str, h: Any) -> Slip:
    """The handover slip of a :class:`~salondesk.services.shifts.Handover`."""
    meta = [(_("Shift"), str(h.shift_no)), (_("Business day"), h.business_day),
            (_("Opened"), f"{h.opened_at[:16].replace('T', ' ')} {h.opened_by}")]
    if h.closed_at:
        meta.append((_("Closed"), f"{h.closed_at[:16].replace('T', ' ')} {h.closed_by or ''}"))
    cash = [(_("Float"), _m(h.float_fen)),
            (_("Cash sales"), _m(h.tenders_in_sales.get("cash", 0))),
            (_("Cash outside sales"), _m(h.counter_money.get("cash", 0))),
            (_("Petty cash in"), _m(h.petty_in_fen)),
            (_("Petty cash out"), _m(-h.petty_out_fen))]
    rows = []
    for r in h.rows():
        rows.append((tender_label(r.tender), _m(r.expected_fen)))
        if h.closed:
            rows.append(("  " + _("counted"), _m(r.counted_fen)))
            if r.variance_fen:
                rows.append(("  " + _("variance"), _m(r.variance_fen)))
    sections = [
        SlipSection(_("Sales"), [(_("Sales"), str(h.sales_count)),
                                 (_("Voids and refunds"), str(h.void_refund_count)),
                                 (_("Takings"), _m(h.takings_fen))]),
        SlipSection(_("Cash drawer"), cash),
        SlipSection(_("Expected and counted") if h.closed else _("Expected"), rows),
    ]
    if h.moves:
        sections.append(SlipSection(_("Petty cash"), [
            (f"{m.at[11:16]} {category_label(m.category)} {m.note}".strip(), _m(m.amount_fen))
            for m in h.moves]))
    if h.denominations:
        sections.append(SlipSection(_("Cash counted"), [
            (f"{_m(int(k))} x {v}", _m(int(k) * v)) for k, v in h.denominations.items()]))
    footer = []
    if h.closed:
        footer.append(_("Variance {amount}").format(amount=_m(h.variance_fen or 0)))
        if h.variance_reason:
            footer.append(_("Reason: {reason}").format(reason=h.variance_reason))
        footer.append(_("Handed over by ______  Received by ______"))
    return Slip(store_name=store_name, title=_("Shift handover"), meta=meta,
                sections=sections, footer=footer)


def category_label(category: str) -> str:
    return {"float_top_up": _("Float top-up"), "supplies": _("Supplies"),
            "cleaning": _("Cleaning"), "meals": _("Meals"), "transport": _("Transport"),
            "bank_deposit": _("Bank deposit"), "other": _("Other")}.get(category, category)


# --- PDF ---------------------------------------------------------------------------------------

def bar_chart(bars: Sequence[tuple[str, int]], *, money: bool = True) -> Any:
    """A horizontal bar chart for a PDF story: one bar per (label, value), top to bottom;
    ``money`` values are fen, drawn in yuan."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(440, 36 + 22 * len(bars))
    chart = HorizontalBarChart()
    chart.x, chart.y = 110, 20   # room below for the value axis' labels
    chart.width, chart.height = 300, 22 * len(bars)
    # the category axis runs bottom-up: reverse, so the first bar is on top
    shown = list(reversed(bars))
    chart.data = [[max(v, 0) / 100 if money else max(v, 0) for _label, v in shown]]
    chart.categoryAxis.categoryNames = [label if len(label) <= 14 else label[:13] + "…"
                                        for label, _v in shown]
    chart.categoryAxis.labels.fontName = FONT_NAME
    chart.valueAxis.labels.fontName = FONT_NAME
    chart.valueAxis.valueMin = 0
    if max((v for _l, v in bars), default=0) <= 0:   # nothing yet: an empty axis, not a crash
        chart.valueAxis.valueMax = 1
    if not money:   # counts: whole steps, never "0.2 members"
        chart.valueAxis.valueStep = max(1, -(-max((v for _l, v in bars), default=0) // 5))
    chart.bars[0].fillColor = colors.HexColor("#c2185b")
    drawing.add(chart)
    return drawing


def page_decorator(store_name: str, title: str, pages: list[int]) -> Any:
    """A platypus page callback: the store and the title at the top, the page number at the
    bottom; ``pages[0]`` ends up as the page count."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    def page(canvas: Any, doc: Any) -> None:
        pages[0] = doc.page
        canvas.saveState()
        canvas.setFont(FONT_NAME, 9)
        canvas.drawString(18 * mm, A4[1] - 12 * mm, f"{store_name}  ·  {title}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, _("Page {n}").format(n=doc.page))
        canvas.restoreState()

    return page


def render_pdf(dest: Path, slip: Slip, *, chart: Sequence[tuple[str, int]] = (),
               charts: Sequence[tuple[str, Sequence[tuple[str, int]]]] = ()) -> int:
    """Write ``slip`` as an A4 PDF to ``dest`` (temporary name, then moved); returns pages.
    ``chart`` is the takings by tender; ``charts`` more (title, bars in fen) after it."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    title, head, _body = styles(head_space=6)
    pages = [0]
    page = page_decorator(slip.store_name, slip.title, pages)

    def table(rows: Sequence[tuple[str, str]]) -> Any:
        t = Table([list(r) for r in rows], colWidths=[110 * mm, 50 * mm])
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT_NAME), ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
        return t

    story: list[Any] = [Paragraph(slip.store_name, title), Paragraph(slip.title, head),
                        table(slip.meta), Spacer(1, 4 * mm)]
    for section in slip.sections:
        story.append(KeepTogether([Paragraph(section.title, head), table(section.rows)]))
    for heading, bars in ([(_("Takings by tender"), chart)] if chart else []) + list(charts):
        if bars:
            story.append(KeepTogether([Paragraph(heading, head), bar_chart(bars)]))
    for line in slip.footer:
        story.append(Paragraph(line, head))
    write_a4(dest, story, title=f"{slip.store_name} {slip.title}", page=page, side_mm=18)
    return pages[0]


def z_pdf(dest: Path, z: Any) -> int:
    """The Z report as an A4 PDF with charts of the takings by tender and of the cash
    takings against the consumed value (现金业绩 vs 消耗业绩)."""
    tenders = ordered_tenders(z.figures["sales"]["tenders"])
    bars = [(tender_label(k), v) for k, v in tenders if v > 0]
    f = z.figures
    performance = [(_("Cash takings"), f["cash_performance_fen"]),
                   (_("Consumed value"), f["consumption_fen"])]
    return render_pdf(dest, z_slip(z), chart=bars, charts=[
        (_("Cash takings and consumed value"), performance)])


def handover_pdf(dest: Path, store_name: str, h: Any) -> int:
    return render_pdf(dest, handover_slip(store_name, h))
