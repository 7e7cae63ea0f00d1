"""Pure ledger rules: points earning and expiry, coupon discounts, debt aging, card refunds."""

from __future__ import annotations

import datetime as dt

import pytest

from salondesk.domain import coupons, debt, points
from salondesk.domain.stored_value import LotRefundBasis, compliance_warnings, quote_card_refund


def test_points_earn_rounds_down_once_and_adds_the_best_bonus() -> None:
    rules = points.EarnRules(bonus_rules=(points.BonusRule(200, 10), points.BonusRule(500, 30)))
    assert points.points_for_purchase([points.PaidLine("面部", 19999)], rules) == 199
    assert points.points_for_purchase([points.PaidLine("面部", 28850)], rules) == 298
    assert points.points_for_purchase([points.PaidLine("面部", 50000)], rules) == 530
    tiered = points.EarnRules(tier_permille={"gold": 1500}, category_permille={"医美": 2000})
    assert points.points_for_purchase([points.PaidLine("医美", 10050)], tiered, "gold") == 301


def test_points_expiry_rolling_and_fixed_date() -> None:
    rolling = points.ExpiryPolicy(mode="rolling", months=12)
    assert points.expiry_date(dt.date(2026, 2, 28), rolling) == dt.date(2027, 2, 27)
    fixed = points.ExpiryPolicy(mode="fixed", month=12, day=31, years=1)
    assert points.expiry_date(dt.date(2026, 1, 5), fixed) == dt.date(2027, 12, 31)
    assert points.expiry_date(dt.date(2026, 1, 5), points.ExpiryPolicy()) is None


def test_points_redeem_fifo_skips_expired_lots() -> None:
    lots = [points.PointsLot("a", 50, dt.date(2026, 1, 1)), points.PointsLot("b", 80, None)]
    assert points.plan_redeem(60, lots, dt.date(2025, 12, 31)) == [("a", 50), ("b", 10)]
    assert points.plan_redeem(60, lots, dt.date(2026, 1, 2)) == [("b", 60)]
    with pytest.raises(points.InsufficientPoints):
        points.plan_redeem(81, lots, dt.date(2026, 1, 2))


def test_coupons_discounts_and_conditions() -> None:
    today = dt.date(2026, 3, 2)
    lines = [coupons.CartLine("F01", "面部", 30000), coupons.CartLine("B01", "身体", 10000)]
    off50 = coupons.CouponTerms(kind="amount", amount_fen=5000, min_spend_fen=30000,
                                categories=("面部",))
    assert coupons.discount_fen(off50, lines, today) == 5000
    assert coupons.discount_fen(coupons.CouponTerms(kind="percent", percent_off=15), lines,
                                today) == 6000
    free = coupons.CouponTerms(kind="service", service_code="B01")
    assert coupons.discount_fen(free, lines, today) == 10000
    expired = coupons.CouponTerms(kind="amount", amount_fen=100, valid_until=dt.date(2026, 3, 1))
    with pytest.raises(coupons.CouponNotApplicable):
        coupons.discount_fen(expired, lines, today)
    assert coupons.normalise_code(" c0o1-il ") == "C00111"
    assert coupons.state_after(["issue", "redeem", "restore", "redeem"]) == "used"
    assert coupons.state_after(["issue", "redeem", "redeem"]) is None


def test_debt_repayment_oldest_first_and_aging() -> None:
    today = dt.date(2026, 6, 1)
    debts = [debt.OpenDebt("a", dt.date(2026, 2, 1), 30000),
             debt.OpenDebt("b", dt.date(2026, 5, 20), 20000)]
    assert debt.allocate_repayment(35000, debts) == [("a", 30000), ("b", 5000)]
    with pytest.raises(ValueError, match="more than"):
        debt.allocate_repayment(50001, debts)
    assert debt.aging(debts, today) == {"0-30": 20000, "31-60": 0, "61-90": 0, "90+": 30000}


def test_stored_value_card_refund_over_lots_and_compliance() -> None:
    lot = LotRefundBasis("L1", 100000, 10000, 27500, 80000, 8000)
    assert quote_card_refund([lot], "consumer").refund_fen == 72500
    assert quote_card_refund([lot], "merchant").refund_fen == 80000
    assert compliance_warnings(named=True, balance_after_fen=500001, top_up_fen=1) == [
        "named_over_limit"]
    assert "real_name_required" in compliance_warnings(named=True, balance_after_fen=1000000,
                                                       top_up_fen=1)
