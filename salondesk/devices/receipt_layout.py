"""The receipt layout: a :class:`~salondesk.devices.receipt.Receipt` in, printer lines out.

Pure: no I/O, no escpos, no clock. The output is a list of typed lines (text with alignment
and emphasis, separators, the receipt no. as a barcode, a cut, a drawer kick) that an adapter
renders (:mod:`salondesk.devices.escpos_output`) or previews. Every text line fits the paper:
58 mm paper has 32 cells, 80 mm paper 48, with Chinese (and every other non-ASCII
character) two cells wide (:mod:`salondesk.devices.receipt_text`). Long names wrap onto the
following lines; an amount is never cut, and sits right-aligned on its row's first line.

Labels are translated with :func:`salondesk.i18n._` at layout time, so lay a receipt out in
the locale it is printed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from salondesk.devices.receipt import Receipt, ReceiptKind, ReceiptLine
from salondesk.devices.receipt_text import clean_text, pad_right, text_cells, wrap
from salondesk.i18n import _, ngettext
from salondesk.money import Money, format_money

#: Character cells per line (font A, 12 dots) for each paper width in mm.
PAPER_COLUMNS = {58: 32, 80: 48}
MIN_COLUMNS = 16
INDENT = "  "
TIME_FORMAT = "%Y-%m-%d %H:%M"


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class TextLine:
    """One printed line of at most the paper's cells; the adapter aligns it."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    double_height: bool = False  # taller, same width: the cell count does not change


@dataclass(frozen=True)
class Separator:
    """A full-width rule drawn with ``char`` (one cell)."""

    char: str = "-"


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Code:
    """The receipt no. as a Code128 barcode (the adapter may fall back to a QR code when
    it does not fit the paper)."""

    payload: str


@dataclass(frozen=True)
class Cut:
    pass


@dataclass(frozen=True)
class DrawerKick:
    pass


Line = TextLine | Separator | Feed | Code | Cut | DrawerKick


def columns_for(width_mm: int) -> int:
    """The cell count of a paper width (58 or 80 mm); anything else is refused."""
    try:
        return PAPER_COLUMNS[width_mm]
    except KeyError:
        raise ValueError(f"unsupported paper width {width_mm} mm (58 or 80)") from None


def money(amount: Money) -> str:
    return format_money(amount)


