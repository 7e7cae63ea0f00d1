"""Pricing at checkout: one pure function from a cart to a line-by-line breakdown.

The pipeline (DESIGN.md §5): list price -> member tier / card-type discount with a per-item
floor -> price rule of the day (会员日 / 促销, :class:`RuleOffer`, after or instead of the tier
discount as the rule says, never under the floor) -> coupon -> manual discount (permission +
reason, checked by the caller) -> points offset -> rounding rule (抹零) -> tenders. Everything
is integer fen. Each bill-level adjustment is spread over the lines it applies to by
largest-remainder allocation, so the lines' net amounts - which feed consumption revenue and
commission - always sum to the total.

Rules the function keeps (and property tests check): no line below its floor except by a
manual discount the caller marks ``below_floor``; no line below zero; the lines sum to the
total. An adjustment that does not fit above the floors is reduced to what fits, and the
breakdown says what was actually applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from salondesk.money import allocate


class LineKind(StrEnum):
    SERVICE = "service"
    PRODUCT = "product"
    PACKAGE = "package"   # a package sold
    TOP_UP = "topup"      # stored value bought
    SESSION = "session"   # a session of an owned package, paid by the package


class Rounding(StrEnum):
    NONE = "none"
    DROP_FEN = "drop_fen"      # 抹分: 123.45 -> 123.40
    DROP_JIAO = "drop_jiao"    # 抹角: 123.45 -> 123.00
    ROUND_YUAN = "round_yuan"  # to the nearest yuan, half up: 123.50 -> 124.00


@dataclass(frozen=True)
class PriceLine:
    """A cart line as pricing sees it. ``unit_fen`` is the list price per unit (for a session
    line: the session's value, which the package pays); ``floor_fen`` the lowest price per
    unit discounts may reach."""

    key: str
    kind: LineKind
    code: str
    category: str
    qty: int
    unit_fen: int
    floor_fen: int = 0

    @property
    def list_fen(self) -> int:
        return self.unit_fen * self.qty

    @property
    def adjustable(self) -> bool:
        """Top-ups are sold at face value and sessions at their value: nothing adjusts them."""
        return self.kind not in (LineKind.TOP_UP, LineKind.SESSION)


@dataclass(frozen=True)
class CouponOffer:
    """A coupon already checked against the bill: ``discount_fen`` off the ``categories``
    (all adjustable lines when empty). The caller works it out with domain.coupons."""

    code: str
    discount_fen: int
    categories: tuple[str, ...] = ()
    item_codes: tuple[str, ...] = ()  # a free-service coupon: only lines of these codes


@dataclass(frozen=True)
class RuleOffer:
    """A price rule in effect now (worked out by :mod:`salondesk.domain.price_rules`):
    ``rate_bp`` of the price kept (9000 = 九折) on the adjustable lines of ``kinds`` and
    ``categories`` (all when empty).

    Precedence is explicit: on each line the covering offer with the highest ``priority``
    applies (then the lower rate, then the id), one offer a line. ``stack`` applies it to the
    price after the tier discount (叠加); otherwise the line gets the lower of the tier price
    and the rule price, not both (不同享, 取优). The per-item floor holds either way."""

    rule_id: str
    name: str
    rate_bp: int
    kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    stack: bool = False
    priority: int = 0

    def covers(self, line: PriceLine) -> bool:
        return (line.adjustable and (not self.kinds or line.kind.value in self.kinds)
                and (not self.categories or line.category in self.categories))


@dataclass(frozen=True)
class PointsBoost:
    """A points multiplier in effect (双倍积分日: 2000 permille), carried to the commit's
    points computation and shown in the breakdown with the rule's name."""

    name: str
    permille: int


@dataclass(frozen=True)
class ManualDiscount:
    """A discount given by hand: ``amount_fen`` off the bill, or ``rate_bp`` of it kept
    (9000 = 九折). ``below_floor`` lets it go under the floors (the caller checked the
    permission)."""

    reason: str
    amount_fen: int = 0
    rate_bp: int | None = None
    below_floor: bool = False


@dataclass(frozen=True)
class PricingInput:
    lines: Sequence[PriceLine]
    # price multiplier in basis points per category (8800 = 88折) for the member's tier and
    # card type; the lower of the two applies
    tier_rates: Mapping[str, int] = field(default_factory=dict)
    card_rates: Mapping[str, int] = field(default_factory=dict)
    rules: Sequence[RuleOffer] = ()
    points_boost: PointsBoost | None = None
    coupon: CouponOffer | None = None
    manual: ManualDiscount | None = None
    points_offset_fen: int = 0
    rounding: Rounding = Rounding.NONE


STEPS = ("tier", "rule", "coupon", "manual", "points", "rounding")


@dataclass(frozen=True)
class PricedLine:
    key: str
    kind: LineKind
    list_fen: int
    floor_fen: int
    steps: Mapping[str, int]  # what each step took off this line (rounding may be negative)
    net_fen: int
    rule_name: str | None = None  # the price rule that took something off this line

    @property
    def discount_fen(self) -> int:
        return self.list_fen - self.net_fen


@dataclass(frozen=True)
class PricedBill:
    """The breakdown the screen and the receipt show."""

    lines: tuple[PricedLine, ...]
    subtotal_fen: int
    adjustments: Mapping[str, int]  # per step, what it took off the bill
    total_fen: int
    session_fen: int  # the part of the total package sessions pay
    coupon_code: str | None = None
    manual_reason: str | None = None
    rule_names: tuple[str, ...] = ()  # the price rules that took something, in line order
    points_boost: PointsBoost | None = None

    @property
    def due_fen(self) -> int:
        """What the tenders must pay (the total less what package sessions pay)."""
        return self.total_fen - self.session_fen

    @property
    def discount_fen(self) -> int:
        return self.subtotal_fen - self.total_fen


def spread(amount: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Split ``amount`` (>= 0, at most Σcaps) proportionally to ``weights``, no part above its
    cap; largest remainder each round, capped parts drop out and the rest is spread again."""
    parts = [0] * len(weights)
    left = amount
    open_ = [i for i, c in enumerate(caps) if c > 0]
    while left > 0 and open_:
        ws = [max(weights[i], 0) for i in open_]
        if sum(ws) == 0:
            ws = [caps[i] - parts[i] for i in open_]
        shares = allocate(left, ws)
        over = False
        for i, share in zip(open_, shares, strict=True):
            room = caps[i] - parts[i]
            take = min(share, room)
            parts[i] += take
            left -= take
            over = over or share > room
        open_ = [i for i in open_ if parts[i] < caps[i]]
        if not over:
            break
    return parts


def _rate(line: PriceLine, tier: Mapping[str, int], card: Mapping[str, int]) -> int:
    rates = [r for r in (tier.get(line.category), card.get(line.category)) if r is not None]
    return min([10000, *rates])


def _offer_for(line: PriceLine, offers: Sequence[RuleOffer]) -> RuleOffer | None:
    """The one rule offer for ``line``: highest priority, then the lower rate, then the id."""
    covering = [o for o in offers if o.covers(line)]
    if not covering:
        return None
    return min(covering, key=lambda o: (-o.priority, o.rate_bp, o.rule_id))


def _times(fen: int, rate_bp: int) -> int:
    return (fen * rate_bp + 5000) // 10000


def _tier_and_rule(line: PriceLine, floor: int, data: PricingInput, steps: dict[str, int]
                   ) -> tuple[int, str | None]:
    """The line's price after the tier discount and the rule offer that covers it (steps are
    filled in); returns it with the name of the rule if the rule took something."""
    rate = _rate(line, data.tier_rates, data.card_rates)
    after = min(max(floor, _times(line.list_fen, rate)), line.list_fen)
    steps["tier"] = line.list_fen - after
    offer = _offer_for(line, data.rules)
    if offer is None:
        return after, None
    if offer.stack:
        ruled = min(max(floor, _times(after, offer.rate_bp)), after)
    else:
        ruled = min(max(floor, _times(line.list_fen, offer.rate_bp)), line.list_fen)
        if ruled < after:  # the rule is the better price: it replaces the tier's
            steps["tier"], after = 0, line.list_fen
    if ruled >= after:
        return after, None
    steps["rule"] = after - ruled
    return ruled, offer.name


def _rounded_total(total: int, rule: Rounding) -> int:
    if rule is Rounding.DROP_FEN:
        return total - total % 10
    if rule is Rounding.DROP_JIAO:
        return total - total % 100
    if rule is Rounding.ROUND_YUAN:
        return (total + 50) // 100 * 100
    return total


def price(data: PricingInput) -> PricedBill:
    """Price a cart. Pure: the caller loads rates, checks the coupon and the permission for a
    manual discount, and passes them in."""
    lines = list(data.lines)
    for line in lines:
        if line.qty <= 0 or line.unit_fen < 0 or line.floor_fen < 0:
            raise ValueError(f"impossible line {line.key}: qty and prices must be positive")
    n = len(lines)
    amounts = [line.list_fen for line in lines]
    floors = [min(line.floor_fen * line.qty, line.list_fen) if line.adjustable else line.list_fen
              for line in lines]
    steps: list[dict[str, int]] = [dict.fromkeys(STEPS, 0) for _ in lines]

    # 1. tier / card type, per line, never under the floor; then the price rule of the day
    rule_names: list[str | None] = [None] * n
    for i, line in enumerate(lines):
        if line.adjustable:
            amounts[i], rule_names[i] = _tier_and_rule(line, floors[i], data, steps[i])

    def apply(step: str, wanted: int, eligible: Sequence[bool], *, floor: bool = True) -> int:
        caps = [max(0, amounts[i] - (floors[i] if floor else 0)) if eligible[i] else 0
                for i in range(n)]
        wanted = max(0, min(wanted, sum(caps)))
        parts = spread(wanted, [amounts[i] if eligible[i] else 0 for i in range(n)], caps)
        for i, part in enumerate(parts):
            steps[i][step] += part
            amounts[i] -= part
        return wanted

    adjustable = [line.adjustable for line in lines]
    # 2. coupon
    coupon_fen = 0
    if data.coupon is not None:
        cats, codes = data.coupon.categories, data.coupon.item_codes
        eligible = [line.adjustable and (not cats or line.category in cats)
                    and (not codes or line.code in codes) for line in lines]
        coupon_fen = apply("coupon", data.coupon.discount_fen, eligible)
    # 3. manual discount
    manual_fen = 0
    if data.manual is not None:
        base = sum(a for a, ok in zip(amounts, adjustable, strict=True) if ok)
        wanted = data.manual.amount_fen
        if data.manual.rate_bp is not None:
            wanted = base - (base * data.manual.rate_bp + 5000) // 10000
        manual_fen = apply("manual", wanted, adjustable, floor=not data.manual.below_floor)
        if data.manual.below_floor:
            # what went under a floor lowers that floor for the later steps
            floors = [min(f, a) for f, a in zip(floors, amounts, strict=True)]
    # 4. points offset
    points_fen = apply("points", data.points_offset_fen, adjustable) \
        if data.points_offset_fen > 0 else 0
    # 5. rounding of what the adjustable lines cost (sessions and top-ups are exact)
    rounding_fen = 0
    if data.rounding is not Rounding.NONE and any(adjustable):
        base = sum(a for a, ok in zip(amounts, adjustable, strict=True) if ok)
        delta = base - _rounded_total(base, data.rounding)
        if delta > 0:
            rounding_fen = apply("rounding", delta, adjustable)
        elif delta < 0:
            extra = allocate(-delta, [max(a, 1) if ok else 0
                                      for a, ok in zip(amounts, adjustable, strict=True)])
            for i, part in enumerate(extra):
                steps[i]["rounding"] -= part
                amounts[i] += part
            rounding_fen = delta

    priced = tuple(PricedLine(key=line.key, kind=line.kind, list_fen=line.list_fen,
                              floor_fen=floors[i], steps=steps[i], net_fen=amounts[i],
                              rule_name=rule_names[i])
                   for i, line in enumerate(lines))
    adjustments = {"tier": sum(s["tier"] for s in steps), "rule": sum(s["rule"] for s in steps),
                   "coupon": coupon_fen,
                   "manual": manual_fen, "points": points_fen, "rounding": rounding_fen}
    return PricedBill(
        lines=priced, subtotal_fen=sum(line.list_fen for line in lines),
        adjustments=adjustments, total_fen=sum(amounts),
        session_fen=sum(a for a, line in zip(amounts, lines, strict=True)
                        if line.kind is LineKind.SESSION),
        coupon_code=data.coupon.code if data.coupon and coupon_fen else None,
        manual_reason=data.manual.reason if data.manual and manual_fen else None,
        rule_names=tuple(dict.fromkeys(name for name in rule_names if name)),
        points_boost=data.points_boost)


def split_payments(nets: Sequence[int], classes: Sequence[int]) -> list[list[int]]:
    """Spread each payment class (money, stored value, debt...) over the lines so every line's
    parts sum to its net and every class's parts sum to the class. Σclasses must equal
    Σnets. Returns ``parts[class][line]``."""
    if sum(classes) != sum(nets):
        raise ValueError("payments must add up to the lines")
    left = list(nets)
    out: list[list[int]] = []
    for k, amount in enumerate(classes):
        if k == len(classes) - 1:
            parts = list(left)
        elif amount == 0 or sum(left) == 0:
            parts = [0] * len(nets)
        else:
            parts = spread(amount, left, left)
        left = [a - b for a, b in zip(left, parts, strict=True)]
        out.append(parts)
    return out
