"""Stored value (储值): lots of principal and bonus, deduction order, and the refund calculators.

Pure functions over integer fen. A top-up creates a lot holding principal (本金, money paid)
and bonus (赠金, money given). Spending takes from the oldest lot first; inside a lot the
store's deduction order decides how a payment splits between principal and bonus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from salondesk.money import allocate


class DeductionOrder(StrEnum):
    PROPORTIONAL = "proportional"
    PRINCIPAL_FIRST = "principal_first"
    BONUS_FIRST = "bonus_first"


@dataclass(frozen=True)
class LotBalance:
    """What is left in one lot."""

    lot_id: str
    principal_fen: int
    bonus_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


@dataclass(frozen=True)
class LotDraw:
    """How much one payment takes from one lot."""

    lot_id: str
    principal_fen: int
    bonus_fen: int

    @property
    def total_fen(self) -> int:
        return self.principal_fen + self.bonus_fen


class InsufficientBalance(ValueError):
    """The lots hold less than the amount asked for."""


def split_within_lot(amount_fen: int, lot: LotBalance, order: DeductionOrder) -> LotDraw:
    """Split ``amount_fen`` (at most the lot's total) into principal and bonus.

    Proportional uses largest-remainder allocation over what is left in the lot, so
    lot 1000.00 + 100.00, spend 220.00 -> principal 200.00, bonus 20.00, and
    spend 240.00 -> principal 218.18, bonus 21.82.
    """
    if not 0 <= amount_fen <= lot.total_fen:
        raise InsufficientBalance(f"lot {lot.lot_id} holds {lot.total_fen}, asked {amount_fen}")
    if amount_fen == 0:
        return LotDraw(lot.lot_id, 0, 0)
    if order is DeductionOrder.PRINCIPAL_FIRST:
        principal = min(amount_fen, lot.principal_fen)
        return LotDraw(lot.lot_id, principal, amount_fen - principal)
    if order is DeductionOrder.BONUS_FIRST:
        bonus = min(amount_fen, lot.bonus_fen)
        return LotDraw(lot.lot_id, amount_fen - bonus, bonus)
    principal, bonus = allocate(amount_fen, [lot.principal_fen, lot.bonus_fen])
    return LotDraw(lot.lot_id, principal, bonus)


def plan_spend(amount_fen: int, lots: Sequence[LotBalance], order: DeductionOrder) -> list[LotDraw]:
    """Take ``amount_fen`` from ``lots`` (oldest first, as given); refuse if they hold less."""
    if amount_fen < 0:
        raise ValueError("a spend cannot be negative")
    available = sum(lot.total_fen for lot in lots)
    if amount_fen > available:
        raise InsufficientBalance(f"balance {available} is less than {amount_fen}")
    draws: list[LotDraw] = []
    left = amount_fen
    for lot in lots:
        if left == 0:
            break
        take = min(left, lot.total_fen)
        if take:
            draws.append(split_within_lot(take, lot, order))
            left -= take
    return draws


@dataclass(frozen=True)
class RefundQuote:
    """A refund worked out for the manager to confirm, with the figures it came from."""

    refund_fen: int
    principal_paid_fen: int
    consumed_fen: int
    bonus_forfeited_fen: int
    basis: str


def consumer_caused_refund(*, principal_paid_fen: int, bonus_given_fen: int,
                           consumed_at_list_fen: int) -> RefundQuote:
    """退卡 at the member's request: what they paid, less what they used at list price.

    Paid 1,000 with 100 bonus, used one service listed at 275 (charged 220) -> 725. The bonus
    is forfeited; a refund is never negative.
    """
    refund = max(0, principal_paid_fen - consumed_at_list_fen)
    return RefundQuote(refund_fen=refund, principal_paid_fen=principal_paid_fen,
                       consumed_fen=consumed_at_list_fen, bonus_forfeited_fen=bonus_given_fen,
                       basis="consumer")


def merchant_caused_refund(*, principal_paid_fen: int, bonus_given_fen: int,
                           remaining_fen: int) -> RefundQuote:
    """退卡 because of the store (closing, moving): the unused balance at the paid ratio.

    remaining x paid / (paid + bonus), rounded half up to the fen: paid 1,000 with 100 bonus,
    880 left -> 800.
    """
    total = principal_paid_fen + bonus_given_fen
    if total <= 0:
        return RefundQuote(0, principal_paid_fen, 0, bonus_given_fen, "merchant")
    refund = (2 * remaining_fen * principal_paid_fen + total) // (2 * total)
    return RefundQuote(refund_fen=refund, principal_paid_fen=principal_paid_fen,
                       consumed_fen=total - remaining_fen,
                       bonus_forfeited_fen=remaining_fen - refund, basis="merchant")
