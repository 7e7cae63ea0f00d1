"""Commission of a line shared between staff (60/40 ...) and of gifted items (赠送): worked
examples through the real checkout, the statement, the payroll table and the PDF, voids
taking back exactly what was earned, and shares that do not add up refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from appointmentkit import technician
from salekit import cash, counter, gold_member, sell, sv
from sqlalchemy import func, select
from storekit import Shop

from salondesk.domain.cart import Cart, CartItem
from salondesk.domain.commission import (
    PerformedLine,
    RuleError,
    check_shares,
    performance_rows,
)
from salondesk.domain.pricing import LineKind
from salondesk.errors import ValidationError
from salondesk.ids import new_op_id
from salondesk.services import catalogue, commission, coupons, reports, sale_undo
from salondesk.services.commission import CommissionRule
from salondesk.store.schema import Sale, SaleCommission
from salondesk.store.verify import verify_database

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FACIAL_300 = catalogue.ServiceSpec("F03", "焕颜护理", "面部护理", 30000, 60)


def _rules(gift_bp: int = 0) -> list[CommissionRule]:
    return [
        # 5% of what was paid; hand fee 10.00 rotation, 20.00 designated; gifts at gift_bp
        CommissionRule("service", "*", percent_bp=500, fixed_fen=1000, designated_fixed_fen=2000,
                       gift_bp=gift_bp),
        CommissionRule("service", "*", grade="senior", percent_bp=600, designated_percent_bp=800,
                       fixed_fen=1000, designated_fixed_fen=2000, gift_bp=gift_bp),
        CommissionRule("product", "*", percent_bp=1000),
    ]


def _shop(shop: Shop, gift_bp: int = 0) -> tuple[str, str, str]:
    gold = counter(shop.owner)
    catalogue.upsert_services(shop.owner, [FACIAL_300], op_id=new_op_id())
    commission.set_rules(shop.owner, _rules(gift_bp), op_id=new_op_id())
    mid = technician(shop.owner, "李美美", grade="mid", services=("F01", "F02", "F03"))
    senior = technician(shop.owner, "周波", grade="senior", services=("F01", "F02", "F03"))
    return gold_member(shop.owner, gold), mid, senior


def _shared(code: str, lead: str, other: str, lead_pct: int, *,
            designated: bool = False) -> CartItem:
    return CartItem(LineKind.SERVICE, code, technician_id=lead, designated=designated,
                    shares=((lead, lead_pct), (other, 100 - lead_pct)))


def _rows(shop: Shop, sale_id: str) -> list[tuple[str, str, int, bool, int]]:
    with shop.ctx.db.read() as s:
        return [tuple(r) for r in s.execute(  # type: ignore[misc]
            select(SaleCommission.staff_id, SaleCommission.kind, SaleCommission.base_fen,
                   SaleCommission.designated, SaleCommission.share_pct)
            .where(SaleCommission.sale_id == sale_id)
            .order_by(SaleCommission.kind, SaleCommission.share_pct.desc()))]


def test_commission_split_worked_example_60_40_designated_facial(shop: Shop) -> None:
    m, mid, senior = _shop(shop)
    # the 300 facial at 8折 = 240.00 from stored value; 李美美 (designated) 60%, 周波 40%
    sale = sell(shop.cashier, Cart((_shared("F03", mid, senior, 60, designated=True),),
                                   member_id=m), sv(24000))
    assert _rows(shop, sale.sale_id) == [(mid, "consumption", 14400, True, 60),
                                         (senior, "consumption", 9600, False, 40)]
    lead = commission.statement(shop.manager, mid, *MARCH)
    # 5% of 144.00 = 7.20, plus 60% of the designated hand fee 20.00 = 12.00
    assert [(ln.base_fen, ln.share_pct, ln.designated, ln.percent_fen, ln.fixed_fen)
            for ln in lead.lines] == [(14400, 60, True, 720, 1200)]
    assert (lead.consumption_performance_fen, lead.commission_fen) == (14400, 1920)
    helper = commission.statement(shop.manager, senior, *MARCH)
    # senior, rotation: 6% of 96.00 = 5.76, plus 40% of the rotation hand fee 10.00 = 4.00
    assert [(ln.base_fen, ln.share_pct, ln.designated, ln.percent_fen, ln.fixed_fen)
            for ln in helper.lines] == [(9600, 40, False, 576, 400)]
    assert (helper.consumption_performance_fen, helper.commission_fen) == (9600, 976)
    assert (lead.designated_count, helper.rotation_count) == (1, 1)
    # the performance report adds up to the line, not to twice it
    table = reports.commission_summary(shop.manager, *MARCH)
    assert sum(r[2] for r in table.rows) == 24000


def test_commission_split_cash_and_odd_amounts_sum_exactly(shop: Shop) -> None:
    _m, mid, senior = _shop(shop)
    third = technician(shop.owner, "王芳", grade="junior", services=("F01",))
    item = CartItem(LineKind.SERVICE, "F01", technician_id=mid,
                    shares=((mid, 33), (senior, 33), (third, 34)))
    sale = sell(shop.cashier, Cart((item,)), cash(27500))
    rows = _rows(shop, sale.sale_id)
    cash_rows = sorted((r[0], r[2]) for r in rows if r[1] == "cash")
    perf_rows = sorted((r[0], r[2]) for r in rows if r[1] == "consumption")
    # 275.00 by 33/33/34: 90.75 / 90.75 / 93.50 - the largest remainder keeps the total
    assert sum(b for _w, b in cash_rows) == 27500 == sum(b for _w, b in perf_rows)
    assert dict(perf_rows) == {mid: 9075, senior: 9075, third: 9350}
    payroll = commission.payroll(shop.manager, *MARCH)
    assert sum(st.consumption_performance_fen for st in payroll) == 27500
    table = commission.payroll_table(payroll)
    assert len(table.headers) == len(table.rows[0]) == 14
    assert [row[11] for row in table.rows] == [1, 1, 1]  # shared lines


def test_commission_split_void_takes_back_exactly_what_each_earned(shop: Shop) -> None:
    m, mid, senior = _shop(shop)
    sale = sell(shop.cashier, Cart((_shared("F03", mid, senior, 70, designated=True),),
                                   member_id=m), sv(24000))
    sale_undo.void_sale(shop.manager, sale.sale_id, reason="录错", op_id=new_op_id())
    for who in (mid, senior):
        st = commission.statement(shop.manager, who, *MARCH)
        assert st.commission_fen == 0 and st.consumption_performance_fen == 0
        assert len(st.lines) == 2  # the sale and its void, each with the share
        assert {ln.share_pct for ln in st.lines} == ({70} if who == mid else {30})
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


@pytest.mark.parametrize(("shares", "message"), [
    (((0, 50), (1, 40)), "add up to 90%"),
    (((0, 100), (1, 0)), "from 1 to 99"),
    (((0, 50), (0, 50)), "appears once"),
    (((1, 50), (2, 50)), "technician must be one of"),
])
def test_commission_split_shares_that_do_not_add_up_are_refused(
        shop: Shop, shares: tuple[tuple[int, int], ...], message: str) -> None:
    _m, mid, senior = _shop(shop)
    third = technician(shop.owner, "王芳", grade="junior", services=("F01",))
    people = (mid, senior, third)
    item = CartItem(LineKind.SERVICE, "F01", technician_id=mid,
                    shares=tuple((people[i], p) for i, p in shares))
    with shop.ctx.db.read() as s:
        receipts = s.scalar(select(func.count()).select_from(Sale))
    with pytest.raises(ValidationError, match=message):
        sell(shop.cashier, Cart((item,)), cash(27500))
    with shop.ctx.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Sale)) == receipts


def test_commission_split_gifted_service_earns_the_rule_gift_rate(shop: Shop) -> None:
    m, mid, senior = _shop(shop, gift_bp=5000)  # gifts earn half the usual commission
    free = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="免费焕颜护理", kind="service", service_code="F03"), op_id=new_op_id())
    code = coupons.issue_to_members(shop.owner, free, [m], op_id=new_op_id())[0]
    sale = sell(shop.cashier, Cart((_shared("F03", mid, senior, 60, designated=True),),
                                   member_id=m, coupon_code=code))
    assert sale.total_fen == 0
    # the list value 300.00 given away, split 60/40; no performance
    assert _rows(shop, sale.sale_id) == [(mid, "gift", 18000, True, 60),
                                         (senior, "gift", 12000, False, 40)]
    lead = commission.statement(shop.manager, mid, *MARCH)
    # half of (5% of 180.00 = 9.00) and half of 60% of the 20.00 designated fee (12.00)
    assert [(ln.gift, ln.percent_fen, ln.fixed_fen) for ln in lead.lines] == [
        (True, 450, 600)]
    assert (lead.consumption_performance_fen, lead.gift_value_fen,
            lead.commission_fen) == (0, 18000, 1050)
    table = commission.payroll_table(commission.payroll(shop.manager, *MARCH))
    assert sorted(row[10] for row in table.rows) == [12000, 18000]


def test_commission_split_gift_with_no_commission_by_default(shop: Shop, tmp_path: Path
                                                             ) -> None:
    import pdfplumber

    from salondesk.documents.commission import statement_pdf

    m, mid, senior = _shop(shop)  # gift_bp 0: a gifted item earns nothing
    free = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="免费焕颜护理", kind="service", service_code="F03"), op_id=new_op_id())
    code = coupons.issue_to_members(shop.owner, free, [m], op_id=new_op_id())[0]
    sell(shop.cashier, Cart((CartItem(LineKind.SERVICE, "F03", technician_id=mid),),
                            member_id=m, coupon_code=code))
    sell(shop.cashier, Cart((_shared("F03", mid, senior, 60),), member_id=m), sv(24000))
    st = commission.statement(shop.manager, mid, *MARCH)
    assert [(ln.gift, ln.commission_fen) for ln in st.lines] == [
        (True, 0), (False, 720 + 600)]
    assert (st.gift_value_fen, st.consumption_performance_fen) == (30000, 14400)
    assert statement_pdf(tmp_path / "c.pdf", "玫瑰人生美容院", st) == 1
    with pdfplumber.open(tmp_path / "c.pdf") as pdf:
        text = pdf.pages[0].extract_text()
    assert "焕颜护理" in text and "60%" in text


def test_commission_split_rows_pure_function() -> None:
    assert check_shares(()) == ()
    with pytest.raises(RuleError):
        check_shares((("a", 100),))
    line = PerformedLine("l1", "product", net_fen=1001, money_fen=1001, list_fen=1200,
                         technician_id="a", shares=(("a", 50), ("b", 50)))
    rows = performance_rows([line], seller_id="cashier")
    assert [(r.staff_id, r.kind, r.base_fen, r.share_pct) for r in rows] == [
        ("a", "consumption", 501, 50), ("b", "consumption", 500, 50),
        ("a", "cash", 501, 50), ("b", "cash", 500, 50)]
    # a line paid wholly with points is no gift; one without a technician is the seller's
    paid_by_points = PerformedLine("l2", "service", net_fen=0, money_fen=0, list_fen=5000,
                                   points_fen=5000)
    assert performance_rows([paid_by_points], seller_id="cashier") == []
    top_up = PerformedLine("l3", "topup", net_fen=100000, money_fen=100000, list_fen=100000)
    assert [(r.staff_id, r.kind) for r in performance_rows([top_up], seller_id="c")] == [
        ("c", "cash")]


def test_commission_split_held_cart_and_rules_keep_shares_and_gift_rate() -> None:
    cart = Cart((CartItem(LineKind.SERVICE, "F01", technician_id="a",
                          shares=(("a", 60), ("b", 40))),))
    import json

    again = Cart.from_json(json.loads(json.dumps(cart.to_json())))
    assert again == cart and again.items[0].shares == (("a", 60), ("b", 40))
    rule = CommissionRule("service", "*", percent_bp=500, gift_bp=2500)
    assert CommissionRule.from_json(rule.to_json()) == rule
    with pytest.raises(RuleError, match="gifted"):
        CommissionRule("service", "*", gift_bp=10001).check()
