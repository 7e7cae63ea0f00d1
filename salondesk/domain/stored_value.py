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


# --- whole-card refunds (退卡) over lots, and prepaid-card compliance ---------------------------

@dataclass(frozen=True)
class LotRefundBasis:
    """What a refund quote needs to know about one lot, all derived from its entries.

    ``principal_basis_fen`` is the principal the member put into this lot (top-up, opening
    balance or transfer in, less what was transferred out or adjusted away); ``consumed_list_fen``
    is the list price (before discount) of what the lot paid for; ``remaining_*`` is what is
    left now.
    """

    lot_id: str
    principal_basis_fen: int
    bonus_basis_fen: int
    consumed_list_fen: int
    remaining_principal_fen: int
    remaining_bonus_fen: int


@dataclass(frozen=True)
class LotRefund:
    lot_id: str
    refund_fen: int
    remaining_principal_fen: int
    remaining_bonus_fen: int


@dataclass(frozen=True)
class CardRefundQuote:
    """A whole-card refund: the total to pay out and the share of each lot."""

    basis: str
    refund_fen: int
    remaining_principal_fen: int
    remaining_bonus_fen: int
    consumed_list_fen: int
    lots: tuple[LotRefund, ...]

    @property
    def forfeited_fen(self) -> int:
        """What the card held and the member does not get back (bonus, discounts used)."""
        return self.remaining_principal_fen + self.remaining_bonus_fen - self.refund_fen


REFUND_BASES = ("consumer", "merchant")


def quote_card_refund(lots: Sequence[LotRefundBasis], basis: str) -> CardRefundQuote:
    """Quote 退卡 over every lot that still holds money; one lot at a time, then summed.

    consumer-caused: per lot, principal put in less consumption at list price, bonus forfeited
    (1,000 + 100, one service listed 275 charged 220 -> 725); merchant-caused: what is left at
    the lot's paid ratio (880 left of 1,000 + 100 -> 800). A lot never pays out more than the
    principal it still holds.
    """
    if basis not in REFUND_BASES:
        raise ValueError(f"unknown refund basis {basis!r}")
    parts: list[LotRefund] = []
    for lot in lots:
        if lot.remaining_principal_fen == 0 and lot.remaining_bonus_fen == 0:
            continue
        if basis == "consumer":
            quote = consumer_caused_refund(principal_paid_fen=lot.principal_basis_fen,
                                           bonus_given_fen=lot.bonus_basis_fen,
                                           consumed_at_list_fen=lot.consumed_list_fen)
        else:
            quote = merchant_caused_refund(
                principal_paid_fen=lot.principal_basis_fen, bonus_given_fen=lot.bonus_basis_fen,
                remaining_fen=lot.remaining_principal_fen + lot.remaining_bonus_fen)
        refund = max(0, min(quote.refund_fen, lot.remaining_principal_fen))
        parts.append(LotRefund(lot.lot_id, refund, lot.remaining_principal_fen,
                               lot.remaining_bonus_fen))
    return CardRefundQuote(
        basis=basis, refund_fen=sum(p.refund_fen for p in parts),
        remaining_principal_fen=sum(p.remaining_principal_fen for p in parts),
        remaining_bonus_fen=sum(p.remaining_bonus_fen for p in parts),
        consumed_list_fen=sum(lot.consumed_list_fen for lot in lots
                              if any(p.lot_id == lot.lot_id for p in parts)),
        lots=tuple(parts))


# Prepaid-card rules for single-purpose cards (单用途商业预付卡): a named card above 5,000 yuan,
# an anonymous card above 1,000, and real-name registration from 10,000 yuan up.
NAMED_LIMIT_FEN = 5_000_00
ANONYMOUS_LIMIT_FEN = 1_000_00
REAL_NAME_FEN = 10_000_00


class ComplianceWarning(StrEnum):
    NAMED_OVER_LIMIT = "named_over_limit"
    ANONYMOUS_OVER_LIMIT = "anonymous_over_limit"
    REAL_NAME_REQUIRED = "real_name_required"


def compliance_warnings(*, named: bool, balance_after_fen: int,
                        top_up_fen: int) -> list[ComplianceWarning]:
    """The prepaid-card thresholds a top-up crosses (the caller decides what to do with them).

    ``REAL_NAME_REQUIRED`` when one top-up or the balance reaches 10,000 yuan; an anonymous
    card cannot be registered by name, so the service refuses it there.
    """
    warnings: list[ComplianceWarning] = []
    if named and balance_after_fen > NAMED_LIMIT_FEN:
        warnings.append(ComplianceWarning.NAMED_OVER_LIMIT)
    if not named and balance_after_fen > ANONYMOUS_LIMIT_FEN:
        warnings.append(ComplianceWarning.ANONYMOUS_OVER_LIMIT)
    if max(balance_after_fen, top_up_fen) >= REAL_NAME_FEN:
        warnings.append(ComplianceWarning.REAL_NAME_REQUIRED)
    return warnings
