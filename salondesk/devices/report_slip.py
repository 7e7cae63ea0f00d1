"""Report slips on the receipt printer (Z report, shift handover): a title and sections of
label/amount rows, laid out with the receipt's own pieces (:func:`receipt_layout.row`, the
same line types) and rendered by :func:`escpos_output.render_lines` in either Chinese mode.

Pure layout, like the receipt: the caller translates the labels and formats the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from salondesk.devices.escpos_output import ChineseMode, render_lines
from salondesk.devices.receipt_layout import (
    MIN_COLUMNS,
    Align,
    Cut,
    Feed,
    Line,
    Separator,
    TextLine,
    columns_for,
    row,
)
from salondesk.devices.receipt_text import clean_text, wrap


@dataclass(frozen=True)
class SlipSection:
    title: str
    rows: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Slip:
    """What a report slip (and its PDF) shows: header, then titled sections of rows."""

    store_name: str
    title: str
    meta: Sequence[tuple[str, str]] = ()
    sections: Sequence[SlipSection] = ()
    footer: Sequence[str] = field(default_factory=tuple)


def layout_slip(slip: Slip, *, columns: int) -> list[Line]:
    """The printer lines of ``slip`` for a paper of ``columns`` cells; every text line fits."""
    if columns < MIN_COLUMNS:
        raise ValueError(f"a slip needs at least {MIN_COLUMNS} columns")
    out: list[Line] = []

    def text(value: str, *, align: Align = Align.LEFT, bold: bool = False,
             double_height: bool = False) -> None:
        for piece in wrap(clean_text(value), columns):
            out.append(TextLine(piece, align, bold, double_height))

    text(slip.store_name, align=Align.CENTER, bold=True, double_height=True)
    text(slip.title, align=Align.CENTER, bold=True)
    out.append(Separator("="))
    for label, value in slip.meta:
        out.extend(TextLine(p) for p in row(label, value, columns))
    for section in slip.sections:
        out.append(Separator())
        text(section.title, bold=True)
        for label, value in section.rows:
            out.extend(TextLine(p) for p in row(label, value, columns, indent=" "))
    if slip.footer:
        out.append(Separator())
        for line in slip.footer:
            text(line, align=Align.CENTER)
    out.append(Feed(2))
    out.append(Cut())
    return out


def render_slip(slip: Slip, *, width_mm: int, mode: ChineseMode | str) -> bytes:
    """ESC/POS bytes of ``slip`` for a printer of ``width_mm`` in ``mode``."""
    return render_lines(layout_slip(slip, columns=columns_for(width_mm)), width_mm=width_mm,
                        mode=mode)
