"""The money ledgers through the services: DESIGN.md §5's worked examples, refunds, transfers,
points, coupons and debt, each ending with a clean ``verify``."""

from __future__ import annotations

import datetime as dt

import pytest
from ledgerkit import member, menu, six_sessions
from storekit import Shop

from salondesk.domain.coupons import CartLine
from salondesk.errors import Conflict, ValidationError
from salondesk.ids import new_op_id
from salondesk.services import coupons, debt, ledger_settings, packages, points, stored_value
from salondesk.services.unit_of_work import run_operation
from salondesk.store.verify import verify_database


def _verified(shop: Shop) -> dict[str, object]:
    report = verify_database(shop.ctx.db, shop.ctx.store_id)
    assert report["ok"], report["faults"]
    return report


def _top_up_1000_100(shop: Shop) -> str:
    m = member(shop.cashier)
    stored_value.top_up(shop.cashier, member_id=m, principal_fen=100000, bonus_fen=10000,
                        op_id=new_op_id())
    return m


def test_stored_value_proportional_spend_220_takes_200_principal_20_bonus(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    result = stored_value.spend_stored_value(shop.cashier, m, 22000, op_id=new_op_id())
    assert [(d["principal_fen"], d["bonus_fen"]) for d in result] == [(20000, 2000)]
    bal = stored_value.balance(shop.ctx, m)
    assert (bal.principal_fen, bal.bonus_fen) == (80000, 8000)
    report = _verified(shop)
    assert report["stored_value"]["principal_fen"] == 80000  # type: ignore[index]
    assert report["stored_value"]["bonus_fen"] == 8000  # type: ignore[index]


@pytest.mark.parametrize(("order", "expected"), [("principal_first", (22000, 0)),
                                                 ("bonus_first", (12000, 10000))])
def test_stored_value_deduction_order_setting(shop: Shop, order: str,
                                              expected: tuple[int, int]) -> None:
    ledger_settings.update(shop.owner, {ledger_settings.DEDUCTION_ORDER: order},
                           op_id=new_op_id())
    m = _top_up_1000_100(shop)
    draws = stored_value.spend_stored_value(shop.cashier, m, 22000, op_id=new_op_id())
    assert (draws[0]["principal_fen"], draws[0]["bonus_fen"]) == expected


def test_stored_value_insufficient_balance_names_the_balance(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    with pytest.raises(ValidationError, match=r"1,100\.00"):
        stored_value.spend_stored_value(shop.cashier, m, 110001, op_id=new_op_id())
    assert stored_value.balance(shop.ctx, m).total_fen == 110000


def test_stored_value_spend_takes_oldest_lot_first(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    shop.clock.advance(minutes=1)
    stored_value.top_up(shop.cashier, member_id=m, principal_fen=50000, op_id=new_op_id())
    stored_value.spend_stored_value(shop.cashier, m, 120000, op_id=new_op_id())
    lots = stored_value.balance(shop.ctx, m).lots
    assert [(lot.principal_fen, lot.bonus_fen) for lot in lots] == [(40000, 0)]
    _verified(shop)


def test_stored_value_consumer_refund_is_725(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    # one service listed at 275, charged 220
    stored_value.spend_stored_value(shop.cashier, m, 22000, list_fen=27500, op_id=new_op_id())
    quote = stored_value.quote_refund(shop.manager, m, "consumer")
    assert quote.refund_fen == 72500
    done = stored_value.refund(shop.manager, m, basis="consumer", quoted_refund_fen=72500,
                               reason="顾客要求退卡", op_id=new_op_id())
    assert done["refund_fen"] == 72500
    assert stored_value.balance(shop.ctx, m).total_fen == 0
    _verified(shop)


def test_stored_value_merchant_refund_is_800_of_880_left(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    stored_value.spend_stored_value(shop.cashier, m, 22000, list_fen=27500, op_id=new_op_id())
    assert stored_value.quote_refund(shop.manager, m, "merchant").refund_fen == 80000


def test_stored_value_refund_refuses_a_stale_quote(shop: Shop) -> None:
    m = _top_up_1000_100(shop)
    quote = stored_value.quote_refund(shop.manager, m, "merchant")
    stored_value.spend_stored_value(shop.cashier, m, 1000, op_id=new_op_id())
    with pytest.raises(Conflict, match="quote again"):
        stored_value.refund(shop.manager, m, basis="merchant",
                            quoted_refund_fen=quote.refund_fen, reason="搬家", op_id=new_op_id())
    assert stored_value.balance(shop.ctx, m).total_fen == 109000


def test_stored_value_transfer_keeps_principal_and_bonus(shop: Shop) -> None:
    a = _top_up_1000_100(shop)
    b = member(shop.cashier, "受让人")
    moved = stored_value.transfer(shop.manager, a, b, 55000, reason="转给女儿",
                                  op_id=new_op_id())
    assert moved == {"principal_fen": 50000, "bonus_fen": 5000}
    assert stored_value.balance(shop.ctx, b).total_fen == 55000
    assert stored_value.balance(shop.ctx, a).total_fen == 55000
    # the receiver's refund works on the transferred lot's own ratio
    assert stored_value.quote_refund(shop.manager, b, "merchant").refund_fen == 50000
    _verified(shop)


def test_stored_value_compliance_warnings_and_real_name(shop: Shop) -> None:
    m = member(shop.cashier)
    done = stored_value.top_up(shop.cashier, member_id=m, principal_fen=600000,
                               op_id=new_op_id())
    assert done["warnings"] == ["named_over_limit"]
    with pytest.raises(ValidationError, match="real name"):
        stored_value.top_up(shop.cashier, member_id=m, principal_fen=500000, op_id=new_op_id())
    stored_value.top_up(shop.cashier, member_id=m, principal_fen=500000,
                        real_name_confirmed=True, op_id=new_op_id())
    stored_value.open_anonymous_card(shop.cashier, "A0001", op_id=new_op_id())
    anon = stored_value.top_up(shop.cashier, card_code="A0001", principal_fen=120000,
                               op_id=new_op_id())
    assert anon["warnings"] == ["anonymous_over_limit"]
    with pytest.raises(ValidationError, match="anonymous"):
        stored_value.top_up(shop.cashier, card_code="A0001", principal_fen=900000,
                            op_id=new_op_id())
    _verified(shop)


def test_stored_value_store_switch_stops_selling_prepaid_value(shop: Shop) -> None:
    ledger_settings.update(shop.owner, {ledger_settings.SELLING_PREPAID: False},
                           op_id=new_op_id())
    m = member(shop.cashier)
    with pytest.raises(ValidationError, match="stopped selling"):
        stored_value.top_up(shop.cashier, member_id=m, principal_fen=100, op_id=new_op_id())


def test_stored_value_opening_balance_and_reversal(shop: Shop) -> None:
    m = member(shop.cashier)
    run_operation(shop.owner, "sv.adjust",
                  lambda tx: stored_value.record_opening_balance(tx, m, 30000, 3000),
                  op_id=new_op_id())
    spent = stored_value.spend_stored_value(shop.cashier, m, 1100, op_id=new_op_id())
    assert sum(d["principal_fen"] + d["bonus_fen"] for d in spent) == 1100
    entry = stored_value.entries(shop.ctx, m)[-1]["id"]
    stored_value.reverse(shop.manager, entry, reason="刷错", op_id=new_op_id())
    with pytest.raises(Conflict):
        stored_value.reverse(shop.manager, entry, reason="again", op_id=new_op_id())
    assert stored_value.balance(shop.ctx, m).total_fen == 33000
    _verified(shop)


def test_stored_value_plan_gives_bonus(shop: Shop) -> None:
    plan = stored_value.upsert_plan(shop.owner, stored_value.PlanSpec("充1000送100", 100000,
                                                                      10000), op_id=new_op_id())
    m = member(shop.cashier)
    stored_value.top_up(shop.cashier, member_id=m, plan_id=plan, op_id=new_op_id())
    bal = stored_value.balance(shop.ctx, m)
    assert (bal.principal_fen, bal.bonus_fen) == (100000, 10000)


# --- packages ------------------------------------------------------------------------------------

def _six(shop: Shop) -> tuple[str, str]:
    six_sessions(shop.owner)
    m = member(shop.cashier)
    return m, packages.sell_package(shop.cashier, m, "P6", op_id=new_op_id())


def test_packages_session_values_and_refunds_1640_and_2400(shop: Shop) -> None:
    _m, inst = _six(shop)
    tech = shop.staff_ids[next(iter(shop.staff_ids))]
    values = [packages.record_session(shop.cashier, inst, "F02", technician_id=tech,
                                      op_id=new_op_id())["value_fen"] for _ in range(2)]
    assert values == [60000, 60000]
    assert packages.quote_refund(shop.manager, inst, "consumer").refund_fen == 164000
    assert packages.quote_refund(shop.manager, inst, "merchant").refund_fen == 240000
    report = _verified(shop)
    assert report["packages"] == {"sessions_outstanding": 4, "value_fen": 240000, "sold": 1}
    packages.refund(shop.manager, inst, basis="consumer", quoted_refund_fen=164000,
                    reason="顾客搬家", op_id=new_op_id())
    report = _verified(shop)
    assert report["packages"]["sessions_outstanding"] == 0  # type: ignore[index]


def test_packages_multi_service_session_value_by_list_price(shop: Shop) -> None:
    menu(shop.owner)
    packages.upsert_template(shop.owner, packages.TemplateSpec(
        code="MIX", name="组合卡", price_fen=100000, items=[("F01", 2), ("B01", 2)]),
        op_id=new_op_id())
    m = member(shop.cashier)
    inst = packages.sell_package(shop.cashier, m, "MIX", op_id=new_op_id())
    # weights 275 and 400 per session: 275 x 1000 / 1350 = 203.70, 400 x 1000 / 1350 = 296.30
    a = packages.record_session(shop.cashier, inst, "F01", technician_id=None, op_id=new_op_id())
    b = packages.record_session(shop.cashier, inst, "B01", technician_id=None, op_id=new_op_id())
    assert (a["value_fen"], b["value_fen"]) == (20370, 29630)
    _verified(shop)


def test_packages_expiry_refuses_then_extension_allows(shop: Shop) -> None:
    _m, inst = _six(shop)
    shop.clock.advance(days=400)
    with pytest.raises(ValidationError, match="expired"):
        packages.record_session(shop.cashier, inst, "F02", technician_id=None, op_id=new_op_id())
    packages.extend_expiry(shop.manager, inst, shop.clock.now().date() + dt.timedelta(days=30),
                           reason="顾客出国", op_id=new_op_id())
    packages.record_session(shop.cashier, inst, "F02", technician_id=None, op_id=new_op_id())
    _verified(shop)


def test_packages_upgrade_pays_the_difference(shop: Shop) -> None:
    _m, inst = _six(shop)
    packages.record_session(shop.cashier, inst, "F02", technician_id=None, op_id=new_op_id())
    packages.upsert_template(shop.owner, packages.TemplateSpec(
        code="P10", name="补水十次卡", price_fen=550000, items=[("F02", 10)]), op_id=new_op_id())
    done = packages.upgrade(shop.cashier, inst, "P10", op_id=new_op_id())
    assert done["pay_fen"] == 550000 - 300000
    views = {v.template_code: v for v in packages.member_packages(shop.ctx, _m)}
    assert views["P6"].sessions_left == {"F02": 0}
    assert views["P10"].sessions_left == {"F02": 10}
    _verified(shop)


# --- points ------------------------------------------------------------------------------------

def test_points_earn_rounds_down_with_bonus_and_reverse(shop: Shop) -> None:
    ledger_settings.update(shop.owner, {ledger_settings.POINTS_RULES: {
        "bonus_rules": [{"min_points": 200, "bonus": 10}]}}, op_id=new_op_id())
    m = member(shop.cashier)
    earned = points.earn_points(shop.cashier, m, [points.PaidLine("面部护理", 28850)],
                                ref_id="S1", op_id=new_op_id())
    assert earned == 288 + 10
    points.redeem_points(shop.cashier, m, 100, item="面膜一盒", op_id=new_op_id())
    assert points.reverse(shop.manager, "S1", reason="退款", op_id=new_op_id()) == 100
    assert points.balance(shop.ctx, m).points == 0
    _verified(shop)


def test_points_fifo_and_fixed_date_clearing(shop: Shop) -> None:
    ledger_settings.update(shop.owner, {ledger_settings.POINTS_EXPIRY: {
        "mode": "fixed", "month": 12, "day": 31, "years": 1}}, op_id=new_op_id())
    m = member(shop.cashier)
    points.earn_points(shop.cashier, m, [points.PaidLine("x", 10000)], op_id=new_op_id())
    shop.clock.at = dt.datetime(2027, 6, 1, 2, tzinfo=dt.UTC)
    points.earn_points(shop.cashier, m, [points.PaidLine("x", 20000)], op_id=new_op_id())
    points.redeem_points(shop.cashier, m, 50, op_id=new_op_id())  # from the 2026 lot
    shop.clock.at = dt.datetime(2028, 1, 1, 2, tzinfo=dt.UTC)
    assert points.expire_due(shop.cashier, op_id=new_op_id()) == {"lots": 1, "points": 50}
    assert points.expire_due(shop.cashier, op_id=new_op_id()) == {"lots": 0, "points": 0}
    assert points.balance(shop.ctx, m).points == 200
    report = _verified(shop)
    assert report["points"]["outstanding"] == 200  # type: ignore[index]


# --- coupons -----------------------------------------------------------------------------------

def test_coupons_single_use_and_restore(shop: Shop) -> None:
    m = member(shop.cashier)
    tpl = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="满300减50", kind="amount", amount_fen=5000, min_spend_fen=30000),
        op_id=new_op_id())
    [code] = coupons.issue_to_members(shop.manager, tpl, [m], op_id=new_op_id())
    lines = [CartLine("F01", "面部护理", 29900)]
    with pytest.raises(ValidationError, match="at least"):
        coupons.redeem_coupon(shop.cashier, code, lines, member_id=m, op_id=new_op_id())
    lines = [CartLine("F01", "面部护理", 30000)]
    assert coupons.redeem_coupon(shop.cashier, code.lower(), lines, member_id=m,
                                 op_id=new_op_id()) == 5000
    with pytest.raises(ValidationError, match="already used"):
        coupons.redeem_coupon(shop.cashier, code, lines, member_id=m, op_id=new_op_id())
    coupons.restore(shop.manager, code, reason="作废单", op_id=new_op_id())
    assert coupons.coupon_state(shop.ctx, code) == "issued"
    _verified(shop)


def test_coupons_birthday_issue_once_a_year(shop: Shop) -> None:
    from salondesk.services import members as member_service

    today = shop.clock.now().date()
    made = member_service.create_member(shop.cashier, member_service.MemberDraft(
        name="寿星", phone="13700000001", birthday=today.replace(year=1990) +
        dt.timedelta(days=3)), op_id=new_op_id())
    menu(shop.owner)
    tpl = coupons.create_template(shop.owner, coupons.TemplateSpec(
        name="生日券", kind="service", service_code="F01"), op_id=new_op_id())
    first = coupons.issue_birthday_coupons(shop.cashier, tpl, op_id=new_op_id())
    again = coupons.issue_birthday_coupons(shop.cashier, tpl, op_id=new_op_id())
    assert len(first) == 1 and again == []
    assert [c.state for c in coupons.member_coupons(shop.ctx, str(made["member_id"]))] == [
        "issued"]


# --- debt --------------------------------------------------------------------------------------

def test_debt_partial_repayment_and_aging(shop: Shop) -> None:
    m = member(shop.cashier)
    debt.open_debt(shop.cashier, m, 30000, op_id=new_op_id())
    shop.clock.advance(days=45)
    debt.open_debt(shop.cashier, m, 20000, op_id=new_op_id())
    assert debt.repay(shop.cashier, m, 10000, op_id=new_op_id()) == [
        {"debt_id": debt.member_debts(shop.ctx, m)[0].debt_id, "amount_fen": 10000}]
    assert debt.aging_report(shop.ctx) == {"0-30": 20000, "31-60": 20000, "61-90": 0, "90+": 0}
    with pytest.raises(ValidationError, match="owes"):
        debt.repay(shop.cashier, m, 40001, op_id=new_op_id())
    report = _verified(shop)
    assert report["debt"] == {"outstanding_fen": 40000}
