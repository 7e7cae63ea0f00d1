"""Member days at the counter: a price rule and a points multiplier saved by the owner change
the sale's lines, its points ledger and the printed receipt; changes are audited."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace

import pytest
from ledgerkit import member
from pricerulekit import DOUBLE_POINTS, MEMBER_DAY, member_day
from salekit import PRODUCTS, cash, counter, gold_member, rich_member, sell, service
from sqlalchemy import func, select
from storekit import Shop
from test_printer_cli import decoder

from salondesk.devices.escpos_output import render_receipt
from salondesk.domain.cart import Cart, CartItem
from salondesk.domain.price_rules import PriceRule, RuleKind
from salondesk.domain.pricing import LineKind
from salondesk.errors import ValidationError
from salondesk.ids import new_op_id
from salondesk.money import Money
from salondesk.services import checkout, price_rules, sale_undo
from salondesk.services.receipts import sale_receipt
from salondesk.store.schema import AuditEntry, PtEntry, SaleLine
from salondesk.store.verify import verify_database


def _cart(member_id: str | None) -> Cart:
    return Cart((service("F01"), service("B01"), CartItem(LineKind.PRODUCT, PRODUCTS[1].code)),
                member_id=member_id)


def test_price_rules_member_day_sale_ledgers_and_receipt(shop: Shop) -> None:
    counter(shop.owner)
    member_day(shop.owner)
    m = rich_member(shop.owner)
    bill = checkout.price_cart(shop.cashier, _cart(m))
    # F01 275 and B01 400 at 九折, the product (not a service) at its price
    assert [pl.net_fen for pl in bill.lines] == [24750, 36000, 6800]
    assert bill.adjustments["rule"] == 6750 and bill.rule_names == ("会员日九折",)
    assert bill.points_boost is not None and bill.points_boost.permille == 2000
    result = sell(shop.cashier, _cart(m), cash(67550, received=70000))
    assert result.total_fen == 67550 and result.change_fen == 2450
    assert result.points_earned == 1351  # 675.50 paid: 675 points, doubled by the rate
    with shop.ctx.db.read() as s:
        earned = s.scalar(select(func.sum(PtEntry.points_delta)).where(
            PtEntry.ref_id == result.sale_id, PtEntry.kind == "earn"))
        lines = s.execute(select(SaleLine.net_fen, SaleLine.steps).where(
            SaleLine.sale_id == result.sale_id).order_by(SaleLine.line_no)).all()
    assert earned == 1351
    assert [(net, json.loads(steps)["rule"]) for net, steps in lines] == [
        (24750, 2750), (36000, 4000), (6800, 0)]
    receipt = sale_receipt(shop.cashier, result.sale_id)
    assert [(p.label, p.amount) for p in receipt.pricing] == [
        ("Subtotal", Money(27500 + 40000 + 6800)), ("Promotion: 会员日九折", Money(-6750))]
    assert "Points earned: 1,351" in receipt.footer
    assert "双倍积分日: points x2" in receipt.footer
    text = decoder().decode(render_receipt(receipt, width_mm=58, mode="gb18030")).text
    for expected in ("Promotion: 会员日九折", "-￥67.50", "￥675.50", "Points earned: 1,351",
                     "双倍积分日: points x2"):
        assert expected in text, expected
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    # voided the same day, the doubled points go back with the sale
    balance = result.points_balance
    sale_undo.void_sale(shop.manager, result.sale_id, reason="录错", op_id=new_op_id())
    with shop.ctx.db.read() as s:
        after = s.scalar(select(func.sum(PtEntry.points_delta)).where(PtEntry.member_id == m))
    assert balance is not None and after == balance - 1351
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]


def test_price_rules_walk_in_and_other_days_pay_list_price(shop: Shop) -> None:
    counter(shop.owner)
    member_day(shop.owner)
    walk_in = checkout.price_cart(shop.cashier, _cart(None))
    assert walk_in.adjustments["rule"] == 0 and walk_in.points_boost is None
    m = rich_member(shop.owner)
    shop.clock.advance(days=1)  # Wednesday
    bill = checkout.price_cart(shop.cashier, _cart(m))
    assert bill.adjustments["rule"] == 0 and bill.total_fen == 74300
    assert bill.points_boost is None


def test_price_rules_gold_member_gets_the_better_of_tier_and_rule(shop: Shop) -> None:
    gold = counter(shop.owner)  # 金卡 8折 on 面部护理
    member_day(shop.owner)
    m = gold_member(shop.owner, gold)
    bill = checkout.price_cart(shop.cashier, _cart(m))
    steps = [(pl.steps["tier"], pl.steps["rule"], pl.net_fen) for pl in bill.lines]
    assert steps == [(5500, 0, 22000), (0, 4000, 36000), (0, 0, 6800)]
    # a stacking rule: 九折 again after the tier's 8折
    stacked = price_rules.save_rule(shop.owner, replace(MEMBER_DAY, name="会员日叠加",
                                                        stack=True, priority=1),
                                    op_id=new_op_id())
    assert stacked
    bill = checkout.price_cart(shop.cashier, _cart(m))
    assert [pl.net_fen for pl in bill.lines] == [19800, 36000, 6800]
    assert bill.rule_names == ("会员日叠加",)


def test_price_rules_first_visit_discount_only_once(shop: Shop) -> None:
    counter(shop.owner)
    price_rules.save_rule(shop.owner, PriceRule("", "首次到店7折", RuleKind.DISCOUNT,
                                                rate_bp=7000, first_visit=True),
                          op_id=new_op_id())
    m = member(shop.owner)
    cart = Cart((service("F01"),), member_id=m)
    first = checkout.price_cart(shop.cashier, cart)
    assert first.total_fen == 19250 and first.rule_names == ("首次到店7折",)
    sell(shop.cashier, cart, cash(19250))
    again = checkout.price_cart(shop.cashier, cart)
    # the second visit: no first-visit price (the sale made her 金卡: the tier's 8折 now)
    assert again.adjustments["rule"] == 0 and again.rule_names == ()
    assert again.total_fen == 22000


def test_price_rules_changes_are_audited_and_switched_off_rules_stop(shop: Shop) -> None:
    counter(shop.owner)
    rule_id, _points = member_day(shop.owner)
    m = rich_member(shop.owner)
    saved = next(r for r in price_rules.list_rules(shop.manager) if r.rule_id == rule_id)
    price_rules.save_rule(shop.manager, replace(saved, rate_bp=8500), op_id=new_op_id())
    assert checkout.price_cart(shop.cashier, _cart(m)).lines[0].net_fen == 23375
    price_rules.save_rule(shop.manager, replace(saved, active=False), op_id=new_op_id())
    assert checkout.price_cart(shop.cashier, _cart(m)).adjustments["rule"] == 0
    with shop.ctx.db.read() as s:
        details = [json.loads(d) for d in s.scalars(
            select(AuditEntry.detail).where(AuditEntry.target_id == rule_id)
            .order_by(AuditEntry.seq))]
    assert details[0]["before"] is None and details[0]["after"]["rate_bp"] == 9000
    assert (details[1]["before"]["rate_bp"], details[1]["after"]["rate_bp"]) == (9000, 8500)
    assert (details[2]["before"]["active"], details[2]["after"]["active"]) == (True, False)
    assert [r.active for r in price_rules.list_rules(shop.manager)] == [True, False]


@pytest.mark.parametrize("bad", [
    replace(MEMBER_DAY, name="  "),
    replace(MEMBER_DAY, rate_bp=0),
    replace(DOUBLE_POINTS, points_permille=900),
    replace(MEMBER_DAY, time_from=dt.time(9, 0)),
])
def test_price_rules_impossible_rules_are_refused_with_a_message(shop: Shop,
                                                                 bad: PriceRule) -> None:
    with pytest.raises(ValidationError) as caught:
        price_rules.save_rule(shop.owner, bad, op_id=new_op_id())
    assert caught.value.message
    assert price_rules.list_rules(shop.owner) == []
