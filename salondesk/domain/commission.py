"""Commission (提成) rules and their arithmetic, with no I/O.

A rule pays, for a line a staff member performed or sold, a percentage of the line's paid
amount (its performance base: what the checkout recorded in ``sale_commission``) and/or a fixed
hand fee per unit (手工费), each with a higher figure for a designated service (点钟) than for a
rotation one (轮钟). Rules are per service code, service category, product code, product
category or "*" (every service / every product), optionally per grade; the most specific rule
that matches wins (see :func:`match`).

A reversal (a void or refund writes the negative base naming the row it undoes) gives exactly
the negative of what the original earned, so a sale and its void sum to zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from salondesk.i18n import _

ANY = "*"
MAX_BP = 10_000  # 100 %


class Scope(StrEnum):
    SERVICE = "service"                    # key: a service code, or "*"
    SERVICE_CATEGORY = "service_category"  # key: a service category
    PRODUCT = "product"                    # key: a product code, or "*"
    PRODUCT_CATEGORY = "product_category"  # key: a product category


SERVICE_KINDS = frozenset({"service", "session"})  # a package session is a service performed
PRODUCT_KINDS = frozenset({"product"})


class RuleError(ValueError):
    """A rule that cannot be taken; ``message`` is translated for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CommissionRule:
    """Percentages are in basis points (500 = 5 %) of the paid amount; fixed fees in fen per
    unit. The designated figures default to the rotation ones."""

    scope: str
    key: str
    grade: str = ANY
    percent_bp: int = 0
    designated_percent_bp: int | None = None
    fixed_fen: int = 0
    designated_fixed_fen: int | None = None

    @property
    def designated_percent(self) -> int:
        return self.percent_bp if self.designated_percent_bp is None else \
            self.designated_percent_bp

    @property
    def designated_fixed(self) -> int:
        return self.fixed_fen if self.designated_fixed_fen is None else self.designated_fixed_fen

    def check(self) -> CommissionRule:
        """The rule itself, or RuleError saying what is wrong with it."""
        try:
            scope = Scope(self.scope)
        except ValueError:
            raise RuleError(_("Unknown commission rule kind {kind}.").format(
                kind=self.scope)) from None
        if not self.key.strip() or (self.key == ANY and scope in (
                Scope.SERVICE_CATEGORY, Scope.PRODUCT_CATEGORY)):
            raise RuleError(_("A commission rule needs a code or a category."))
        figures = (self.percent_bp, self.designated_percent, self.fixed_fen,
                   self.designated_fixed)
        if any(f < 0 for f in figures):
            raise RuleError(_("Commission cannot be negative."))
        if self.percent_bp > MAX_BP or self.designated_percent > MAX_BP:
            raise RuleError(_("A commission rate is at most 100%."))
        if self.designated_percent < self.percent_bp or self.designated_fixed < self.fixed_fen:
            raise RuleError(_("A designated service pays at least what a rotation one pays."))
        if scope in (Scope.PRODUCT, Scope.PRODUCT_CATEGORY) and (
                self.designated_percent_bp not in (None, self.percent_bp)):
            raise RuleError(_("Products have one rate; designation is for services."))
        return self

    def to_json(self) -> dict[str, object]:
        return {"scope": self.scope, "key": self.key, "grade": self.grade,
                "percent_bp": self.percent_bp, "designated_percent_bp": self.designated_percent_bp,
                "fixed_fen": self.fixed_fen, "designated_fixed_fen": self.designated_fixed_fen}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> CommissionRule:
        return cls(**raw).check()  # type: ignore[arg-type]


def check_rules(rules: Iterable[CommissionRule]) -> tuple[CommissionRule, ...]:
    """Each rule checked; two rules for the same scope, key and grade are refused."""
    out = tuple(r.check() for r in rules)
    seen: set[tuple[str, str, str]] = set()
    for r in out:
        ident = (r.scope, r.key, r.grade)
        if ident in seen:
            raise RuleError(_("There are two commission rules for {key}.").format(key=r.key))
        seen.add(ident)
    return out


@dataclass(frozen=True)
class CommissionLine:
    """One performance row: a staff member's share of one sale line.

    ``base_fen`` is the line's paid amount as recorded (negative on a void/refund row),
    ``share_pct`` the staff member's share of the line, ``qty`` its units (for hand fees).
    """

    line_id: str
    staff_id: str | None
    line_kind: str
    code: str
    category: str
    qty: int
    base_fen: int
    designated: bool = False
    share_pct: int = 100
    grade: str | None = None


@dataclass(frozen=True)
class LineCommission:
    line: CommissionLine
    rule: CommissionRule | None
    percent_fen: int
    fixed_fen: int

    @property
    def total_fen(self) -> int:
        return self.percent_fen + self.fixed_fen


