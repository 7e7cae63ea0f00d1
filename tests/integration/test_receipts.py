"""The receipt of a committed sale, void and refund, built from the database and read back
from the printer bytes with the independent decoder."""

from __future__ import annotations

import datetime as dt

import pytest
from salekit import cash, counter, gold_member, sell, service, sv
from storekit import STAFF, STORE_NAME, Shop
from test_printer_cli import decoder

from salondesk.devices.escpos_output import render_receipt
from salondesk.devices.receipt import ReceiptKind
from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.permissions import Permission, Role
from salondesk.domain.pricing import LineKind, ManualDiscount, Rounding
from salondesk.errors import NotFound, ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import auth, checkout, members, packages, sale_undo
from salondesk.services.receipts import find_sale_by_receipt_no, sale_receipt


def realistic_sale(shop: Shop) -> tuple[str, checkout.SaleResult]:
    """Scan a gold member: a designated facial at 8折, a serum, a session of her 6-session
    card; 300 from stored value, the rest by WeChat."""
    gold = counter(shop.owner)
    m = gold_member(shop.owner, gold)
    inst = packages.sell_package(shop.cashier, m, "P6", op_id=new_op_id())
    tech = shop.staff_ids[Role.TECHNICIAN]
    cart = Cart((service("F01", tech, designated=True),
                 CartItem(LineKind.PRODUCT, "6901234567892"),
                 CartItem(LineKind.SESSION, "F02", technician_id=tech, instance_id=inst)),
                member_id=m)
    return m, checkout.commit_sale(shop.cashier, cart, [
        sv(30000), Tender(TenderKind.WECHAT, 10800, reference="4200001")], op_id=new_op_id())


def test_receipts_sale_carries_everything_the_counter_prints(shop: Shop) -> None:
    _m, result = realistic_sale(shop)
    receipt = sale_receipt(shop.cashier, result.sale_id)
    assert receipt.store.name == STORE_NAME
    assert receipt.receipt_no == result.receipt_label == "00000001"
    assert receipt.issued_at == dt.datetime(2026, 3, 3, 10, 0)  # Shanghai time
    assert receipt.cashier == STAFF[Role.CASHIER][0]
    assert receipt.member is not None and receipt.member.phone_masked.count("*") == 4
    names = [(line.name, line.amount, line.discount, line.package_session)
             for line in receipt.lines]
    assert names[0][1:3] == (Money(22000), Money(5500))
    assert names[1][1:3] == (Money(18800), None)
    assert names[2][1:] == (Money(60000), None, True)
    technician = STAFF[Role.TECHNICIAN][0]
    assert receipt.lines[0].technician == f"{technician} (designated)"
    assert [(p.label, p.amount) for p in receipt.pricing] == [
        ("Subtotal", Money(27500 + 18800 + 60000)), ("Member discount", Money(-5500))]
    assert receipt.total == Money(100800)
    assert [(t.label, t.amount, t.reference) for t in receipt.tenders] == [
        ("Stored value", Money(30000), ""), ("WeChat Pay", Money(10800), "4200001"),
        ("Package session", Money(60000), "")]
    assert receipt.change is None and not receipt.opens_drawer
    balances = receipt.balances
    assert balances is not None and balances.principal is not None and balances.bonus is not None
    assert (balances.principal + balances.bonus) == Money(110000 - 30000)
    assert balances.principal.fen == result.sv_principal_fen
    assert [(p.name, p.sessions_left) for p in balances.packages] == [("补水六次卡", 5)]
    assert balances.points == result.points_balance
    assert "Points earned: 108" in receipt.footer
    assert receipt.kind is ReceiptKind.SALE and not receipt.reprint


def test_receipts_bytes_decode_to_the_sale(shop: Shop) -> None:
    _m, result = realistic_sale(shop)
    data = render_receipt(sale_receipt(shop.cashier, result.sale_id), width_mm=58,
                          mode="gb18030")
    decoded = decoder().decode(data)
    text = decoded.text
    for expected in (STORE_NAME, "玻尿酸精华", "补水六次卡", "4200001", "￥1,008.00",
                     "5 sessions left", STAFF[Role.CASHIER][0]):
        assert expected in text, expected
    assert [b.payload for b in decoded.barcodes] == ["00000001"]
    assert decoded.kinds().count("cut") == 1 and "drawer" not in decoded.kinds()


def test_receipts_cash_change_and_drawer_reprint_mark(shop: Shop) -> None:
    counter(shop.owner)
    result = sell(shop.cashier, Cart((service("F01"),)), cash(27500, received=30000))
    first = sale_receipt(shop.cashier, result.sale_id)
    assert first.change == Money(2500) and first.opens_drawer and first.member is None
    assert first.balances is None
    shop.clock.advance(days=3)
    again = sale_receipt(shop.cashier, result.sale_id, reprint=True)
    assert again.reprint and not again.opens_drawer
    assert again.printed_at == dt.datetime(2026, 3, 6, 10, 0)
    assert again.issued_at == first.issued_at
    text = decoder().decode(render_receipt(again, width_mm=80, mode="gb18030")).text
    assert "REPRINT" in text and "drawer" not in decoder().decode(
        render_receipt(again, width_mm=80, mode="gb18030")).kinds()


