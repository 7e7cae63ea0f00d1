"""Shifts (交班): float, petty cash, expected vs counted per tender, variance and its reason,
the handover slip (decoded bytes) and PDF (extracted text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from daykit import mixed_day
from salekit import cash, sell, service
from storekit import STORE_NAME, Shop
from test_day_close import decoder

from salondesk.domain import cash_count
from salondesk.domain.cart import Cart
from salondesk.errors import Conflict, ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money, format_money
from salondesk.services import shifts
from salondesk.store.schema import AuditEntry, OutboxEvent


def test_shifts_expected_per_tender_from_the_day(shop: Shop) -> None:
    mixed_day(shop)
    h = shifts.current(shop.cashier)
    assert h is not None and not h.closed
    # cash: float 500 + B01 400 + F02 284 + F01 275 - its void 275 - yesterday's refund 400
    #       + 500 topped up at the ledger screen - 30 petty cash for supplies
    assert h.expected["cash"] == 50000 + 40000 + 28400 + 27500 - 27500 - 40000 + 50000 - 3000
    assert h.expected["wechat"] == 10800 + 20000  # a split sale and a debt repaid by WeChat
    assert h.expected["alipay"] == 360000 and h.expected["card"] == 100000
    assert h.expected["stored_value"] == 30000 and h.expected["package"] == 60000
    assert (h.petty_in_fen, h.petty_out_fen) == (0, 3000)
    assert h.sales_count == 6 and h.void_refund_count == 2


def test_shifts_close_with_a_count_by_denomination_and_a_reason(shop: Shop) -> None:
    mixed_day(shop)
    h = shifts.current(shop.cashier)
    assert h is not None
    expected = h.expected["cash"]  # 1,254.00
    short = {10000: 12, 5000: 1, 100: 3}  # 1,253.00: one yuan short
    assert cash_count.counted_cash(short) == expected - 100
    with pytest.raises(ValidationError, match="differs"):
        shifts.close_shift(shop.cashier, denominations={10000: 12}, op_id=new_op_id())
    closed = shifts.close_shift(shop.cashier, denominations=short,
                                counted={"wechat": h.expected["wechat"]}, op_id=new_op_id())
    assert closed.closed and closed.variance_fen == -100 and closed.variance_reason is None
    rows = {r.tender: r for r in closed.rows()}
    assert (rows["cash"].expected_fen, rows["cash"].counted_fen) == (expected, expected - 100)
    assert rows["alipay"].variance_fen == 0
    # a new shift after the close; a big difference needs a reason
    shop.clock.advance(minutes=1)
    shifts.open_shift(shop.cashier, float_fen=20000, op_id=new_op_id())
    shop.clock.advance(minutes=1)
    sell(shop.cashier, Cart((service("B01"),)), cash(40000))
    shop.clock.advance(minutes=1)
    with pytest.raises(ValidationError, match="reason"):
        shifts.close_shift(shop.cashier, denominations={10000: 5}, op_id=new_op_id())
    second = shifts.close_shift(shop.cashier, denominations={10000: 5},
                                reason="找错零钱", op_id=new_op_id())
    assert (second.expected["cash"], second.variance_fen) == (60000, -10000)
    assert second.variance_reason == "找错零钱" and second.shift_no == closed.shift_no + 1
    with shop.ctx.db.read() as s:
        events = [json.loads(e.payload) for e in s.query(OutboxEvent).filter(
            OutboxEvent.type == "shift.closed")]
        audited = s.query(AuditEntry).filter(AuditEntry.action == "shift.close",
                                             AuditEntry.outcome == "ok").count()
    assert [e["variance_fen"] for e in events] == [-100, -10000] and audited == 2


def test_shifts_refusals(shop: Shop) -> None:
    with pytest.raises(Conflict, match="No shift"):
        shifts.record_cash_move(shop.cashier, amount_fen=1000, category="supplies",
                                op_id=new_op_id())
    shifts.open_shift(shop.cashier, float_fen=0, op_id=new_op_id())
    with pytest.raises(Conflict, match="already open"):
        shifts.open_shift(shop.cashier, float_fen=100, op_id=new_op_id())
    with pytest.raises(ValidationError, match="category"):
        shifts.record_cash_move(shop.cashier, amount_fen=1000, category="lunch",
                                op_id=new_op_id())
    with pytest.raises(ValidationError, match="what the petty cash"):
        shifts.record_cash_move(shop.cashier, amount_fen=-1000, category="other",
                                op_id=new_op_id())
    with pytest.raises(ValidationError, match="banknote"):
        shifts.close_shift(shop.cashier, denominations={300: 1}, op_id=new_op_id())
    with pytest.raises(ValidationError):
        shifts.open_shift(shop.cashier, float_fen=-1, op_id=new_op_id())


def _closed_handover(shop: Shop) -> shifts.Handover:
    mixed_day(shop)
    h = shifts.current(shop.cashier)
    assert h is not None
    c = h.expected["cash"]
    return shifts.close_shift(shop.cashier, denominations={10000: c // 10000,
                                                           100: c % 10000 // 100},
                              op_id=new_op_id())


def test_shifts_handover_slip_decodes(shop: Shop) -> None:
    from salondesk.devices.report_slip import render_slip
    from salondesk.documents.day_reports import handover_slip

    h = _closed_handover(shop)
    for width, columns in ((58, 32), (80, 48)):
        printed = decoder().decode(render_slip(handover_slip(STORE_NAME, h), width_mm=width,
                                               mode="gb18030"))
        assert all(len(line.text.encode("gbk")) <= columns for line in printed.lines)
        text = printed.text
        assert STORE_NAME in text and "Shift handover" in text
        assert format_money(Money(h.expected["cash"])).replace("¥", "￥") in text
        assert "纸巾" in text  # the petty cash note


def test_shifts_handover_pdf_text(shop: Shop, tmp_path: Path) -> None:
    import pdfplumber

    from salondesk.documents.day_reports import handover_pdf

    h = _closed_handover(shop)
    handover_pdf(tmp_path / "h.pdf", STORE_NAME, h)
    with pdfplumber.open(tmp_path / "h.pdf") as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    assert STORE_NAME in text and "纸巾" in text
    assert format_money(Money(h.expected["cash"])) in text
    assert format_money(Money(h.expected["alipay"])) in text
