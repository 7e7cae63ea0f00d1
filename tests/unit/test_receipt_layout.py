"""The pure receipt layout: cells, wrapping, amounts, marks — and width properties for any
text a name may hold."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_receipt_samples import cash_sale, chinese_sale, refund_reprint, use_zh_labels

from salondesk.devices.escpos_output import encode_text
from salondesk.devices.receipt import (
    BalancesAfter,
    PackageBalance,
    PricingRow,
    Receipt,
    ReceiptKind,
    ReceiptLine,
    ReceiptMember,
    TenderRow,
)
from salondesk.devices.receipt_layout import (
    Align,
    Code,
    Cut,
    DrawerKick,
    TextLine,
    columns_for,
    layout_receipt,
    row,
)
from salondesk.devices.receipt_text import clean_text, text_cells, wrap
from salondesk.money import MAX_ABS_FEN, Money, format_money


@pytest.fixture(autouse=True)
def chinese_labels(monkeypatch: pytest.MonkeyPatch) -> None:
    use_zh_labels(monkeypatch)


def texts(receipt: Receipt, columns: int) -> list[str]:
    return [line.text for line in layout_receipt(receipt, columns=columns)
            if isinstance(line, TextLine)]


def east_asian_cells(text: str) -> int:
    """Display width the usual way (W and F two cells), independent of receipt_text."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def printed_cells(text: str) -> int:
    """Cells the printer uses for the gb18030-mode bytes of ``text``."""
    data = encode_text(text)
    cells, i, chinese = 0, 0, False
    while i < len(data):
        if data[i:i + 2] in (b"\x1c&", b"\x1c."):
            chinese = data[i + 1] == 0x26
            i += 2
        elif chinese:
            cells, i = cells + 2, i + 2
        else:
            cells, i = cells + 1, i + 1
    return cells


def test_receipt_layout_paper_widths_are_32_and_48_columns() -> None:
    assert columns_for(58) == 32 and columns_for(80) == 48
    with pytest.raises(ValueError):
        columns_for(76)


def test_receipt_layout_counts_chinese_as_two_cells() -> None:
    assert text_cells("合计 ¥660.00") == 4 + 1 + 2 + 6
    assert text_cells("abc") == 3 and text_cells("（VIP）") == 7


def test_receipt_layout_row_puts_the_amount_flush_right() -> None:
    [line] = row("深层清洁面部护理", "¥349.20", 32)
    assert text_cells(line) == 32 and line.endswith(" ¥349.20")


def test_receipt_layout_wraps_long_names_with_the_amount_on_the_first_line() -> None:
    name = "韩式半永久雾眉+美瞳线+睫毛嫁接 套餐 (含补色一次)"
    lines = row(name, "¥12,800.00", 32)
    assert lines[0].endswith("¥12,800.00") and text_cells(lines[0]) == 32
    assert len(lines) >= 2 and all(text_cells(line) <= 32 for line in lines)
    assert "".join(p.strip() for p in lines[:1]).startswith("韩式半永久雾眉")
    joined = "".join(line.replace("¥12,800.00", "").replace(" ", "") for line in lines)
    assert joined == name.replace(" ", "")


def test_receipt_layout_never_splits_a_wide_character() -> None:
    assert wrap("一二三四五", 5) == ["一二", "三四", "五"]


def test_receipt_layout_wraps_latin_at_spaces() -> None:
    assert wrap("Hydrating serum refill pack", 16) == ["Hydrating serum", "refill pack"]


def test_receipt_layout_masks_the_member_phone() -> None:
    lines = texts(chinese_sale(), 32)
    assert any(line.endswith("138****5678") for line in lines)
    assert not any("13812345678" in line for line in lines)
    assert ReceiptMember(name="x", member_no=1, phone="138****5678").phone_masked \
        == "138****5678"


def test_receipt_layout_ends_with_barcode_and_cut_and_kicks_only_for_cash() -> None:
    lines = layout_receipt(chinese_sale(), columns=32)
    assert isinstance(lines[-1], Cut)
    assert [c.payload for c in lines if isinstance(c, Code)] == ["R20260509-0007"]
    cash = layout_receipt(cash_sale(), columns=32)
    assert isinstance(cash[-1], DrawerKick) and isinstance(cash[-2], Cut)
    assert not any(isinstance(x, DrawerKick)
                   for x in layout_receipt(refund_reprint(), columns=32))


