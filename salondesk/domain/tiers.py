"""Member tiers (会员等级): which tier a member's growth value and purchases qualify for.

Pure rules. A tier qualifies by total growth value (成长值) or by one purchase/top-up of at
least its single-purchase threshold. Upgrades happen at once; downgrades only at the annual
review or when a refund takes growth away; a locked tier never moves by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class TierReason(StrEnum):
    UPGRADE = "upgrade"
    REFUND = "refund"          # a downgrade because a refund removed growth value
    REVIEW = "review"          # a downgrade (or upgrade) at the annual review
    MANUAL = "manual"
    LOCK = "lock"
    UNLOCK = "unlock"
    MERGE = "merge"
    IMPORT = "import"


@dataclass(frozen=True)
class TierRule:
    tier_id: str
    rank: int                          # higher is better; unique per store
    growth_threshold: int              # growth value that qualifies (0: everyone)
    single_purchase_fen: int | None    # one purchase/top-up that qualifies (None: never)


def qualifying_tier(rules: Iterable[TierRule], *, growth: int,
                    best_purchase_fen: int) -> TierRule | None:
    """The highest-ranked tier that ``growth`` or one purchase of ``best_purchase_fen`` reaches."""
    best: TierRule | None = None
    for rule in rules:
        by_growth = growth >= rule.growth_threshold
        by_purchase = (rule.single_purchase_fen is not None
                       and best_purchase_fen >= rule.single_purchase_fen > 0)
        if (by_growth or by_purchase) and (best is None or rule.rank > best.rank):
            best = rule
    return best


def rank_of(rules: Sequence[TierRule], tier_id: str | None) -> int:
    """The rank of ``tier_id`` (-1 for no tier or a tier that no longer exists)."""
    for rule in rules:
        if rule.tier_id == tier_id:
            return rule.rank
    return -1


@dataclass(frozen=True)
class TierMove:
    to_tier_id: str | None
    reason: TierReason


def decide(rules: Sequence[TierRule], *, current_tier_id: str | None, locked: bool,
           growth: int, best_purchase_fen: int, reason: TierReason) -> TierMove | None:
    """The tier change the event ``reason`` causes, or None.

    ``UPGRADE`` (growth added) only moves up; ``REFUND`` only moves down; ``REVIEW`` moves to
    exactly what the year's growth and purchases qualify for. A locked tier never moves.
    """
    if locked:
        return None
    target = qualifying_tier(rules, growth=growth, best_purchase_fen=best_purchase_fen)
    target_rank = target.rank if target else -1
    current = rank_of(rules, current_tier_id)
    target_id = target.tier_id if target else None
    if target_id == current_tier_id:
        return None
    if reason is TierReason.UPGRADE and target_rank > current:
        return TierMove(target_id, TierReason.UPGRADE)
    if reason is TierReason.REFUND and target_rank < current:
        return TierMove(target_id, TierReason.REFUND)
    if reason is TierReason.REVIEW:
        return TierMove(target_id, TierReason.REVIEW)
    return None
