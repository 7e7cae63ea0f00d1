"""The pricing pipeline: worked examples and properties (lines sum to the total, no line under
its floor unless a permitted manual discount, never negative)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from salondesk.domain.pricing import (
    CouponOffer,
    LineKind,
    ManualDiscount,
    PriceLine,
    PricingInput,
    Rounding,
    price,
    split_payments,
)


def test_pricing_facial_300_at_80_percent_is_240() -> None:
    bill = price(PricingInput([PriceLine("0", LineKind.SERVICE, "F", "面部", 1, 30000)],
                              tier_rates={"面部": 8000}))
    assert bill.total_fen == 24000 and bill.adjustments["tier"] == 6000


def test_pricing_coupon_manual_points_and_drop_jiao_in_order() -> None:
    lines = [PriceLine("0", LineKind.SERVICE, "F01", "面部", 1, 27500),
             PriceLine("1", LineKind.PRODUCT, "P01", "护肤品", 1, 18800, floor_fen=15000),
             PriceLine("2", LineKind.SESSION, "F02", "面部", 1, 60000)]
    bill = price(PricingInput(lines, tier_rates={"面部": 8000},
                              coupon=CouponOffer("C1", 5000), points_offset_fen=1234,
                              manual=ManualDiscount("老顾客", amount_fen=1000),
                              rounding=Rounding.DROP_JIAO))
    assert bill.adjustments == {"tier": 5500, "rule": 0, "coupon": 5000, "manual": 1000,
                                "points": 1234, "rounding": 66}
    assert bill.total_fen == sum(pl.net_fen for pl in bill.lines) == 106300 - 5500 - 7300
    assert bill.lines[2].net_fen == 60000  # the session is paid by its package, untouched
    assert bill.lines[1].net_fen >= 15000
    assert bill.due_fen % 100 == 0


def test_pricing_floor_caps_a_coupon() -> None:
    lines = [PriceLine("0", LineKind.PRODUCT, "P01", "护肤品", 1, 18800, floor_fen=15000)]
    bill = price(PricingInput(lines, coupon=CouponOffer("C1", 10000)))
    assert bill.adjustments["coupon"] == 3800 and bill.total_fen == 15000


kinds = st.sampled_from([LineKind.SERVICE, LineKind.PRODUCT, LineKind.PACKAGE, LineKind.TOP_UP,
                         LineKind.SESSION])


@st.composite
def carts(draw: st.DrawFn) -> PricingInput:
    n = draw(st.integers(1, 6))
    lines = []
    for i in range(n):
        unit = draw(st.integers(0, 500000))
        lines.append(PriceLine(str(i), draw(kinds), f"X{i}", draw(st.sampled_from("ABC")),
                               draw(st.integers(1, 5)), unit, draw(st.integers(0, unit))))
    manual = draw(st.none() | st.builds(
        ManualDiscount, reason=st.just("r"), amount_fen=st.integers(0, 2_000_000),
        rate_bp=st.none() | st.integers(0, 10000), below_floor=st.booleans()))
    return PricingInput(
        lines, tier_rates=draw(st.dictionaries(st.sampled_from("ABC"), st.integers(1, 10000))),
        coupon=draw(st.none() | st.builds(CouponOffer, code=st.just("C"),
                                          discount_fen=st.integers(0, 1_000_000),
                                          categories=st.sampled_from([(), ("A",), ("B", "C")]))),
        manual=manual, points_offset_fen=draw(st.integers(0, 1_000_000)),
        rounding=draw(st.sampled_from(list(Rounding))))


@settings(max_examples=400, deadline=None)
@given(carts())
def test_pricing_properties(data: PricingInput) -> None:
    bill = price(data)
    assert sum(pl.net_fen for pl in bill.lines) == bill.total_fen
    assert bill.subtotal_fen - sum(bill.adjustments.values()) == bill.total_fen
    below_ok = data.manual is not None and data.manual.below_floor
    for line, pl in zip(data.lines, bill.lines, strict=True):
        assert pl.net_fen >= 0
        assert pl.list_fen - sum(pl.steps.values()) == pl.net_fen
        if not line.adjustable:
            assert pl.net_fen == line.list_fen
        elif not below_ok:
            assert pl.net_fen >= min(line.floor_fen * line.qty, line.list_fen)
    assert 0 <= bill.session_fen <= bill.total_fen


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 100000), min_size=1, max_size=6), st.data())
def test_pricing_split_payments_add_up_both_ways(nets: list[int], data: st.DataObject) -> None:
    total = sum(nets)
    a = data.draw(st.integers(0, total))
    b = data.draw(st.integers(0, total - a))
    parts = split_payments(nets, [a, b, total - a - b])
    assert [sum(p) for p in parts] == [a, b, total - a - b]
    assert [sum(col) for col in zip(*parts, strict=True)] == nets
    assert all(x >= 0 for p in parts for x in p)