def test_receipts_pricing_rows_for_manual_discount_and_rounding(shop: Shop) -> None:
    counter(shop.owner)
    cart = Cart((service("F01"), CartItem(LineKind.PRODUCT, "P02")),
                manual=ManualDiscount(reason="老顾客", amount_fen=1234),
                rounding=Rounding.DROP_JIAO)
    bill = checkout.price_cart(shop.owner, cart)
    result = checkout.commit_sale(shop.owner, cart, [cash(bill.due_fen)], op_id=new_op_id())
    rows = {p.label: p.amount for p in sale_receipt(shop.owner, result.sale_id).pricing}
    assert rows["Subtotal"] == Money(27500 + 6800)
    assert rows["Manual discount (老顾客)"] == Money(-1234)
    assert sum(rows.values(), Money(0)) == Money(result.total_fen)


def test_receipts_void_says_so_with_money_back_per_tender(shop: Shop) -> None:
    _m, result = realistic_sale(shop)
    manager, pin = STAFF[Role.MANAGER]
    approval = auth.approve(shop.cashier, manager, pin, Permission.SALE_VOID)
    undo = sale_undo.void_sale(shop.cashier, result.sale_id, reason="录错", op_id=new_op_id(),
                               approval=approval)
    receipt = sale_receipt(shop.cashier, undo.sale_id)
    assert receipt.kind is ReceiptKind.VOID
    assert receipt.original_receipt_no == "00000001" and receipt.receipt_no == "00000002"
    assert receipt.total == Money(-100800)
    assert [(t.label, t.amount) for t in receipt.tenders] == [
        ("Stored value", Money(-30000)), ("WeChat Pay", Money(-10800)),
        ("Package session", Money(-60000))]
    assert "Reason: 录错" in receipt.footer
    assert f"Approved by {manager}" in receipt.footer
    assert receipt.cashier == STAFF[Role.CASHIER][0]
    balances = receipt.balances
    assert balances is not None and balances.principal is not None and balances.bonus is not None
    assert balances.principal + balances.bonus == Money(110000)
    assert [(p.name, p.sessions_left) for p in balances.packages] == [("补水六次卡", 6)]
    text = decoder().decode(render_receipt(receipt, width_mm=58, mode="gb18030")).text
    assert "VOID" in text and "-￥300.00" in text and "录错" in text


def test_receipts_partial_refund_returns_money_by_its_tender(shop: Shop) -> None:
    counter(shop.owner)
    result = sell(shop.cashier, Cart((service("F01"), CartItem(LineKind.PRODUCT, "P02"))),
                  cash(10000), Tender(TenderKind.WECHAT, 24300, reference="W1"))
    with shop.ctx.db.read() as s:
        from sqlalchemy import select

        from salondesk.store.schema import SaleLine
        product_line = s.scalar(select(SaleLine.id).where(SaleLine.sale_id == result.sale_id,
                                                          SaleLine.kind == "product"))
    shop.clock.advance(days=2)
    undo = sale_undo.refund_sale(shop.manager, result.sale_id, reason="过敏",
                                 line_ids=[str(product_line)], op_id=new_op_id())
    receipt = sale_receipt(shop.cashier, undo.sale_id)
    assert receipt.kind is ReceiptKind.REFUND and receipt.total == Money(-6800)
    assert sum((t.amount for t in receipt.tenders), Money(0)) == Money(-6800)
    assert {t.label for t in receipt.tenders} == {"Cash", "WeChat Pay"}
    assert receipt.opens_drawer  # cash goes back out of the drawer
    assert [line.name for line in receipt.lines] == ["洁面乳"]


def test_receipts_birthday_note_in_the_week_and_the_month(shop: Shop) -> None:
    gold = counter(shop.owner)
    m = gold_member(shop.owner, gold)
    # the sale is on Tuesday 3 March 2026 (ISO week Monday 2 - Sunday 8)
    for birthday, expected in ((dt.date(1990, 3, 4), "Happy birthday!"),
                               (dt.date(1990, 3, 25), "Happy birthday month!"),
                               (dt.date(1990, 4, 2), "")):
        members.update_member(shop.owner, m, members.MemberChanges(birthday=birthday),
                              op_id=new_op_id())
        result = sell(shop.cashier, Cart((service("F01"),), member_id=m), sv(22000))
        note = sale_receipt(shop.cashier, result.sale_id).birthday_note
        assert note.startswith(expected) if expected else note == ""


def test_receipts_find_by_receipt_number(shop: Shop) -> None:
    counter(shop.owner)
    result = sell(shop.cashier, Cart((service("F01"),)), cash(27500))
    assert find_sale_by_receipt_no(shop.cashier, "00000001") == result.sale_id
    assert find_sale_by_receipt_no(shop.cashier, " 1 ") == result.sale_id
    with pytest.raises(NotFound, match="00000002"):
        find_sale_by_receipt_no(shop.cashier, 2)
    with pytest.raises(ValidationError):
        find_sale_by_receipt_no(shop.cashier, "abc")
    with pytest.raises(NotFound):
        sale_receipt(shop.cashier, "nope")
