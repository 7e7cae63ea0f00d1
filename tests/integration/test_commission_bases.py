"""Commission per kind of performance and per base, through real sales: the issue's worked
example (a 300 facial at 8折 = 240 paid from a 1000 + 100 lot -> principal 218.18 / bonus
21.82; 5% = 12.00 on the amount paid, 10.91 on the principal only, 15.00 on the list price,
plus the designated hand fee), a top-up and a card sale earning cash-performance commission,
a void taking it back exactly, rows recorded before the bonus and list parts were kept, and
the statement PDF and payroll naming the kind and the base."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from appointmentkit import technician
from salekit import cash, counter, gold_member, sell, service, sv
from sqlalchemy import select, text
from storekit import Shop

from salondesk.domain.cart import Cart, CartItem, Tender, TenderKind
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind
from salondesk.errors import ValidationError
from salondesk.ids import new_op_id
from salondesk.services import catalogue, commission, sale_undo
from salondesk.services.commission import CommissionRule, StepRates
from salondesk.store.schema import SaleCommission
from salondesk.store.verify import verify_database

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FACIAL_300 = catalogue.ServiceSpec("F03", "焕颜护理", "面部护理", 30000, 60)


def _facial_rule(**base: object) -> CommissionRule:
    """5% of consumption performance; hand fee 10.00 rotation, 20.00 designated."""
    return CommissionRule("service", "*", percent_bp=500, fixed_fen=1000,
                          designated_fixed_fen=2000, **base)  # type: ignore[arg-type]


def _shop(shop: Shop) -> tuple[str, str]:
    """(gold member on 8折 with a 1000 + 100 lot, mid technician)."""
    gold = counter(shop.owner)
    catalogue.upsert_services(shop.owner, [FACIAL_300], op_id=new_op_id())
    mid = technician(shop.owner, "李美美", grade="mid", services=("F01", "F02", "F03"))
    return gold_member(shop.owner, gold), mid


def _rows(shop: Shop, sale_id: str) -> list[tuple[object, ...]]:
    with shop.ctx.db.read() as s:
        return [tuple(r) for r in s.execute(
            select(SaleCommission.kind, SaleCommission.base_fen, SaleCommission.bonus_fen,
                   SaleCommission.list_fen).where(SaleCommission.sale_id == sale_id)
            .order_by(SaleCommission.kind))]


@pytest.mark.parametrize(("base", "basis", "commission_base", "percent"), [
    ({}, "paid", 24000, 1200),                                  # 5% of 240.00 = 12.00
    ({"principal_only": True}, "principal", 21818, 1091),       # 5% of 218.18 = 10.91
    ({"base": "list"}, "list", 30000, 1500),                    # 5% of 300.00 = 15.00
    ({"base": "list", "principal_only": True}, "list_principal", 27273, 1364),
])
def test_commission_bases_worked_example_through_a_sale(
        shop: Shop, base: dict[str, object], basis: str, commission_base: int,
        percent: int) -> None:
    m, mid = _shop(shop)
    commission.set_rules(shop.owner, [_facial_rule(**base)], op_id=new_op_id())
    sale = sell(shop.cashier, Cart((service("F03", mid, designated=True),), member_id=m),
                sv(24000))
    # the checkout recorded the line's bonus part and its list price with the base
    assert _rows(shop, sale.sale_id) == [("consumption", 24000, 2182, 30000)]
    st = commission.statement(shop.manager, mid, *MARCH)
    assert [(ln.performance, ln.base_fen, ln.basis, ln.commission_base_fen, ln.percent_fen,
             ln.fixed_fen) for ln in st.lines] == [
        ("consumption", 24000, basis, commission_base, percent, 2000)]
    # the performance itself is what was paid, whatever the rule's base
    assert (st.consumption_performance_fen, st.commission_fen) == (24000, percent + 2000)
    # a void takes back exactly what the sale earned, and the bonus and list parts too
    sale_undo.void_sale(shop.manager, sale.sale_id, reason="录错", op_id=new_op_id())
    after = commission.statement(shop.manager, mid, *MARCH)
    assert [ln.commission_fen for ln in after.lines] == [percent + 2000, -(percent + 2000)]
    assert after.commission_fen == 0
    with shop.ctx.db.read() as s:
        undo = s.execute(select(SaleCommission.base_fen, SaleCommission.bonus_fen,
                                SaleCommission.list_fen)
                         .where(SaleCommission.reverses_id.is_not(None))).all()
    assert [tuple(r) for r in undo] == [(-24000, -2182, -30000)]


def test_commission_bases_top_up_and_card_sale_earn_cash_performance_commission(
        shop: Shop) -> None:
    m, mid = _shop(shop)
    commission.set_rules(shop.owner, [
        _facial_rule(),
        CommissionRule("topup", "*", percent_bp=200, performance="cash"),  # 2% of top-ups
        # cards: 3% of the list price and 50.00 a card sold
        CommissionRule("package", "*", percent_bp=300, fixed_fen=5000, performance="cash",
                       base="list"),
        CommissionRule("service", "*", percent_bp=100, performance="cash"),  # 1% of cash
    ], op_id=new_op_id())
    seller = shop.staff_ids[Role.CASHIER]
    topup = sell(shop.cashier, Cart((CartItem(LineKind.TOP_UP, "TOPUP", amount_fen=100000,
                                              bonus_fen=10000),), member_id=m),
                 Tender(TenderKind.CARD, 100000, reference="6222-88"))
    # the top-up's cash row: no bonus part (the member's bonus is not money paid)
    assert _rows(shop, topup.sale_id) == [("cash", 100000, 0, 100000)]
    card = sell(shop.cashier, Cart((CartItem(LineKind.PACKAGE, "P6"),), member_id=m),
                Tender(TenderKind.ALIPAY, 360000, reference="2088"))
    # the facial paid in money by a walk-in: consumption and cash rows for the technician
    walk_in = sell(shop.cashier, Cart((service("F03", mid),)), cash(30000))
    assert _rows(shop, walk_in.sale_id) == [("cash", 30000, 0, 30000),
                                            ("consumption", 30000, 0, 30000)]
    st = commission.statement(shop.manager, seller, *MARCH)
    assert [(ln.performance, ln.name, ln.base_fen, ln.basis, ln.percent_fen, ln.fixed_fen)
            for ln in st.lines] == [
        ("cash", "Top-up", 100000, "paid", 2000, 0),
        ("cash", "补水六次卡", 360000, "list", 10800, 5000)]
    assert (st.cash_performance_fen, st.consumption_performance_fen) == (460000, 0)
    assert (st.commission_on("cash"), st.commission_on("consumption"), st.commission_fen) == (
        17800, 0, 17800)
    tech = commission.statement(shop.manager, mid, *MARCH)
    assert [(ln.performance, ln.percent_fen, ln.fixed_fen) for ln in tech.lines] == [
        ("consumption", 1500, 1000), ("cash", 300, 0)]
    # voiding the top-up takes its cash commission back in full; the books still add up
    sale_undo.void_sale(shop.manager, topup.sale_id, reason="录错", op_id=new_op_id())
    st = commission.statement(shop.manager, seller, *MARCH)
    assert [(ln.sale_kind, ln.commission_fen) for ln in st.lines] == [
        ("sale", 2000), ("sale", 15800), ("void", -2000)]
    assert (st.cash_performance_fen, st.commission_fen) == (360000, 15800)
    assert card.total_fen == 360000
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_commission_bases_rows_from_before_the_bonus_and_list_parts(shop: Shop) -> None:
    m, mid = _shop(shop)
    commission.set_rules(shop.owner, [_facial_rule(principal_only=True, base="list")],
                         op_id=new_op_id())
    sale = sell(shop.cashier, Cart((service("F03", mid, designated=True),), member_id=m),
                sv(24000))
    with shop.ctx.db.write() as s:  # as a row written before revision 0010 reads
        s.execute(text("UPDATE sale_commission SET bonus_fen = NULL, list_fen = NULL "
                       "WHERE sale_id = :sale"), {"sale": sale.sale_id})
    st = commission.statement(shop.manager, mid, *MARCH)
    # no bonus recorded: nothing left out; no list price: the amount paid stands for it
    assert [(ln.commission_base_fen, ln.percent_fen) for ln in st.lines] == [(24000, 1200)]


def test_commission_bases_steps_stay_on_consumption_and_files_name_the_base(
        shop: Shop, tmp_path: Path) -> None:
    import pdfplumber
    from openpyxl import load_workbook

    from salondesk.documents.commission import statement_pdf
    from salondesk.services import reports

    m, mid = _shop(shop)
    commission.set_rules(shop.owner, [
        _facial_rule(principal_only=True),
        CommissionRule("service", "*", percent_bp=100, performance="cash", base="list")],
        op_id=new_op_id())
    commission.set_step_rates(shop.owner, StepRates("retroactive", ((0, 0), (40000, 100))),
                              op_id=new_op_id())
    sell(shop.cashier, Cart((service("F03", mid, designated=True),), member_id=m), sv(24000))
    sell(shop.cashier, Cart((service("F03", mid),)), cash(30000))
    st = commission.statement(shop.manager, mid, *MARCH)
    # consumption 240 + 300 = 540.00 reaches the 1% step (cash performance does not count)
    assert (st.consumption_performance_fen, st.cash_performance_fen) == (54000, 30000)
    assert st.step_fen == 540
    assert [(ln.performance, ln.basis, ln.commission_base_fen, ln.commission_fen)
            for ln in st.lines] == [("consumption", "principal", 21818, 1091 + 2000),
                                    ("consumption", "principal", 30000, 1500 + 1000),
                                    ("cash", "list", 30000, 300)]
    assert statement_pdf(tmp_path / "c.pdf", "玫瑰人生美容院", st) == 1
    with pdfplumber.open(tmp_path / "c.pdf") as doc:
        page = doc.pages[0].extract_text()
    for expected in ("¥218.18", "¥10.91", "¥3.00", "¥5.40", "¥64.31"):
        assert expected in page, expected
    table = commission.payroll_table(commission.payroll(shop.manager, *MARCH))
    reports.export_table(shop.manager, table, tmp_path / "payroll.xlsx")
    sheet = load_workbook(tmp_path / "payroll.xlsx").active
    assert sheet is not None
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    # the rules' commission on cash and on consumption performance, in yuan
    assert [float(v) for v in rows["李美美"][12:14]] == [3.0, 55.91]
    with pytest.raises(ValidationError, match="cash performance only"):
        commission.set_rules(shop.owner, [CommissionRule("topup", "*", percent_bp=100)],
                             op_id=new_op_id())
