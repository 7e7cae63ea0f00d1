"""Commission (提成) rules and their arithmetic, with no I/O.

A rule pays, for a line a staff member performed or sold, a percentage of a commission base
and/or a fixed hand fee per unit (手工费), each with a higher figure for a designated service
(点钟) than for a rotation one (轮钟). Rules are per service code, service category, product
code, product category, package (card) code or "*" (every service / product / package / top-up),
optionally per grade, and per kind of performance (:class:`Performance`): consumption
performance (消耗业绩: services, package sessions and products at what they finally cost) or
cash performance (现金业绩: money taken for card sales, top-ups, products and services). The most
specific rule of the row's kind of performance wins (see :func:`match`).

The base of a rule's percentage (:func:`commission_base`) is the amount actually paid (the
performance recorded in ``sale_commission``) or the list price, and for stored value either
principal and bonus both or the principal only (the bonus part of the line, recorded with the
row, left out; on a list-price base the list price is scaled down by the principal's share of
what was paid). Rows written before the bonus and list parts were recorded count no bonus and
their paid amount as the list price.

A reversal (a void or refund writes the negative base naming the row it undoes) gives exactly
the negative of what the original earned, so a sale and its void sum to zero.

A line may be shared by several staff by percentage (e.g. 60/40): :func:`performance_rows`
splits each base by largest remainder, so the staff's parts add up to the line exactly, and
each part carries its share, which the hand fee is paid by. A gifted line (赠送: the client
pays nothing for something with a list value - a free-service coupon, a gifted package
session, 100% off) records its list value as a ``gift`` row that counts in no performance
and earns what the rule's ``gift_bp`` says (0 = nothing, 5000 = half of the usual commission
on the list value).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from salondesk.i18n import _
from salondesk.money import allocate

ANY = "*"
MAX_BP = 10_000  # 100 %
MAX_SHARES = 5   # staff sharing one line


class Scope(StrEnum):
    SERVICE = "service"                    # key: a service code, or "*"
    SERVICE_CATEGORY = "service_category"  # key: a service category
    PRODUCT = "product"                    # key: a product code, or "*"
    PRODUCT_CATEGORY = "product_category"  # key: a product category
    PACKAGE = "package"                    # key: a package (card) code, or "*"
    TOP_UP = "topup"                       # key: "*" (every top-up)


class Performance(StrEnum):
    """The kind of performance a rule pays on."""

    CONSUMPTION = "consumption"  # 消耗业绩: value delivered (gifted lines count here too)
    CASH = "cash"                # 现金业绩: money taken


class Base(StrEnum):
    """What a rule's percentage is of."""

    PAID = "paid"  # the amount actually paid (the recorded performance)
    LIST = "list"  # the list price of what was bought or performed


CASH_ONLY_SCOPES = frozenset({Scope.PACKAGE, Scope.TOP_UP})
SERVICE_KINDS = frozenset({"service", "session"})  # a package session is a service performed
PRODUCT_KINDS = frozenset({"product"})
PACKAGE_KINDS = frozenset({"package"})
TOP_UP_KINDS = frozenset({"topup"})


