"""Points (积分): how many a purchase earns, when a lot expires, which lots a redemption uses.

Pure functions. Points are earned on money actually paid (not on stored value spent unless the
store says so), at a rate per tier and per category, rounded down, plus bonus rules such as
"+10 when one purchase earns 200 or more". They are kept in dated lots and consumed oldest
first, so rolling expiry (N months after earning) and fixed-date clearing (积分清零, e.g. every
31 December for the points of the year before) both work.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BonusRule:
    """``bonus`` extra points when one purchase earns at least ``min_points``."""

    min_points: int
    bonus: int


@dataclass(frozen=True)
class EarnRules:
    """Points per yuan paid, as permille so rates like 1.5 per yuan stay integers.

    ``tier_permille`` and ``category_permille`` override the base rate (a tier's rate is a
    multiplier in permille: 1500 = x1.5); the highest bonus rule that applies is added once.
    """

    base_permille: int = 1000
    category_permille: Mapping[str, int] = field(default_factory=dict)
    tier_permille: Mapping[str, int] = field(default_factory=dict)
    bonus_rules: Sequence[BonusRule] = ()
    earn_on_stored_value: bool = False
    # redemption as a cash offset: this many points for one yuan
    points_per_yuan_offset: int = 100

    @classmethod
    def from_setting(cls, raw: Mapping[str, Any] | None) -> EarnRules:
        """Rules from the ``points.rules`` store setting (a JSON object), defaults where absent."""
        raw = raw or {}
        return cls(
            base_permille=int(raw.get("base_permille", 1000)),
            category_permille={str(k): int(v) for k, v in
                               (raw.get("category_permille") or {}).items()},
            tier_permille={str(k): int(v) for k, v in (raw.get("tier_permille") or {}).items()},
            bonus_rules=tuple(BonusRule(int(r["min_points"]), int(r["bonus"]))
                              for r in raw.get("bonus_rules") or ()),
            earn_on_stored_value=bool(raw.get("earn_on_stored_value", False)),
            points_per_yuan_offset=int(raw.get("points_per_yuan_offset", 100)),
        )


@dataclass(frozen=True)
class PaidLine:
    """Money paid for one line of a purchase, in fen, and the line's category."""

    category: str
    paid_fen: int


def points_for_purchase(lines: Sequence[PaidLine], rules: EarnRules,
                        tier: str | None = None, *, multiplier_permille: int = 1000) -> int:
    """Points one purchase earns: Σ paid x rate, rounded down once, then the bonus.

    1 point per yuan, 288.50 paid -> 288 (+10 with a "+10 from 200" rule) -> 298.
    ``multiplier_permille`` is a price rule's multiplier (双倍积分日: 2000): it scales the
    rate, so 288.50 paid on a double-points day earns 577 (and the bonus once, on those).
    """
    tier_rate = rules.tier_permille.get(tier, 1000) if tier else 1000
    # exact: Σ fen x category permille x tier permille x multiplier / (100 fen x 1000^3)
    scaled = sum(max(0, line.paid_fen) * rules.category_permille.get(line.category,
                                                                     rules.base_permille)
                 for line in lines)
    earned = scaled * tier_rate * max(0, multiplier_permille) // (100 * 1000 * 1000 * 1000)
    bonus = max((r.bonus for r in rules.bonus_rules if earned >= r.min_points > 0), default=0)
    return earned + bonus


def offset_value_fen(points: int, rules: EarnRules) -> int:
    """The cash value of ``points`` redeemed as an offset, rounded down to the fen."""
    return points * 100 // max(1, rules.points_per_yuan_offset)


def points_for_offset(value_fen: int, rules: EarnRules) -> int:
    """The points needed to take ``value_fen`` off a bill (rounded up: never give away fen)."""
    per = max(1, rules.points_per_yuan_offset)
    return -(-value_fen * per // 100)


@dataclass(frozen=True)
class ExpiryPolicy:
    """``none``; ``rolling`` (``months`` after the day earned); ``fixed`` (积分清零: on
    ``month``/``day`` of the year ``years`` after the year earned; years=0 -> the same year)."""

    mode: str = "none"
    months: int = 12
    month: int = 12
    day: int = 31
    years: int = 1

    @classmethod
    def from_setting(cls, raw: Mapping[str, Any] | None) -> ExpiryPolicy:
        raw = raw or {}
        return cls(mode=str(raw.get("mode", "none")), months=int(raw.get("months", 12)),
                   month=int(raw.get("month", 12)), day=int(raw.get("day", 31)),
                   years=int(raw.get("years", 1)))


def _add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def expiry_date(earned_on: dt.date, policy: ExpiryPolicy) -> dt.date | None:
    """The last day the points of a lot earned on ``earned_on`` can be used (None: never)."""
    if policy.mode == "rolling":
        return _add_months(earned_on, policy.months) - dt.timedelta(days=1)
    if policy.mode == "fixed":
        year = earned_on.year + policy.years
        return dt.date(year, policy.month, min(policy.day,
                                               calendar.monthrange(year, policy.month)[1]))
    return None


@dataclass(frozen=True)
class PointsLot:
    lot_id: str
    remaining: int
    expires_on: dt.date | None


class InsufficientPoints(ValueError):
    """The member holds fewer usable points than asked."""


def plan_redeem(points: int, lots: Sequence[PointsLot], today: dt.date) -> list[tuple[str, int]]:
    """Take ``points`` from the usable lots, oldest first (as given); expired lots are skipped."""
    if points <= 0:
        raise ValueError("redeem a positive number of points")
    usable = [lot for lot in lots
              if lot.remaining > 0 and (lot.expires_on is None or lot.expires_on >= today)]
    if sum(lot.remaining for lot in usable) < points:
        raise InsufficientPoints(f"{sum(lot.remaining for lot in usable)} < {points}")
    plan: list[tuple[str, int]] = []
    left = points
    for lot in usable:
        take = min(left, lot.remaining)
        plan.append((lot.lot_id, take))
        left -= take
        if left == 0:
            break
    return plan
