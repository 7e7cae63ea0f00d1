"""Commission rules: matching, the worked example, rounding, checks, and properties (never
negative for a sale, a reversal cancels exactly, shares never pay more than the whole)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salondesk.domain.commission import (
    CommissionLine,
    CommissionRule,
    RuleError,
    StepRates,
    check_rules,
    compute,
    compute_line,
    match,
    step_commission,
)

RULES = check_rules([
    CommissionRule("service", "*", percent_bp=500, fixed_fen=1000, designated_fixed_fen=2000),
    CommissionRule("service", "*", grade="senior", percent_bp=600, designated_percent_bp=800),
    CommissionRule("service_category", "身体护理", percent_bp=700, designated_percent_bp=900),
    CommissionRule("service", "L01", percent_bp=300, designated_percent_bp=300),
    CommissionRule("product", "*", percent_bp=1000),
    CommissionRule("product_category", "仪器", percent_bp=200),
])


def line(kind: str = "service", code: str = "F01", category: str = "面部护理", *,
         base: int = 24000, qty: int = 1, designated: bool = False, share: int = 100,
         grade: str | None = "mid") -> CommissionLine:
    return CommissionLine(line_id="l1", staff_id="s1", line_kind=kind, code=code,
                          category=category, qty=qty, base_fen=base, designated=designated,
                          share_pct=share, grade=grade)


def test_commission_rules_worked_example_facial_240_paid() -> None:
    # 300 facial at 8折 = 240 paid: 5% = 12.00, plus the designated hand fee 20.00.
    done = compute_line(RULES, line(designated=True))
    assert (done.percent_fen, done.fixed_fen, done.total_fen) == (1200, 2000, 3200)
    rotation = compute_line(RULES, line())
    assert (rotation.percent_fen, rotation.fixed_fen) == (1200, 1000)


def test_commission_rules_most_specific_rule_wins() -> None:
    assert match(RULES, line(code="L01")).key == "L01"  # type: ignore[union-attr]
    assert match(RULES, line(code="B01", category="身体护理")).scope == "service_category"  # type: ignore[union-attr]
    assert match(RULES, line(grade="senior")).grade == "senior"  # type: ignore[union-attr]
    assert match(RULES, line(grade=None)).grade == "*"  # type: ignore[union-attr]
    assert match(RULES, line("session")).key == "*"  # type: ignore[union-attr]
    assert match(RULES, line("product", "P09", "仪器")).key == "仪器"  # type: ignore[union-attr]
    assert match(RULES, line("product", "P01", "护肤品")).key == "*"  # type: ignore[union-attr]
    assert match(RULES, line("topup", "PLAN1", "")) is None
    assert compute_line(RULES, line("topup", base=100000)).total_fen == 0
    assert compute_line((), line()).total_fen == 0


def test_commission_rules_senior_designated_rate_and_rounding() -> None:
    # 8% of 333.33 = 26.6664 -> 26.67 (half up); 6% rotation = 20.00
    senior = line(base=33333, designated=True, grade="senior")
    assert compute_line(RULES, senior).percent_fen == 2667
    assert compute_line(RULES, line(base=33333, grade="senior")).percent_fen == 2000
    # a product pays 10% of what was paid, whoever sold it
    assert compute_line(RULES, line("product", "P01", "护肤品", base=18800)).total_fen == 1880


@pytest.mark.parametrize(("rule", "message"), [
    (CommissionRule("service", "*", percent_bp=-1), "negative"),
    (CommissionRule("service", "*", percent_bp=800, designated_percent_bp=500), "at least"),
    (CommissionRule("service", "*", fixed_fen=2000, designated_fixed_fen=1000), "at least"),
    (CommissionRule("service", "*", percent_bp=10001), "100%"),
    (CommissionRule("service_category", "*", percent_bp=100), "code or a category"),
    (CommissionRule("bonus", "*"), "Unknown commission rule kind"),
    (CommissionRule("product", "*", percent_bp=100, designated_percent_bp=200), "one rate"),
])
def test_commission_rules_bad_rules_are_refused(rule: CommissionRule, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rule.check()


def test_commission_rules_duplicates_are_refused_and_json_round_trips() -> None:
    with pytest.raises(RuleError, match="two commission rules"):
        check_rules([CommissionRule("service", "F01"), CommissionRule("service", "F01")])
    assert tuple(CommissionRule.from_json(r.to_json()) for r in RULES) == RULES


rates = st.integers(0, 10_000)
fees = st.integers(0, 50_000)


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[CommissionRule, ...]:
    pct, fee = draw(rates), draw(fees)
    return check_rules([
        CommissionRule("service", "*", percent_bp=pct,
                       designated_percent_bp=draw(st.integers(pct, 10_000)), fixed_fen=fee,
                       designated_fixed_fen=draw(st.integers(fee, 60_000))),
        CommissionRule("product", "*", percent_bp=draw(rates))])


performance = st.builds(
    line, st.sampled_from(["service", "session", "product", "topup"]),
    base=st.integers(0, 10_000_000), qty=st.integers(1, 20), designated=st.booleans(),
    share=st.integers(0, 100), grade=st.sampled_from([None, "mid", "senior"]))


@given(rule_sets(), st.lists(performance, max_size=12))
def test_commission_rules_sale_never_negative_and_void_cancels_exactly(
        rules: tuple[CommissionRule, ...], lines: list[CommissionLine]) -> None:
    done = compute(rules, lines)
    assert all(c.percent_fen >= 0 and c.fixed_fen >= 0 for c in done)
    reversed_lines = [CommissionLine(**{**vars(ln), "base_fen": -ln.base_fen}) for ln in lines
                      if ln.base_fen]
    undone = compute(rules, reversed_lines)
    kept = [c for c in done if c.line.base_fen]
    assert sum(c.total_fen for c in kept) + sum(c.total_fen for c in undone) == 0
    # a statement's total is the sum of its lines, split into percent and fixed parts
    assert sum(c.total_fen for c in done) == sum(c.percent_fen for c in done) + sum(
        c.fixed_fen for c in done)


@given(rule_sets(), performance, st.integers(0, 100))
def test_commission_rules_shares_add_up_to_the_whole_within_a_fen_each(
        rules: tuple[CommissionRule, ...], ln: CommissionLine, first: int) -> None:
    whole = compute_line(rules, CommissionLine(**{**vars(ln), "share_pct": 100}))
    parts = [compute_line(rules, CommissionLine(**{**vars(ln), "share_pct": p}))
             for p in (first, 100 - first)]
    # each part's percent and fixed amounts are rounded half up on their own
    assert abs(sum(p.total_fen for p in parts) - whole.total_fen) <= 2


@given(rule_sets(), performance)
def test_commission_rules_designated_never_pays_less_than_rotation(
        rules: tuple[CommissionRule, ...], ln: CommissionLine) -> None:
    designated = compute_line(rules, CommissionLine(**{**vars(ln), "designated": True}))
    rotation = compute_line(rules, CommissionLine(**{**vars(ln), "designated": False}))
    assert designated.total_fen >= rotation.total_fen


# --- monthly step rates ------------------------------------------------------------------------

STEPS = ((0, 300), (2_000_000, 500), (5_000_000, 800))  # 3% to 20,000; 5% to 50,000; then 8%


def test_commission_rules_step_rates_progressive_and_retroactive() -> None:
    progressive = StepRates("progressive", STEPS).check()
    retroactive = StepRates("retroactive", STEPS).check()
    # 60,000.00 in a month: 20,000 x 3% + 30,000 x 5% + 10,000 x 8% = 2,900.00 progressively,
    # 60,000 x 8% = 4,800.00 retroactively
    assert step_commission(6_000_000, progressive) == 290_000
    assert step_commission(6_000_000, retroactive) == 480_000
    assert step_commission(2_000_000, progressive) == 60_000
    assert step_commission(2_000_000, retroactive) == 100_000  # reaching a step takes its rate
    assert step_commission(0, progressive) == step_commission(-500, retroactive) == 0
    assert StepRates.from_json(progressive.to_json()) == progressive


@pytest.mark.parametrize(("rates", "message"), [
    (StepRates("monthly", STEPS), "progressive or retroactive"),
    (StepRates("progressive", ((100, 300),)), "starts at 0"),
    (StepRates("progressive", ((0, 300), (0, 500))), "above the one before"),
    (StepRates("progressive", ((0, 10_001),)), "100%"),
])
def test_commission_rules_bad_step_rates_are_refused(rates: StepRates, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rates.check()


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
       st.lists(st.integers(1, 5_000_000), min_size=3, max_size=3, unique=True),
       st.integers(0, 20_000_000), st.integers(0, 1_000_000))
def test_commission_rules_step_rates_grow_with_the_total(
        rates: list[int], gaps: list[int], total: int, more: int) -> None:
    rising = sorted(rates)
    starts = [0]
    for gap in sorted(gaps)[:len(rising) - 1]:
        starts.append(starts[-1] + gap)
    steps = tuple(zip(starts, rising, strict=False))
    progressive = StepRates("progressive", steps).check()
    retroactive = StepRates("retroactive", steps).check()
    low, high = step_commission(total, progressive), step_commission(total + more, progressive)
    assert 0 <= low <= high
    # with rising rates, retroactive pays at least the progressive amount
    assert step_commission(total, retroactive) >= low
    # progressive has no jump at a threshold: one more fen pays at most one more fen
    assert step_commission(total + 1, progressive) - low <= 1