class RuleError(ValueError):
    """A rule that cannot be taken; ``message`` is translated for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CommissionRule:
    """Percentages are in basis points (500 = 5 %) of the commission base; fixed fees in fen
    per unit. The designated figures default to the rotation ones. ``performance`` is the kind
    of performance the rule pays on; ``base`` and ``principal_only`` say what the percentage is
    of (see :func:`commission_base`)."""

    scope: str
    key: str
    grade: str = ANY
    percent_bp: int = 0
    designated_percent_bp: int | None = None
    fixed_fen: int = 0
    designated_fixed_fen: int | None = None
    gift_bp: int = 0  # share of the usual commission paid on a gifted line (0: none)
    performance: str = Performance.CONSUMPTION.value
    base: str = Base.PAID.value
    principal_only: bool = False  # stored value: the principal only, not the bonus

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
        try:
            performance = Performance(self.performance)
            Base(self.base)
        except ValueError:
            raise RuleError(_("A commission rule pays on cash or consumption performance, "
                              "of the amount paid or the list price.")) from None
        if not self.key.strip() or (self.key == ANY and scope in (
                Scope.SERVICE_CATEGORY, Scope.PRODUCT_CATEGORY)):
            raise RuleError(_("A commission rule needs a code or a category."))
        figures = (self.percent_bp, self.designated_percent, self.fixed_fen,
                   self.designated_fixed)
        if any(f < 0 for f in figures):
            raise RuleError(_("Commission cannot be negative."))
        if self.percent_bp > MAX_BP or self.designated_percent > MAX_BP:
            raise RuleError(_("A commission rate is at most 100%."))
        if not 0 <= self.gift_bp <= MAX_BP:
            raise RuleError(_("Commission on a gifted item is between 0 and 100 percent "
                              "of the usual."))
        if self.designated_percent < self.percent_bp or self.designated_fixed < self.fixed_fen:
            raise RuleError(_("A designated service pays at least what a rotation one pays."))
        if scope in (Scope.PRODUCT, Scope.PRODUCT_CATEGORY) and (
                self.designated_percent_bp not in (None, self.percent_bp)):
            raise RuleError(_("Products have one rate; designation is for services."))
        self._check_performance(scope, performance)
        return self

    def _check_performance(self, scope: Scope, performance: Performance) -> None:
        if scope in CASH_ONLY_SCOPES and performance is not Performance.CASH:
            raise RuleError(_("Card sales and top-ups earn on cash performance only."))
        if scope is Scope.TOP_UP and self.key != ANY:
            raise RuleError(_("A top-up rule is for all top-ups."))
        if performance is not Performance.CASH:
            return
        if (self.designated_percent_bp not in (None, self.percent_bp)
                or self.designated_fixed_fen not in (None, self.fixed_fen)):
            raise RuleError(_("Cash performance has one rate; designation is for services "
                              "performed."))
        if self.principal_only:
            raise RuleError(_("Cash performance is money taken; it has no stored-value bonus "
                              "to leave out."))
        if self.gift_bp:
            raise RuleError(_("Gifted items earn on consumption performance rules."))

    def to_json(self) -> dict[str, object]:
        return {"scope": self.scope, "key": self.key, "grade": self.grade,
                "percent_bp": self.percent_bp, "designated_percent_bp": self.designated_percent_bp,
                "fixed_fen": self.fixed_fen, "designated_fixed_fen": self.designated_fixed_fen,
                "gift_bp": self.gift_bp, "performance": self.performance, "base": self.base,
                "principal_only": self.principal_only}

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> CommissionRule:
        return cls(**raw).check()  # type: ignore[arg-type]


def check_rules(rules: Iterable[CommissionRule]) -> tuple[CommissionRule, ...]:
    """Each rule checked; two rules for the same scope, key, grade and kind of performance are
    refused."""
    out = tuple(r.check() for r in rules)
    seen: set[tuple[str, str, str, str]] = set()
    for r in out:
        ident = (r.scope, r.key, r.grade, r.performance)
        if ident in seen:
            raise RuleError(_("There are two commission rules for {key}.").format(key=r.key))
        seen.add(ident)
    return out


@dataclass(frozen=True)
class CommissionLine:
    """One performance row: a staff member's share of one sale line.

    ``base_fen`` is this staff member's part of the line's base as recorded (already split by
    :func:`performance_rows`; negative on a void/refund row), ``share_pct`` their share of
    the line (the hand fee of the line's ``qty`` units is paid by it), ``gift`` a gifted
    line's row (base: the list value given away). ``performance`` is the row's kind
    (``consumption`` for a gift too); ``bonus_fen`` the part of ``base_fen`` paid with
    stored-value bonus and ``list_fen`` this row's part of the line's list price (same sign as
    the base; None for rows recorded without it: the base is taken as the list price).
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
    gift: bool = False
    performance: str = Performance.CONSUMPTION.value
    bonus_fen: int = 0
    list_fen: int | None = None


@dataclass(frozen=True)
class LineCommission:
    line: CommissionLine
    rule: CommissionRule | None
    percent_fen: int
    fixed_fen: int
    base_fen: int = 0  # what the percentage was of (signed like the row)

    @property
    def total_fen(self) -> int:
        return self.percent_fen + self.fixed_fen


def match(rules: Sequence[CommissionRule], line: CommissionLine) -> CommissionRule | None:
    """The most specific rule of the row's kind of performance for the line: by code before
    category before "*", and for each of those the staff member's grade before any grade."""
    keys: tuple[tuple[Scope, str], ...]
    if line.line_kind in SERVICE_KINDS:
        keys = ((Scope.SERVICE, line.code), (Scope.SERVICE_CATEGORY, line.category),
                (Scope.SERVICE, ANY))
    elif line.line_kind in PRODUCT_KINDS:
        keys = ((Scope.PRODUCT, line.code), (Scope.PRODUCT_CATEGORY, line.category),
                (Scope.PRODUCT, ANY))
    elif line.line_kind in PACKAGE_KINDS:
        keys = ((Scope.PACKAGE, line.code), (Scope.PACKAGE, ANY))
    elif line.line_kind in TOP_UP_KINDS:
        keys = ((Scope.TOP_UP, ANY),)
    else:
        return None
    performance = Performance.CONSUMPTION.value if line.gift else line.performance
    index = {(r.scope, r.key, r.grade): r for r in rules if r.performance == performance}
    for scope, key in keys:
        for grade in ((line.grade, ANY) if line.grade else (ANY,)):
            rule = index.get((scope.value, key, grade))
            if rule is not None:
                return rule
    return None


def _share(amount: int, rate: int, scale: int, share_pct: int, gift_bp: int = MAX_BP) -> int:
    """amount x rate / scale x share / 100 x gift_bp / 10000, rounded half up, for a
    non-negative amount."""
    denominator = scale * 100 * MAX_BP
    return (amount * rate * share_pct * gift_bp * 2 + denominator) // (2 * denominator)


def commission_base(rule: CommissionRule | None, line: CommissionLine) -> int:
    """What ``rule``'s percentage is of for the row, signed like the row: the amount paid
    (``base_fen``) or the list price (``list_fen``; the paid amount when not recorded), and
    with ``principal_only`` the stored-value bonus part left out (a list price is scaled by
    the principal's share of what was paid, rounded half up). A gifted row's base is the
    list value given away, whatever the rule."""
    paid = line.base_fen
    if rule is None or line.gift:
        return paid
    sign = -1 if paid < 0 else 1
    principal = max(0, abs(paid) - abs(line.bonus_fen))
    if rule.base == Base.LIST.value:
        listed = abs(paid if line.list_fen is None else line.list_fen)
        if rule.principal_only and paid and principal != abs(paid):
            listed = _share(listed, principal, abs(paid), 100)
        return sign * listed
    return sign * (principal if rule.principal_only else abs(paid))


def compute_line(rules: Sequence[CommissionRule], line: CommissionLine) -> LineCommission:
    """The commission of one performance row. Never negative for a sale row; a reversal row
    (every amount negated) gives exactly the negative of the row it reverses."""
    if not 0 <= line.share_pct <= 100:
        raise RuleError(_("A share is between 0 and 100%."))
    rule = match(rules, line)
    if rule is None or (line.base_fen == 0 and line.qty == 0):
        return LineCommission(line, rule, 0, 0, commission_base(rule, line))
    sign = -1 if line.base_fen < 0 else 1
    rate = rule.designated_percent if line.designated else rule.percent_bp
    fee = rule.designated_fixed if line.designated else rule.fixed_fen
    gift = rule.gift_bp if line.gift else MAX_BP
    base = commission_base(rule, line)
    # the base is already this staff member's part; the hand fee is per unit of the line
    percent = _share(abs(base), rate, MAX_BP, 100, gift)
    fixed = _share(abs(line.qty), fee, 1, line.share_pct, gift)
    return LineCommission(line, rule, sign * percent, sign * fixed, base)


def compute(rules: Sequence[CommissionRule], lines: Iterable[CommissionLine]
            ) -> list[LineCommission]:
    """Commission for each performance row, in the order given."""
    return [compute_line(rules, line) for line in lines]


# --- who shares a line, and the rows the checkout writes -------------------------------------

Shares = tuple[tuple[str, int], ...]  # (staff id, percent) pairs


def check_shares(shares: Sequence[tuple[str, int]]) -> Shares:
    """The shares of a line between staff, checked: none (one person takes the line), or 2 to
    MAX_SHARES different staff with whole percentages from 1 to 99 adding up to 100."""
    out = tuple((str(who), pct) for who, pct in shares)
    if not out:
        return out
    if len(out) == 1 or len(out) > MAX_SHARES:
        raise RuleError(_("A line is shared by 2 to {n} staff.").format(n=MAX_SHARES))
    if len({who for who, _pct in out}) != len(out):
        raise RuleError(_("Each staff member appears once in a shared line."))
    if any(not isinstance(p, int) or not 1 <= p <= 99 for _who, p in out):
        raise RuleError(_("Each share is a whole percentage from 1 to 99."))
    if sum(p for _who, p in out) != 100:
        raise RuleError(_("The shares add up to {total}%, not 100%.").format(
            total=sum(p for _who, p in out)))
    return out


@dataclass(frozen=True)
class PerformedLine:
    """A committed sale line as the commission sees it: its kind, what it finally cost
    (``net_fen``), the part paid in money (``money_fen``), its catalogue ``list_fen`` and the
    part paid with points (``points_fen``, so a line paid wholly by points is no gift), the
    technician (designated or not), the shares between staff, if any, and the part of the
    stored value it was paid with that came from bonus (``sv_bonus_fen``)."""

    line_id: str
    kind: str
    net_fen: int
    money_fen: int
    list_fen: int
    points_fen: int = 0
    technician_id: str | None = None
    designated: bool = False
    shares: Shares = ()
    sv_bonus_fen: int = 0


@dataclass(frozen=True)
class PerformanceRow:
    """One ``sale_commission`` row: kind ``cash``, ``consumption`` or ``gift``, with the part
    of its base paid with stored-value bonus and its part of the line's list price."""

    line_id: str
    staff_id: str | None
    kind: str
    base_fen: int
    designated: bool
    share_pct: int
    bonus_fen: int = 0
    list_fen: int = 0


def is_gift(line: PerformedLine) -> bool:
    """Given away: nothing paid for a service, session or product with a list value (points
    count as paying)."""
    return (line.kind in SERVICE_KINDS | PRODUCT_KINDS and line.net_fen == 0
            and line.list_fen - line.points_fen > 0)


def performance_rows(lines: Iterable[PerformedLine], *, seller_id: str | None
                     ) -> list[PerformanceRow]:
    """The performance bases of committed lines, per staff member: consumption (services,
    sessions, products at what they finally cost), cash (money taken, not for a session) and
    gift (list value of a gifted line). A line without a technician counts for ``seller_id``.
    A shared line's bases are split by largest remainder in the share proportions (the parts
    sum to the line exactly); only the technician the client designated is designated.

    Each row also carries its bonus part (consumption: the line's ``sv_bonus_fen``; cash and
    gift: none) and its list price (consumption and gift: the line's; cash: the list price of
    the part paid in money, in proportion), split between the staff the same way."""
    rows: list[PerformanceRow] = []
    for line in lines:
        shares = check_shares(line.shares) or ((line.technician_id or seller_id or "", 100),)
        if line.shares and line.technician_id and line.technician_id not in dict(shares):
            raise RuleError(_("The line's technician must be one of those sharing it."))
        bases: list[tuple[str, int, int, int]] = []  # kind, base, bonus, list
        if is_gift(line):
            bases.append(("gift", line.list_fen, 0, line.list_fen))
        elif line.kind in SERVICE_KINDS | PRODUCT_KINDS and line.net_fen:
            bases.append(("consumption", line.net_fen, min(line.sv_bonus_fen, line.net_fen),
                          line.list_fen))
        if line.money_fen and line.kind != "session":
            cash_list = line.list_fen if line.money_fen >= line.net_fen else allocate(
                line.list_fen, [line.money_fen, line.net_fen - line.money_fen])[0]
            bases.append(("cash", line.money_fen, 0, cash_list))
        weights = [pct for _who, pct in shares]
        for kind, base, bonus, listed in bases:
            parts = zip(allocate(base, weights), allocate(bonus, weights),
                        allocate(listed, weights), strict=True)
            for (who, pct), (part, bonus_part, list_part) in zip(shares, parts, strict=True):
                designated = bool(line.designated and line.technician_id
                                  and who == line.technician_id)
                rows.append(PerformanceRow(line.line_id, who or None, kind, part, designated,
                                           pct, bonus_part, list_part))
    return rows


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


def step_reached(total_fen: int, rates: StepRates) -> tuple[int, int | None]:
    """The step a month's performance total reached: (its rate in basis points, the total
    where the next step starts, or None at the top step)."""
    reached = [(i, r) for i, (t, r) in enumerate(rates.steps) if t <= max(total_fen, 0)]
    index, rate = reached[-1]
    following = rates.steps[index + 1][0] if index + 1 < len(rates.steps) else None
    return rate, following