@pytest.mark.parametrize(("kind", "reprint", "banner"), [
    (ReceiptKind.SALE, False, None),
    (ReceiptKind.SALE, True, "*** 重印 REPRINT ***"),
    (ReceiptKind.REFUND, False, "*** 退款 REFUND ***"),
    (ReceiptKind.VOID, True, "*** 作废 VOID / 重印 REPRINT ***"),
])
def test_receipt_layout_marks_reprints_refunds_and_voids(kind: ReceiptKind, reprint: bool,
                                                          banner: str | None) -> None:
    receipt = dataclasses.replace(chinese_sale(), kind=kind, reprint=reprint,
                                  original_receipt_no="R1",
                                  printed_at=dt.datetime(2026, 5, 10, 8, 0))
    lines = layout_receipt(receipt, columns=32)
    first = lines[0]
    assert isinstance(first, TextLine)
    if banner is None:
        assert first.text == "悦颜美容院（国贸店）"
        return
    assert first.text == banner and first.bold and first.align is Align.CENTER
    assert sum(1 for x in lines if isinstance(x, TextLine) and x.text == banner) == 2
    total_label = {"sale": "合计", "refund": "退款合计", "void": "作废合计"}[kind.value]
    assert any(x.startswith(total_label + " ") for x in texts(receipt, 32))
    if reprint:
        assert any(x.startswith("重印时间") and x.endswith("2026-05-10 08:00")
                   for x in texts(receipt, 32))


def test_receipt_layout_english_banner_is_not_doubled(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    from salondesk import i18n

    monkeypatch.setattr(i18n, "_current", __import__("gettext").NullTranslations())
    receipt = dataclasses.replace(chinese_sale(), reprint=True)
    first = layout_receipt(receipt, columns=48)[0]
    assert isinstance(first, TextLine) and first.text == "*** REPRINT ***"


def test_receipt_layout_amounts_are_never_cut_even_absurd_ones() -> None:
    huge = Money(10**40)
    receipt = dataclasses.replace(
        chinese_sale(), total=huge,
        lines=(ReceiptLine(name="名" * 40, qty=1, unit_price=huge, amount=huge),))
    lines = texts(receipt, 32)
    assert all(text_cells(line) <= 32 for line in lines)
    joined = "".join(line.strip() for line in lines)
    assert format_money(huge) in joined


# --- properties ---------------------------------------------------------------------

NAMES = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),                                  # anything at all
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),     # CJK
        st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF),   # CJK ext. B
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),   # emoji
        st.sampled_from("（）【】·×é\u0301\u200d\ufe0f\t\n ¥€"),
    ),
    max_size=120)
AMOUNTS = st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN).map(Money)


@st.composite
def receipts(draw: st.DrawFn) -> Receipt:
    line = st.builds(
        lambda name, qty, unit, amount, disc, tech, pkg: ReceiptLine(
            name=name, qty=qty, unit_price=unit, amount=amount, discount=disc,
            technician=tech, package_session=pkg),
        NAMES, st.integers(-999, 9999), AMOUNTS, AMOUNTS, st.none() | AMOUNTS, NAMES,
        st.booleans())
    return dataclasses.replace(
        chinese_sale(),
        receipt_no=draw(NAMES),
        cashier=draw(NAMES),
        member=ReceiptMember(name=draw(NAMES), member_no=draw(st.integers(0, 10**9)),
                             phone=draw(NAMES)),
        lines=tuple(draw(st.lists(line, max_size=4))),
        pricing=tuple(PricingRow(draw(NAMES), draw(AMOUNTS)) for _ in range(2)),
        total=draw(AMOUNTS),
        tenders=(TenderRow(label=draw(NAMES), amount=draw(AMOUNTS), reference=draw(NAMES),
                           is_cash=draw(st.booleans())),),
        change=draw(st.none() | AMOUNTS),
        balances=BalancesAfter(principal=draw(AMOUNTS), bonus=draw(AMOUNTS),
                               packages=(PackageBalance(
                                   name=draw(NAMES),
                                   sessions_left=draw(st.none() | st.integers(0, 10**6))),),
                               points=draw(st.integers(-10**9, 10**9))),
        birthday_note=draw(NAMES),
        footer=(draw(NAMES),),
        kind=draw(st.sampled_from(ReceiptKind)),
        reprint=draw(st.booleans()),
        original_receipt_no=draw(NAMES),
    )


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(receipt=receipts(), width=st.sampled_from([58, 80]))
def test_receipt_layout_every_line_fits_the_paper(receipt: Receipt, width: int) -> None:
    columns = columns_for(width)
    lines = layout_receipt(receipt, columns=columns)   # never raises
    for text in (x.text for x in lines if isinstance(x, TextLine)):
        assert text_cells(text) <= columns
        assert east_asian_cells(text) <= columns
        assert printed_cells(text) <= columns


@settings(max_examples=150, deadline=None)
@given(name=NAMES, amount=AMOUNTS, width=st.sampled_from([58, 80]))
def test_receipt_layout_amounts_are_whole_and_flush_right(name: str, amount: Money,
                                                          width: int) -> None:
    columns = columns_for(width)
    shown = format_money(amount)
    lines = row(name, shown, columns)
    assert all(text_cells(line) <= columns for line in lines)
    with_amount = [line for line in lines if line.endswith(shown)]
    assert with_amount, "the amount is printed whole"
    assert text_cells(with_amount[0]) == columns
    # The name loses nothing but the spaces it wraps at and what takes no cell.
    kept = "".join(line[:-len(shown)] if line is with_amount[0] else line for line in lines)
    assert kept.replace(" ", "") == clean_text(name).replace(" ", "")