def match(rules: Sequence[CommissionRule], line: CommissionLine) -> CommissionRule | None:
    """The most specific rule for the line: by code before category before "*", and for each
    of those the staff member's grade before any grade."""
    if line.line_kind in SERVICE_KINDS:
        keys = ((Scope.SERVICE, line.code), (Scope.SERVICE_CATEGORY, line.category),
                (Scope.SERVICE, ANY))
    elif line.line_kind in PRODUCT_KINDS:
        keys = ((Scope.PRODUCT, line.code), (Scope.PRODUCT_CATEGORY, line.category),
                (Scope.PRODUCT, ANY))
    else:
        return None
    index = {(r.scope, r.key, r.grade): r for r in rules}
    for scope, key in keys:
        for grade in ((line.grade, ANY) if line.grade else (ANY,)):
            rule = index.get((scope.value, key, grade))
            if rule is not None:
                return rule
    return None


def _share(amount: int, rate: int, scale: int, share_pct: int) -> int:
    """amount x rate / scale x share / 100, rounded half up, for a non-negative amount."""
    denominator = scale * 100
    return (amount * rate * share_pct * 2 + denominator) // (2 * denominator)


def compute_line(rules: Sequence[CommissionRule], line: CommissionLine) -> LineCommission:
    """The commission of one performance row. Never negative for a sale row; a reversal row
    gives exactly the negative of the row it reverses."""
    if not 0 <= line.share_pct <= 100:
        raise RuleError(_("A share is between 0 and 100%."))
    rule = match(rules, line)
    if rule is None or (line.base_fen == 0 and line.qty == 0):
        return LineCommission(line, rule, 0, 0)
    sign = -1 if line.base_fen < 0 else 1
    rate = rule.designated_percent if line.designated else rule.percent_bp
    fee = rule.designated_fixed if line.designated else rule.fixed_fen
    percent = _share(abs(line.base_fen), rate, MAX_BP, line.share_pct)
    fixed = _share(abs(line.qty), fee, 1, line.share_pct)
    return LineCommission(line, rule, sign * percent, sign * fixed)


def compute(rules: Sequence[CommissionRule], lines: Iterable[CommissionLine]
            ) -> list[LineCommission]:
    """Commission for each performance row, in the order given."""
    return [compute_line(rules, line) for line in lines]


# --- monthly step rates (阶梯提成) -----------------------------------------------------------

class StepMode(StrEnum):
    PROGRESSIVE = "progressive"  # each band of the month's total at its own rate (like tax)
    RETROACTIVE = "retroactive"  # the whole total at the rate of the highest step reached


@dataclass(frozen=True)
class StepRates:
    """Rates by the month's consumption performance: ``steps`` are (from_fen, rate_bp) with
    the first step from 0, thresholds rising; e.g. ((0, 300), (2000000, 500), (5000000, 800))
    pays 3 % up to 20,000, 5 % from 20,000 and 8 % from 50,000."""

    mode: str
    steps: tuple[tuple[int, int], ...]

    def check(self) -> StepRates:
        try:
            StepMode(self.mode)
        except ValueError:
            raise RuleError(_("Step rates are progressive or retroactive.")) from None
        if not self.steps or self.steps[0][0] != 0:
            raise RuleError(_("The first step starts at 0."))
        thresholds = [t for t, _r in self.steps]
        if thresholds != sorted(set(thresholds)):
            raise RuleError(_("Each step starts above the one before."))
        if any(not 0 <= r <= MAX_BP for _t, r in self.steps):
            raise RuleError(_("A commission rate is at most 100%."))
        return self

    def to_json(self) -> dict[str, object]:
        return {"mode": self.mode, "steps": [list(s) for s in self.steps]}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> StepRates:
        steps = raw.get("steps", ())
        assert isinstance(steps, list | tuple)
        return cls(mode=str(raw.get("mode")),
                   steps=tuple((int(t), int(r)) for t, r in steps)).check()


def step_commission(total_fen: int, rates: StepRates) -> int:
    """Commission on a month's performance total under step rates (0 for a total <= 0),
    rounded half up to the fen."""
    if total_fen <= 0:
        return 0
    steps = rates.steps
    if rates.mode == StepMode.RETROACTIVE:
        rate = [r for t, r in steps if t <= total_fen][-1]
        return _share(total_fen, rate, MAX_BP, 100)
    paid_bp_fen = 0  # sum of band x rate, in fen x basis points, rounded once at the end
    for i, (start, rate) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else None
        if total_fen <= start:
            break
        band = (min(total_fen, end) if end is not None else total_fen) - start
        paid_bp_fen += band * rate
    return (paid_bp_fen * 2 + MAX_BP) // (2 * MAX_BP)
