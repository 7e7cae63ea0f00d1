"""Commission rules: matching, the worked example on each base (paid, principal only, list
price), cash vs consumption performance, rounding, checks, and properties (never negative for a
sale, a reversal cancels exactly, shares never pay more than the whole, principal-only never
pays more than principal and bonus)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from salondesk.domain.commission import (
    CommissionLine,
    CommissionRule,
    PerformedLine,
    RuleError,
    StepRates,
    check_rules,
    commission_base,
    compute,
    compute_line,
    match,
    performance_rows,
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
         grade: str | None = "mid", performance: str = "consumption", bonus: int = 0,
         listed: int | None = None) -> CommissionLine:
    return CommissionLine(line_id="l1", staff_id="s1", line_kind=kind, code=code,
                          category=category, qty=qty, base_fen=base, designated=designated,
                          share_pct=share, grade=grade, performance=performance,
                          bonus_fen=bonus, list_fen=listed)


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
    (CommissionRule("service", "*", performance="sales"), "cash or consumption"),
    (CommissionRule("service", "*", base="net"), "cash or consumption"),
    (CommissionRule("package", "*", percent_bp=100), "cash performance only"),
    (CommissionRule("topup", "TOPUP", performance="cash"), "all top-ups"),
    (CommissionRule("service", "*", performance="cash", fixed_fen=100,
                    designated_fixed_fen=200), "Cash performance has one rate"),
    (CommissionRule("service", "*", performance="cash", principal_only=True), "no stored-value"),
    (CommissionRule("product", "*", performance="cash", gift_bp=5000), "Gifted items"),
])
def test_commission_rules_bad_rules_are_refused(rule: CommissionRule, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        rule.check()


def test_commission_rules_duplicates_are_refused_and_json_round_trips() -> None:
    with pytest.raises(RuleError, match="two commission rules"):
        check_rules([CommissionRule("service", "F01"), CommissionRule("service", "F01")])
    # one rule per kind of performance for the same service is fine
    both = check_rules([CommissionRule("service", "F01"),
                        CommissionRule("service", "F01", performance="cash", base="list")])
    assert tuple(CommissionRule.from_json(r.to_json()) for r in RULES + both) == RULES + both
    # a rule saved before kinds and bases existed reads as consumption, of the amount paid
    old = CommissionRule.from_json({"scope": "service", "key": "*", "grade": "*",
                                    "percent_bp": 500, "designated_percent_bp": None,
                                    "fixed_fen": 0, "designated_fixed_fen": None,
                                    "gift_bp": 0})
    assert (old.performance, old.base, old.principal_only) == ("consumption", "paid", False)


# --- kinds of performance and bases ------------------------------------------------------------

# The worked example: a 300 facial at 8折 = 240.00 paid from a 1000 + 100 lot
# proportionally = principal 218.18 + bonus 21.82; 5%, designated hand fee 20.00.
FACIAL = line(base=24000, bonus=2182, listed=30000, designated=True)


def _five(**base: object) -> tuple[CommissionRule, ...]:
    return check_rules([CommissionRule("service", "*", percent_bp=500, fixed_fen=1000,
                                       designated_fixed_fen=2000, **base)])  # type: ignore[arg-type]


@pytest.mark.parametrize(("base", "expected_base", "percent"), [
    ({}, 24000, 1200),                                        # paid, principal + bonus: 12.00
    ({"principal_only": True}, 21818, 1091),                  # principal only: 10.91
    ({"base": "list"}, 30000, 1500),                          # list price: 15.00
    # list price scaled by the principal's share: 300 x 218.18 / 240 = 272.725 -> 272.73
    ({"base": "list", "principal_only": True}, 27273, 1364),
])
def test_commission_rules_worked_example_on_each_base(base: dict[str, object],
                                                      expected_base: int, percent: int) -> None:
    done = compute_line(_five(**base), FACIAL)
    assert (done.base_fen, done.percent_fen, done.fixed_fen) == (expected_base, percent, 2000)
    # the void row (every amount negated) takes back exactly that
    undone = compute_line(_five(**base), line(base=-24000, bonus=-2182, listed=-30000,
                                               designated=True))
    assert (undone.base_fen, undone.total_fen) == (-expected_base, -(percent + 2000))


def test_commission_rules_rows_without_bonus_or_list_count_the_paid_amount() -> None:
    old_row = line(base=24000)  # recorded before the bonus and list parts were kept
    for base in ({}, {"principal_only": True}, {"base": "list"},
                 {"base": "list", "principal_only": True}):
        assert commission_base(_five(**base)[0], old_row) == 24000
    # a gifted row's base is the list value given away, whatever the base
    gift = CommissionLine(**{**vars(line(base=18000)), "gift": True, "bonus_fen": 0})
    assert commission_base(_five(principal_only=True, base="list")[0], gift) == 18000


def test_commission_rules_cash_and_consumption_rules_pay_on_their_own_rows() -> None:
    rules = check_rules([
        CommissionRule("service", "*", percent_bp=500),
        CommissionRule("service", "*", percent_bp=100, performance="cash"),
        CommissionRule("topup", "*", percent_bp=200, performance="cash"),
        CommissionRule("package", "*", percent_bp=300, fixed_fen=500, performance="cash"),
        CommissionRule("package", "P6", percent_bp=400, performance="cash", base="list"),
        CommissionRule("product", "*", percent_bp=1000, performance="cash", base="list"),
    ])
    # a service paid in money earns on both rows: 5% consumption, 1% cash
    assert compute_line(rules, line()).percent_fen == 1200
    assert compute_line(rules, line(performance="cash")).percent_fen == 240
    # a top-up of 1000.00 earns 2% of the money taken; it has no consumption row to match
    topup = line("topup", "TOPUP", "topup", base=100000, performance="cash")
    assert compute_line(rules, topup).total_fen == 2000
    assert match(rules, line("topup", "TOPUP", "topup")) is None
    # a card sale: its code's rule before "*"; the list price 3600.00 though sold at 3000.00
    card = line("package", "P6", "package", base=300000, listed=360000, performance="cash")
    assert compute_line(rules, card).total_fen == 14400
    other = line("package", "P9", "package", base=100000, qty=2, performance="cash")
    assert (compute_line(rules, other).percent_fen, compute_line(rules, other).fixed_fen) == (
        3000, 1000)
    # a product's cash part on its list price; its consumption row finds no rule
    product = line("product", "P01", "护肤品", base=15040, listed=18800, performance="cash")
    assert compute_line(rules, product).total_fen == 1880
    assert compute_line(rules, line("product", "P01", "护肤品")).rule is None


def test_commission_rules_rows_carry_bonus_and_list_split_between_staff() -> None:
    facial = PerformedLine("l1", "service", net_fen=24000, money_fen=0, list_fen=30000,
                           technician_id="a", designated=True, shares=(("a", 60), ("b", 40)),
                           sv_bonus_fen=2182)
    rows = performance_rows([facial], seller_id="cashier")
    assert [(r.staff_id, r.kind, r.base_fen, r.bonus_fen, r.list_fen, r.designated)
            for r in rows] == [("a", "consumption", 14400, 1309, 18000, True),
                               ("b", "consumption", 9600, 873, 12000, False)]
    # money for part of a product: the cash row's list price is the money's share of it
    product = PerformedLine("l2", "product", net_fen=15040, money_fen=10000, list_fen=18800,
                            sv_bonus_fen=500)
    rows = performance_rows([product], seller_id="cashier")
    assert [(r.kind, r.base_fen, r.bonus_fen, r.list_fen) for r in rows] == [
        ("consumption", 15040, 500, 18800), ("cash", 10000, 0, 12500)]
    # a top-up: cash only, no bonus part (the plan's bonus is what the member gets, not paid)
    topup = PerformedLine("l3", "topup", net_fen=100000, money_fen=100000, list_fen=100000)
    assert [(r.kind, r.base_fen, r.bonus_fen, r.list_fen)
            for r in performance_rows([topup], seller_id="cashier")] == [
        ("cash", 100000, 0, 100000)]


rates = st.integers(0, 10_000)
fees = st.integers(0, 50_000)


@st.composite
def rule_sets(draw: st.DrawFn) -> tuple[CommissionRule, ...]:
    pct, fee = draw(rates), draw(fees)
    return check_rules([
        CommissionRule("service", "*", percent_bp=pct,
                       designated_percent_bp=draw(st.integers(pct, 10_000)), fixed_fen=fee,
                       designated_fixed_fen=draw(st.integers(fee, 60_000)),
                       base=draw(st.sampled_from(["paid", "list"])),
                       principal_only=draw(st.booleans())),
        CommissionRule("product", "*", percent_bp=draw(rates),
                       base=draw(st.sampled_from(["paid", "list"])),
                       principal_only=draw(st.booleans()))])


@st.composite
def performance_lines(draw: st.DrawFn) -> CommissionLine:
    base = draw(st.integers(0, 10_000_000))
    return line(draw(st.sampled_from(["service", "session", "product", "topup"])),
                base=base, qty=draw(st.integers(1, 20)), designated=draw(st.booleans()),
                share=draw(st.integers(0, 100)),
                grade=draw(st.sampled_from([None, "mid", "senior"])),
                bonus=draw(st.integers(0, base)),
                listed=draw(st.one_of(st.none(), st.integers(0, 20_000_000))))


performance = performance_lines()


@given(rule_sets(), st.lists(performance, max_size=12))
def test_commission_rules_sale_never_negative_and_void_cancels_exactly(
        rules: tuple[CommissionRule, ...], lines: list[CommissionLine]) -> None:
    done = compute(rules, lines)
    assert all(c.percent_fen >= 0 and c.fixed_fen >= 0 for c in done)
    reversed_lines = [CommissionLine(**{
        **vars(ln), "base_fen": -ln.base_fen, "bonus_fen": -ln.bonus_fen,
        "list_fen": None if ln.list_fen is None else -ln.list_fen}) for ln in lines
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
    from salondesk.money import allocate

    # a list price scaled by the principal's share is only as exact as the split of a small
    # base allows: keep to lines whose list price is near what was paid for that case
    scaled = any(r.base == "list" and r.principal_only for r in rules)
    assume(not scaled or ln.list_fen is None
           or (ln.base_fen >= 100 and ln.base_fen <= ln.list_fen <= 2 * ln.base_fen))
    whole = compute_line(rules, CommissionLine(**{**vars(ln), "share_pct": 100}))
    # a shared line's bases (paid, bonus, list) are split by largest remainder as the
    # checkout does; the hand fee is paid by the share
    weights = [first, 100 - first]

    def split(fen: int | None) -> list[int | None]:
        return [None, None] if fen is None else list(allocate(fen, weights)) if fen else [0, 0]

    parts = [compute_line(rules, CommissionLine(**{**vars(ln), "share_pct": p, "base_fen": b,
                                                   "bonus_fen": bonus, "list_fen": lst}))
             for p, b, bonus, lst in zip(weights, split(ln.base_fen), split(ln.bonus_fen),
                                         split(ln.list_fen), strict=True)]
    # each part's percent and fixed amounts are rounded half up on their own
    assert abs(sum(p.total_fen for p in parts) - whole.total_fen) <= 3


@given(rule_sets(), performance)
def test_commission_rules_designated_never_pays_less_than_rotation(
        rules: tuple[CommissionRule, ...], ln: CommissionLine) -> None:
    designated = compute_line(rules, CommissionLine(**{**vars(ln), "designated": True}))
    rotation = compute_line(rules, CommissionLine(**{**vars(ln), "designated": False}))
    assert designated.total_fen >= rotation.total_fen


@given(rule_sets(), performance)
def test_commission_rules_principal_only_never_pays_more(
        rules: tuple[CommissionRule, ...], ln: CommissionLine) -> None:
    def with_principal(on: bool) -> int:
        changed = tuple(CommissionRule(**{**vars(r), "principal_only": on}) for r in rules)
        return compute_line(changed, ln).percent_fen

    assert 0 <= with_principal(True) <= with_principal(False)


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
