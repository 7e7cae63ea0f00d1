"""Commission over a period from the checkout's performance bases: the worked example, grade
rules, products, voids and refunds taking it back, own vs anyone's statement, payroll."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from appointmentkit import technician
from salekit import cash, counter, gold_member, sell, service, sv
from sqlalchemy import select
from storekit import Shop

from salondesk.domain.cart import Cart, CartItem
from salondesk.domain.permissions import Role
from salondesk.domain.pricing import LineKind
from salondesk.errors import PermissionDenied, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import auth, catalogue, commission, reports, sale_undo
from salondesk.services.commission import CommissionRule, StepRates
from salondesk.store.schema import SaleLine, SaleTender
from salondesk.store.verify import verify_database

DAY = dt.date(2026, 3, 3)  # the shop's business day (Tue)
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FACIAL_300 = catalogue.ServiceSpec("F03", "焕颜护理", "面部护理", 30000, 60)
RULES = [
    # 5% of what was paid; hand fee 10.00 rotation (轮钟), 20.00 designated (点钟)
    CommissionRule("service", "*", percent_bp=500, fixed_fen=1000, designated_fixed_fen=2000),
    # seniors: 6% rotation, 8% designated, same hand fees
    CommissionRule("service", "*", grade="senior", percent_bp=600, designated_percent_bp=800,
                   fixed_fen=1000, designated_fixed_fen=2000),
    CommissionRule("product", "*", percent_bp=1000),  # 10% of product sales
]


def _shop(shop: Shop) -> tuple[str, str, str]:
    """(member with a 1000+100 lot on the 8折 tier, mid technician, senior technician)."""
    gold = counter(shop.owner)
    catalogue.upsert_services(shop.owner, [FACIAL_300], op_id=new_op_id())
    commission.set_rules(shop.owner, RULES, op_id=new_op_id())
    mid = technician(shop.owner, "李美美", grade="mid", services=("F01", "F02", "F03"))
    senior = technician(shop.owner, "周波", grade="senior", services=("F01", "F02", "F03"))
    return gold_member(shop.owner, gold), mid, senior


def _as(shop: Shop, name: str) -> object:
    return auth.login(shop.ctx, name, "2468")


def test_commission_worked_example_facial_at_80_percent_from_a_lot(shop: Shop) -> None:
    m, mid, _senior = _shop(shop)
    sale = sell(shop.cashier, Cart((service("F03", mid, designated=True),), member_id=m),
                sv(24000))
    with shop.ctx.db.read() as s:
        detail = json.loads(s.scalars(select(SaleTender.detail).where(
            SaleTender.sale_id == sale.sale_id)).one())
    # 300 at 8折 = 240 from the 1000 + 100 lot, proportionally: 218.18 principal, 21.82 bonus
    assert (detail["principal_fen"], detail["bonus_fen"]) == (21818, 2182)
    own = commission.statement(_as(shop, "李美美"), mid, *MARCH)  # type: ignore[arg-type]
    # 5% of the 240.00 consumption performance = 12.00, plus the designated hand fee 20.00
    assert [(ln.name, ln.base_fen, ln.designated, ln.percent_fen, ln.fixed_fen)
            for ln in own.lines] == [("焕颜护理", 24000, True, 1200, 2000)]
    assert (own.commission_fen, own.consumption_performance_fen, own.cash_performance_fen,
            own.designated_count, own.rotation_count) == (3200, 24000, 0, 1, 0)
    assert own.grade == "mid"


def test_commission_statement_pdf_has_the_lines_and_totals(shop: Shop, tmp_path: Path) -> None:
    import pdfplumber

    from salondesk.documents.commission import statement_pdf

    m, mid, _senior = _shop(shop)
    sell(shop.cashier, Cart((service("F03", mid, designated=True), service("F01", mid)),
                            member_id=m), sv(24000 + 22000))
    st = commission.statement(shop.manager, mid, *MARCH)
    assert statement_pdf(tmp_path / "c.pdf", "玫瑰人生美容院", st) == 1
    with pdfplumber.open(tmp_path / "c.pdf") as doc:
        text = doc.pages[0].extract_text()
    for expected in ("玫瑰人生美容院", "李美美", "焕颜护理", "深层清洁", "000001",
                     "¥240.00", "¥12.00", "¥20.00", "¥32.00", "¥21.00", "¥53.00"):
        assert expected in text, expected


def test_commission_grade_rotation_products_and_the_reports_agree(shop: Shop) -> None:
    m, mid, senior = _shop(shop)
    sell(shop.cashier, Cart((service("F03", senior, designated=True),
                             service("F01", senior),
                             CartItem(LineKind.PRODUCT, "P01")), member_id=m),
         sv(24000 + 22000), cash(18800))
    sell(shop.cashier, Cart((service("F01", mid),)), cash(27500))
    st_senior = commission.statement(shop.manager, senior, *MARCH)
    # designated 8% of 240 = 19.20 + 20.00; rotation 6% of 220 = 13.20 + 10.00
    assert [(ln.base_fen, ln.percent_fen, ln.fixed_fen) for ln in st_senior.lines] == [
        (24000, 1920, 2000), (22000, 1320, 1000)]
    assert st_senior.commission_fen == 6240
    assert (st_senior.designated_count, st_senior.rotation_count) == (1, 1)
    # the product went to the cashier who sold it: 10% of 188.00
    st_cashier = commission.statement(shop.manager, shop.staff_ids[Role.CASHIER], *MARCH)
    assert [(ln.name, ln.commission_fen) for ln in st_cashier.lines] == [("玻尿酸精华", 1880)]
    # the checkout spreads the money tenders over the lines: the product got part of them
    assert 0 < st_cashier.cash_performance_fen < 18800
    st_mid = commission.statement(shop.manager, mid, *MARCH)
    assert st_mid.commission_fen == 1375 + 1000  # 5% of 275.00 = 13.75 + rotation fee
    assert st_mid.cash_performance_fen == 27500
    # the statements reconcile with the manager's commission-base report
    summary = reports.commission_summary(shop.manager, *MARCH)
    by_name = {r[0]: r for r in summary.rows}
    for st in (st_senior, st_cashier, st_mid):
        assert by_name[st.name][1:3] == [st.cash_performance_fen,
                                         st.consumption_performance_fen]
    payroll = commission.payroll(shop.manager, *MARCH)
    assert {p.name: p.commission_fen for p in payroll} == {
        "周波": 6240, "张小美": 1880, "李美美": 2375}


def test_commission_void_and_refund_take_it_back(shop: Shop) -> None:
    m, mid, _senior = _shop(shop)
    voided = sell(shop.cashier, Cart((service("F03", mid, designated=True),), member_id=m),
                  sv(24000))
    kept = sell(shop.cashier, Cart((service("F01", mid), service("F03", mid)), member_id=m),
                sv(22000 + 24000))
    sale_undo.void_sale(shop.manager, voided.sale_id, reason="录错", op_id=new_op_id())
    today = commission.statement(shop.manager, mid, DAY, DAY)
    assert [ln.commission_fen for ln in today.lines] == [3200, 2100, 2200, -3200]
    assert today.commission_fen == 2100 + 2200
    assert (today.designated_count, today.rotation_count) == (0, 2)
    # a refund days later is taken back in the period of the refund
    shop.clock.advance(days=5)
    with shop.ctx.db.read() as s:
        f01 = s.scalar(select(SaleLine.id).where(SaleLine.sale_id == kept.sale_id,
                                                 SaleLine.code == "F01"))
    sale_undo.refund_sale(shop.manager, kept.sale_id, reason="不满意", line_ids=[str(f01)],
                          op_id=new_op_id())
    assert commission.statement(shop.manager, mid, DAY, DAY).commission_fen == 4300
    later = commission.statement(shop.manager, mid, DAY + dt.timedelta(days=5),
                                 DAY + dt.timedelta(days=5))
    assert [(ln.sale_kind, ln.commission_fen) for ln in later.lines] == [("refund", -2100)]
    assert commission.statement(shop.manager, mid, *MARCH).commission_fen == 2200
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_commission_statement_is_private_and_rules_are_checked(shop: Shop) -> None:
    _m, mid, senior = _shop(shop)
    with pytest.raises(PermissionDenied):
        commission.statement(shop.cashier, mid, *MARCH)
    with pytest.raises(PermissionDenied):
        commission.statement(_as(shop, "李美美"), senior, *MARCH)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        commission.set_rules(shop.cashier, RULES, op_id=new_op_id())
    with pytest.raises(ValidationError, match="at least what a rotation one pays"):
        commission.set_rules(shop.owner, [CommissionRule(
            "service", "*", percent_bp=800, designated_percent_bp=500)], op_id=new_op_id())
    with pytest.raises(ValidationError, match="ends before"):
        commission.statement(shop.manager, mid, MARCH[1], MARCH[0])
    assert commission.rules(shop.ctx) == tuple(RULES)


def test_commission_monthly_step_rates_and_the_payroll_export(shop: Shop, tmp_path: Path
                                                              ) -> None:
    from openpyxl import load_workbook

    m, mid, _senior = _shop(shop)
    # hand fees per line, the percentage by monthly steps: 3% to 500.00, 5% above (progressive)
    commission.set_rules(shop.owner, [CommissionRule(
        "service", "*", fixed_fen=1000, designated_fixed_fen=2000)], op_id=new_op_id())
    commission.set_step_rates(shop.owner, StepRates("progressive", ((0, 300), (50000, 500))),
                              op_id=new_op_id())
    sell(shop.cashier, Cart((service("F03", mid, designated=True), service("F01", mid)),
                            member_id=m), sv(24000 + 22000))
    sell(shop.cashier, Cart((service("F01", mid),)), cash(27500))
    # March: 240 + 220 + 275 = 735.00 -> 500 x 3% + 235 x 5% = 15.00 + 11.75
    march = commission.statement(shop.manager, mid, *MARCH)
    assert march.consumption_performance_fen == 73500
    assert (march.step_fen, march.fixed_fen, march.percent_fen) == (2675, 4000, 0)
    assert march.commission_fen == 6675
    shop.clock.advance(days=30)  # April: a new month starts from the first step again
    sell(shop.cashier, Cart((service("F01", mid),)), cash(27500))
    both = commission.statement(shop.manager, mid, MARCH[0], dt.date(2026, 4, 30))
    assert both.step_fen == 2675 + 825  # April: 275 x 3%
    with pytest.raises(ValidationError, match="starts at 0"):
        commission.set_step_rates(shop.owner, StepRates("progressive", ((100, 300),)),
                                  op_id=new_op_id())
    # retroactive: March's 735.00 all at 5%
    commission.set_step_rates(shop.owner, StepRates("retroactive", ((0, 300), (50000, 500))),
                              op_id=new_op_id())
    assert commission.statement(shop.manager, mid, *MARCH).step_fen == 3675
    table = commission.payroll_table(commission.payroll(shop.manager, *MARCH))
    reports.export_table(shop.manager, table, tmp_path / "payroll.xlsx")
    sheet = load_workbook(tmp_path / "payroll.xlsx").active
    assert sheet is not None
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["李美美"][1] == "mid"
    assert float(rows["李美美"][3]) == 735.0  # consumption performance, in yuan
    assert float(rows["李美美"][9]) == 40.0 + 36.75  # hand fees + retroactive steps
