"""On-account debt (挂账): repayment allocation and aging. Pure functions over integer fen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

# Aging buckets by days since the debt was opened (the usual 0-30 / 31-60 / 61-90 / 90+).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


@dataclass(frozen=True)
class OpenDebt:
    debt_id: str
    opened_on: dt.date
    outstanding_fen: int


def allocate_repayment(amount_fen: int, debts: Sequence[OpenDebt]) -> list[tuple[str, int]]:
    """Spread a repayment over the debts, oldest first (as given); refuse overpayment."""
    if amount_fen <= 0:
        raise ValueError("a repayment must be positive")
    owed = sum(d.outstanding_fen for d in debts)
    if amount_fen > owed:
        raise ValueError(f"repayment {amount_fen} is more than the {owed} owed")
    plan: list[tuple[str, int]] = []
    left = amount_fen
    for debt in debts:
        take = min(left, debt.outstanding_fen)
        if take > 0:
            plan.append((debt.debt_id, take))
            left -= take
        if left == 0:
            break
    return plan


def aging(debts: Sequence[OpenDebt], today: dt.date) -> dict[str, int]:
    """Outstanding fen per aging bucket (every bucket present, zero when empty)."""
    result = {name: 0 for name, _, _ in BUCKETS}
    for debt in debts:
        age = (today - debt.opened_on).days
        for name, low, high in BUCKETS:
            if age >= low and (high is None or age <= high):
                result[name] += debt.outstanding_fen
                break
        else:  # opened "in the future" (clock moved back): count as current
            result[BUCKETS[0][0]] += debt.outstanding_fen
    return result