def row(left: str, right: str, columns: int, *, indent: str = "") -> list[str]:
    """``left`` and ``right`` on one line, ``right`` flush right; if ``left`` is too long it
    wraps, the first piece keeping ``right`` beside it. ``right`` is never cut: when it
    leaves too little room it gets a line of its own (and, absurdly long, wraps itself)."""
    left, right = clean_text(left), clean_text(right)
    right_cells = text_cells(right)
    room = columns - right_cells - 1 - len(indent)
    if not right:
        return [indent + piece for piece in wrap(left, columns - len(indent))]
    if text_cells(left) <= room:
        return [indent + pad_right(left, room + 1) + right]
    if room >= max(6, columns // 3):
        first = wrap(left, room)[0]
        rest = left[len(first):].lstrip(" ")
        lines = [indent + pad_right(first, room + 1) + right]
        if rest:
            lines += [indent + piece for piece in wrap(rest, columns - len(indent))]
        return lines
    lines = [indent + piece for piece in wrap(left, columns - len(indent))] if left else []
    return lines + [" " * (columns - text_cells(p)) + p for p in wrap(right, columns)]


class _Builder:
    def __init__(self, columns: int) -> None:
        self.columns = columns
        self.lines: list[Line] = []

    def text(self, text: str, *, align: Align = Align.LEFT, bold: bool = False,
             double_height: bool = False) -> None:
        for piece in wrap(clean_text(text), self.columns):
            self.lines.append(TextLine(piece, align, bold, double_height))

    def rows(self, left: str, right: str, *, bold: bool = False, indent: str = "") -> None:
        for piece in row(left, right, self.columns, indent=indent):
            self.lines.append(TextLine(piece, Align.LEFT, bold))

    def field(self, label: str, value: str) -> None:
        if value:
            self.rows(label, value)

    def rule(self, char: str = "-") -> None:
        self.lines.append(Separator(char))

    def add(self, line: Line) -> None:
        self.lines.append(line)


def _banner(receipt: Receipt, columns: int) -> str:
    """The mark on a receipt that is not a plain first print, always with the English word
    too, so a reprint or refund is recognised whatever language the shop prints in."""
    words: list[tuple[str, str]] = []
    if receipt.kind is ReceiptKind.REFUND:
        words.append((_("REFUND"), "REFUND"))
    elif receipt.kind is ReceiptKind.VOID:
        words.append((_("VOID"), "VOID"))
    if receipt.reprint:
        words.append((_("REPRINT"), "REPRINT"))
    parts = [shown if shown == english else f"{shown} {english}" for shown, english in words]
    if not parts:
        return ""
    starred = f"*** {' / '.join(parts)} ***"
    return starred if text_cells(clean_text(starred)) <= columns else " / ".join(parts)


def _line_notes(line: ReceiptLine) -> Iterable[str]:
    if line.qty != 1 or line.discount:
        yield f"{line.qty} x {money(line.unit_price)}"
    if line.discount:
        yield _("Discount {amount}").format(amount=money(-line.discount))
    if line.package_session:
        yield _("Paid by package session")
    if line.technician:
        yield _("Technician: {name}").format(name=line.technician)


def _total_label(kind: ReceiptKind) -> str:
    if kind is ReceiptKind.REFUND:
        return _("Refund total")
    if kind is ReceiptKind.VOID:
        return _("Voided total")
    return _("Total")


def layout_receipt(receipt: Receipt, *, columns: int) -> list[Line]:
    """Lay ``receipt`` out for a paper of ``columns`` cells (see :func:`columns_for`).

    Never raises for any text in the receipt: odd characters are cleaned or measured as two
    cells, and every :class:`TextLine` has at most ``columns`` cells.
    """
    if columns < MIN_COLUMNS:
        raise ValueError(f"a receipt needs at least {MIN_COLUMNS} columns")
    b = _Builder(columns)
    banner = _banner(receipt, columns)
    if banner:
        b.text(banner, align=Align.CENTER, bold=True)
    _header(b, receipt)
    _items(b, receipt)
    _payment(b, receipt)
    _balances(b, receipt)
    if receipt.birthday_note:
        b.rule()
        b.text(receipt.birthday_note, align=Align.CENTER, bold=True)
    if receipt.footer:
        b.rule()
        for footer_line in receipt.footer:
            b.text(footer_line, align=Align.CENTER)
    b.add(Feed(1))
    if receipt.receipt_no:
        b.add(Code(receipt.receipt_no))
    if banner:
        b.text(banner, align=Align.CENTER, bold=True)
    b.add(Cut())
    if receipt.opens_drawer:
        b.add(DrawerKick())
    return b.lines


def _header(b: _Builder, receipt: Receipt) -> None:
    b.text(receipt.store.name, align=Align.CENTER, bold=True, double_height=True)
    if receipt.store.address:
        b.text(receipt.store.address, align=Align.CENTER)
    if receipt.store.phone:
        b.text(_("Tel: {phone}").format(phone=receipt.store.phone), align=Align.CENTER)
    b.rule("=")
    b.field(_("Receipt no."), receipt.receipt_no)
    if receipt.kind is not ReceiptKind.SALE:
        b.field(_("Original receipt"), receipt.original_receipt_no)
    b.field(_("Time"), receipt.issued_at.strftime(TIME_FORMAT))
    if receipt.reprint and receipt.printed_at is not None:
        b.field(_("Reprinted"), receipt.printed_at.strftime(TIME_FORMAT))
    b.field(_("Cashier"), receipt.cashier)
    member = receipt.member
    if member is not None:
        b.rule()
        b.field(_("Member"), member.name)
        b.field(_("Member no."), f"{member.member_no:06d}")
        b.field(_("Phone"), member.phone_masked)


def _items(b: _Builder, receipt: Receipt) -> None:
    b.rule()
    b.rows(_("Item"), _("Amount"), bold=True)
    for line in receipt.lines:
        b.rows(line.name, money(line.amount))
        for note in _line_notes(line):
            b.rows(note, "", indent=INDENT)


def _payment(b: _Builder, receipt: Receipt) -> None:
    b.rule()
    for pricing_row in receipt.pricing:
        b.rows(pricing_row.label, money(pricing_row.amount))
    for piece in row(_total_label(receipt.kind), money(receipt.total), b.columns):
        b.add(TextLine(piece, Align.LEFT, bold=True, double_height=True))
    if receipt.tenders:
        b.rule()
    for tender in receipt.tenders:
        b.rows(tender.label, money(tender.amount))
        if tender.reference:
            b.rows(_("Ref. {reference}").format(reference=tender.reference), "",
                   indent=INDENT)
    if receipt.change is not None:
        b.rows(_("Change"), money(receipt.change))


def _balances(b: _Builder, receipt: Receipt) -> None:
    balances = receipt.balances
    if balances is None:
        return
    b.rule()
    b.text(_("Balances after this sale"), bold=True)
    if balances.principal is not None:
        b.rows(_("Stored value (principal)"), money(balances.principal))
    if balances.bonus is not None:
        b.rows(_("Stored value (bonus)"), money(balances.bonus))
    for package in balances.packages:
        if package.sessions_left is None:
            left = _("unlimited")
        else:
            left = ngettext("{n} session left", "{n} sessions left",
                            package.sessions_left).format(n=package.sessions_left)
        b.rows(package.name, left)
        if package.expires_on is not None:
            b.rows(_("valid until {date}").format(date=package.expires_on.isoformat()),
                   "", indent=INDENT)
    if balances.points is not None:
        b.rows(_("Points"), f"{balances.points:,}")
