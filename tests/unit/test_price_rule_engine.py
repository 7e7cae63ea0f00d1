"""Member days and promotions: when a price rule holds, for whom, and how it meets the tier
discount and the per-item floor in the pricing pipeline; points multipliers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salondesk.domain.points import EarnRules, PaidLine, points_for_purchase
from salondesk.domain.price_rules import Buyer, PriceRule, RuleKind, describe, in_effect
from salondesk.domain.pricing import LineKind, PriceLine, PricingInput, RuleOffer, price

WED = dt.datetime(2026, 3, 4, 10, 0)   # a Wednesday, 10:00 local
THU = dt.datetime(2026, 3, 5, 10, 0)
MEMBER = Buyer(is_member=True, tier="GOLD")
WALK_IN = Buyer(is_member=False)

MEMBER_DAY = PriceRule("r1", "会员日九折", RuleKind.DISCOUNT, rate_bp=9000,
                       weekdays=frozenset({2}), line_kinds=("service",))
DOUBLE = PriceRule("r2", "双倍积分日", RuleKind.POINTS, points_permille=2000,
                   weekdays=frozenset({2}))


def facial(unit: int = 30000, floor: int = 0, kind: LineKind = LineKind.SERVICE) -> PriceLine:
    return PriceLine("0", kind, "F01", "面部", 1, unit, floor_fen=floor)


def test_price_rules_weekday_holds_only_on_that_day() -> None:
    assert MEMBER_DAY.holds_at(WED) and not MEMBER_DAY.holds_at(THU)
    assert [o.name for o in in_effect([MEMBER_DAY], WED, MEMBER).offers] == ["会员日九折"]
    assert in_effect([MEMBER_DAY], THU, MEMBER).offers == ()


def test_price_rules_date_range_is_inclusive_at_both_ends() -> None:
    rule = PriceRule("r", "三八节", RuleKind.DISCOUNT, rate_bp=8000,
                     date_from=dt.date(2026, 3, 6), date_until=dt.date(2026, 3, 8))
    days = {d: rule.holds_at(dt.datetime(2026, 3, d, 12, 0)) for d in range(5, 10)}
    assert days == {5: False, 6: True, 7: True, 8: True, 9: False}


def test_price_rules_time_band_end_exclusive_and_past_midnight() -> None:
    morning = PriceRule("r", "早鸟", RuleKind.DISCOUNT, rate_bp=8500,
                        time_from=dt.time(9, 0), time_until=dt.time(11, 0))
    at = lambda h, m=0: WED.replace(hour=h, minute=m)  # noqa: E731
    assert [morning.holds_at(at(h, m)) for h, m in ((8, 59), (9, 0), (10, 59), (11, 0))] == [
        False, True, True, False]
    night = PriceRule("r", "夜场", RuleKind.DISCOUNT, rate_bp=8500,
                      time_from=dt.time(22, 0), time_until=dt.time(2, 0))
    assert [night.holds_at(at(h)) for h in (21, 22, 23, 0, 1, 2, 12)] == [
        False, True, True, True, True, False, False]


def test_price_rules_members_tiers_and_first_visit() -> None:
    gold_only = PriceRule("r", "金卡日", RuleKind.DISCOUNT, rate_bp=9000, tiers=("GOLD",))
    first = PriceRule("r", "首次到店", RuleKind.DISCOUNT, rate_bp=7000, first_visit=True)
    everyone = PriceRule("r", "开业", RuleKind.DISCOUNT, rate_bp=9500, members_only=False)
    assert MEMBER_DAY.applies_to(MEMBER) and not MEMBER_DAY.applies_to(WALK_IN)
    assert gold_only.applies_to(MEMBER)
    assert not gold_only.applies_to(Buyer(is_member=True, tier="SILVER"))
    assert not first.applies_to(MEMBER)
    assert first.applies_to(Buyer(is_member=True, first_visit=True))
    assert everyone.applies_to(WALK_IN)
    switched_off = PriceRule("r", "停用", RuleKind.DISCOUNT, rate_bp=5000, active=False)
    assert in_effect([switched_off], WED, MEMBER).offers == ()


def test_price_rules_best_of_tier_and_rule_not_both() -> None:
    # tier 8折 beats the member day's 九折: the tier alone applies
    offer = MEMBER_DAY.offer()
    bill = price(PricingInput([facial()], tier_rates={"面部": 8000}, rules=[offer]))
    assert bill.adjustments["tier"] == 6000 and bill.adjustments["rule"] == 0
    assert bill.rule_names == () and bill.lines[0].rule_name is None
    # a 95折 tier: the 九折 rule is better and replaces it
    bill = price(PricingInput([facial()], tier_rates={"面部": 9500}, rules=[offer]))
    assert (bill.adjustments["tier"], bill.adjustments["rule"]) == (0, 3000)
    assert bill.total_fen == 27000 and bill.rule_names == ("会员日九折",)
    assert bill.lines[0].rule_name == "会员日九折"


def test_price_rules_stacking_rule_applies_after_the_tier() -> None:
    offer = RuleOffer("r", "会员日再九折", 9000, kinds=("service",), stack=True)
    bill = price(PricingInput([facial()], tier_rates={"面部": 8000}, rules=[offer]))
    assert (bill.adjustments["tier"], bill.adjustments["rule"]) == (6000, 2400)
    assert bill.total_fen == 21600  # 300 x 0.8 x 0.9


def test_price_rules_never_under_the_floor() -> None:
    product = facial(18800, floor=15000, kind=LineKind.PRODUCT)
    offer = RuleOffer("r", "五折", 5000, stack=True)
    bill = price(PricingInput([product], tier_rates={"面部": 9000}, rules=[offer]))
    assert bill.total_fen == 15000
    assert (bill.adjustments["tier"], bill.adjustments["rule"]) == (1880, 16920 - 15000)
    # not stacked, the rule's 五折 is cut to the floor too, and replaces the tier's 9折
    offer = RuleOffer("r", "五折", 5000)
    bill = price(PricingInput([product], tier_rates={"面部": 9000}, rules=[offer]))
    assert (bill.adjustments["tier"], bill.adjustments["rule"], bill.total_fen) == (
        0, 3800, 15000)


def test_price_rules_precedence_by_priority_then_lower_rate() -> None:
    low = RuleOffer("a", "九折", 9000, priority=0)
    high = RuleOffer("b", "九五折 (优先)", 9500, priority=5)
    bill = price(PricingInput([facial()], rules=[low, high]))
    assert bill.rule_names == ("九五折 (优先)",) and bill.total_fen == 28500
    same = RuleOffer("c", "八五折", 8500, priority=0)
    bill = price(PricingInput([facial()], rules=[low, same]))
    assert bill.rule_names == ("八五折",) and bill.total_fen == 25500


def test_price_rules_cover_only_their_kinds_and_categories() -> None:
    lines = [facial(), PriceLine("1", LineKind.PRODUCT, "P01", "护肤品", 1, 10000),
             PriceLine("2", LineKind.TOP_UP, "TOPUP", "topup", 1, 100000),
             PriceLine("3", LineKind.SERVICE, "B01", "身体", 1, 40000)]
    offer = RuleOffer("r", "面部九折", 9000, kinds=("service",), categories=("面部",))
    bill = price(PricingInput(lines, rules=[offer]))
    assert [pl.steps["rule"] for pl in bill.lines] == [3000, 0, 0, 0]
    assert bill.total_fen == sum(pl.net_fen for pl in bill.lines) == 177000


@settings(max_examples=200, deadline=None)
@given(unit=st.integers(0, 500_000), floor=st.integers(0, 500_000),
       tier=st.integers(1, 10000), rule=st.integers(1, 9999), stack=st.booleans())
def test_price_rules_property_floor_and_order(unit: int, floor: int, tier: int, rule: int,
                                              stack: bool) -> None:
    floor = min(floor, unit)
    line = facial(unit, floor)
    offer = RuleOffer("r", "规则", rule, stack=stack)
    with_rule = price(PricingInput([line], tier_rates={"面部": tier}, rules=[offer]))
    without = price(PricingInput([line], tier_rates={"面部": tier}))
    assert floor <= with_rule.total_fen <= without.total_fen  # a rule only ever helps
    assert with_rule.total_fen == unit - with_rule.adjustments["tier"] \
        - with_rule.adjustments["rule"]
    if not stack:
        assert with_rule.adjustments["tier"] == 0 or with_rule.adjustments["rule"] == 0


def test_price_rules_points_multiplier() -> None:
    rules = EarnRules(bonus_rules=())
    paid = [PaidLine("面部", 28850)]
    assert points_for_purchase(paid, rules) == 288
    assert points_for_purchase(paid, rules, multiplier_permille=2000) == 577
    assert points_for_purchase(paid, rules, multiplier_permille=1500) == 432
    effect = in_effect([DOUBLE, PriceRule("r3", "三倍", RuleKind.POINTS, points_permille=3000,
                                          date_from=dt.date(2026, 3, 1))], WED, MEMBER)
    assert effect.points_permille == 3000 and effect.points_boost is not None
    assert effect.points_boost.name == "三倍"
    assert in_effect([DOUBLE], THU, MEMBER).points_permille == 1000
    bill = price(PricingInput([facial()], points_boost=in_effect([DOUBLE], WED,
                                                                 MEMBER).points_boost))
    assert bill.points_boost is not None and bill.points_boost.permille == 2000


@pytest.mark.parametrize(("rule", "problem"), [
    (PriceRule("r", " ", RuleKind.DISCOUNT, rate_bp=9000), "name"),
    (PriceRule("r", "x", RuleKind.DISCOUNT, rate_bp=10000), "price"),
    (PriceRule("r", "x", RuleKind.POINTS, points_permille=1000), "multiplier"),
    (PriceRule("r", "x", RuleKind.DISCOUNT, rate_bp=9000, date_from=dt.date(2026, 3, 9),
               date_until=dt.date(2026, 3, 1)), "first day"),
    (PriceRule("r", "x", RuleKind.DISCOUNT, rate_bp=9000, time_from=dt.time(9)), "time band"),
    (PriceRule("r", "x", RuleKind.DISCOUNT, rate_bp=9000, first_visit=True,
               members_only=False), "members only"),
])
def test_price_rules_refuses_impossible_rules(rule: PriceRule, problem: str) -> None:
    assert any(problem in text for text in rule.problems())


def test_price_rules_describe_reads_as_one_line() -> None:
    text = describe(MEMBER_DAY)
    assert "Wed" in text and "90 percent of the price" in text and "members" in text
    assert "x2" in describe(DOUBLE)
