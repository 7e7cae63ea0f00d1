"""Member days and promotions (会员日 / 促销): price rules by weekday, date range and time band.

Pure: the rules are data the store keeps (``price_rule``), the moment is passed in (the
store's local wall-clock time), and :func:`in_effect` says what holds for this buyer now:
the discount offers the pricing pipeline applies (:class:`~salondesk.domain.pricing.RuleOffer`,
e.g. every Wednesday 九折 on services for members, a first-visit discount) and the points
multiplier the commit applies to the points earned (双倍积分日).

A rule holds when every condition it sets holds: the date within ``date_from`` ..
``date_until`` (both inclusive), the weekday among ``weekdays`` (Monday = 0), the time in
``time_from`` .. ``time_until`` (end exclusive; a band like 22:00-02:00 runs past midnight),
a member when ``members_only``, the member's tier among ``tiers``, the member's first visit
when ``first_visit``. How a discount rule combines with the tier discount and with the other
rules is the pricing pipeline's (precedence by ``priority``, ``stack`` or the better of the
two, never under the per-item floor). Of several points rules the highest multiplier counts
(multipliers do not multiply each other).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from salondesk.domain.pricing import PointsBoost, RuleOffer
from salondesk.i18n import _

MAX_POINTS_PERMILLE = 10_000  # x10
RULE_KINDS = ("service", "product", "package")  # what a discount rule can name
WEEKDAYS = range(7)


class RuleKind(StrEnum):
    DISCOUNT = "discount"  # a share of the price off (rate_bp kept)
    POINTS = "points"      # points earned multiplied (points_permille)


@dataclass(frozen=True)
class Buyer:
    """What the rules may ask about the buyer: a member at all, the tier, a first visit."""

    is_member: bool
    tier: str | None = None
    first_visit: bool = False


@dataclass(frozen=True)
class PriceRule:
    rule_id: str
    name: str
    kind: RuleKind
    rate_bp: int = 10000
    points_permille: int = 1000
    weekdays: frozenset[int] = field(default_factory=frozenset)
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    time_from: dt.time | None = None
    time_until: dt.time | None = None
    line_kinds: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    members_only: bool = True
    tiers: tuple[str, ...] = ()
    first_visit: bool = False
    stack: bool = False
    priority: int = 0
    active: bool = True

    def problems(self) -> list[str]:
        """What is wrong with the rule, in the user's language (empty: it can be saved)."""
        out = []
        if not self.name.strip():
            out.append(_("A price rule needs a name."))
        if self.kind is RuleKind.DISCOUNT and not 0 < self.rate_bp < 10000:
            out.append(_("A discount keeps between 0.01 and 99.99 percent of the "
                         "price (e.g. 90 for 九折)."))
        if self.kind is RuleKind.POINTS and not 1000 < self.points_permille <= \
                MAX_POINTS_PERMILLE:
            out.append(_("A points multiplier is more than 1 and at most 10."))
        if any(d not in WEEKDAYS for d in self.weekdays):
            out.append(_("Weekdays run from Monday to Sunday."))
        if self.date_from and self.date_until and self.date_from > self.date_until:
            out.append(_("The first day comes after the last day."))
        if (self.time_from is None) != (self.time_until is None):
            out.append(_("A time band needs both a start and an end."))
        elif self.time_from is not None and self.time_from == self.time_until:
            out.append(_("A time band cannot start and end at the same time."))
        if any(k not in RULE_KINDS for k in self.line_kinds):
            out.append(_("A rule applies to services, products or packages."))
        if (self.tiers or self.first_visit) and not self.members_only:
            out.append(_("A rule for tiers or first visits is for members only."))
        return out

    def holds_at(self, when: dt.datetime) -> bool:
        """Whether the calendar conditions hold at ``when`` (local wall-clock time)."""
        day = when.date()
        if self.date_from is not None and day < self.date_from:
            return False
        if self.date_until is not None and day > self.date_until:
            return False
        if self.weekdays and day.weekday() not in self.weekdays:
            return False
        if self.time_from is not None and self.time_until is not None:
            t = when.time().replace(tzinfo=None)
            if self.time_from < self.time_until:
                return self.time_from <= t < self.time_until
            return t >= self.time_from or t < self.time_until  # past midnight
        return True

    def applies_to(self, buyer: Buyer) -> bool:
        if self.members_only and not buyer.is_member:
            return False
        if self.tiers and buyer.tier not in self.tiers:
            return False
        return not self.first_visit or buyer.first_visit

    def offer(self) -> RuleOffer:
        return RuleOffer(rule_id=self.rule_id, name=self.name, rate_bp=self.rate_bp,
                         kinds=self.line_kinds, categories=self.categories, stack=self.stack,
                         priority=self.priority)


@dataclass(frozen=True)
class InEffect:
    """What the rules give this buyer now."""

    offers: tuple[RuleOffer, ...] = ()
    points_boost: PointsBoost | None = None

    @property
    def points_permille(self) -> int:
        return self.points_boost.permille if self.points_boost else 1000


def in_effect(rules: Iterable[PriceRule], when: dt.datetime, buyer: Buyer) -> InEffect:
    """The discount offers and the points multiplier of the active ``rules`` that hold at
    ``when`` (the store's local time) for ``buyer``."""
    holding = [r for r in rules if r.active and r.holds_at(when) and r.applies_to(buyer)]
    offers = tuple(r.offer() for r in holding if r.kind is RuleKind.DISCOUNT)
    points = [r for r in holding if r.kind is RuleKind.POINTS]
    boost = None
    if points:
        best = max(points, key=lambda r: (r.points_permille, r.priority, r.rule_id))
        boost = PointsBoost(best.name, best.points_permille)
    return InEffect(offers, boost)


def needs_first_visit(rules: Sequence[PriceRule]) -> bool:
    """Whether any active rule asks about a first visit (the caller reads it only then)."""
    return any(r.active and r.first_visit for r in rules)


def weekday_names() -> list[str]:
    """Monday .. Sunday in the user's language (周一 .. 周日)."""
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def describe(rule: PriceRule) -> str:
    """The rule in one line for the list of rules: when, for whom, what."""
    parts: list[str] = []
    if rule.weekdays:
        names = weekday_names()
        parts.append("、".join(names[d] for d in sorted(rule.weekdays)))
    if rule.date_from or rule.date_until:
        parts.append(f"{rule.date_from.isoformat() if rule.date_from else '…'}"
                     f" – {rule.date_until.isoformat() if rule.date_until else '…'}")
    if rule.time_from and rule.time_until:
        parts.append(f"{rule.time_from:%H:%M}–{rule.time_until:%H:%M}")
    if rule.first_visit:
        parts.append(_("first visit"))
    elif rule.tiers:
        parts.append("、".join(rule.tiers))
    elif rule.members_only:
        parts.append(_("members"))
    else:
        parts.append(_("everyone"))
    if rule.kind is RuleKind.DISCOUNT:
        kinds = {"service": _("Services"), "product": _("Products"), "package": _("Packages")}
        covered = [kinds[k] for k in rule.line_kinds if k in kinds] + list(rule.categories)
        if covered:
            parts.append("、".join(covered))
        parts.append(_("{percent} percent of the price").format(percent=_percent(rule.rate_bp)))
    else:
        parts.append(_("points x{times}").format(times=_times(rule.points_permille)))
    return " · ".join(parts)


def _percent(rate_bp: int) -> str:
    whole, rest = divmod(rate_bp, 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def _times(permille: int) -> str:
    whole, rest = divmod(permille, 1000)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:03d}".rstrip("0")
