"""Counting the drawer at a shift's close: denominations, expected vs counted, variance.

Pure: amounts in fen, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from salondesk.errors import ValidationError
from salondesk.i18n import _

#: Renminbi notes and coins in fen, largest first: 100, 50, 20, 10, 5, 1 yuan, 5 and 1 jiao.
DENOMINATIONS: tuple[int, ...] = (10000, 5000, 2000, 1000, 500, 100, 50, 10)
#: The tenders a handover accounts for, in the order they are shown.
SHIFT_TENDERS: tuple[str, ...] = ("cash", "wechat", "alipay", "card", "stored_value", "package")
MAX_PIECES = 100_000


def counted_cash(pieces: Mapping[int, int]) -> int:
    """The cash in the drawer from how many of each denomination were counted."""
    total = 0
    for value, count in pieces.items():
        if int(value) not in DENOMINATIONS:
            raise ValidationError(_("{value} fen is not a banknote or coin.").format(value=value))
        if not isinstance(count, int) or not 0 <= count <= MAX_PIECES:
            raise ValidationError(_("Count each note or coin as a whole number, 0 or more."))
        total += int(value) * count
    return total


@dataclass(frozen=True)
class TenderCount:
    tender: str
    expected_fen: int
    counted_fen: int

    @property
    def variance_fen(self) -> int:
        """Counted minus expected: positive is over (more than the books), negative short."""
        return self.counted_fen - self.expected_fen


def compare(expected: Mapping[str, int], counted: Mapping[str, int]) -> list[TenderCount]:
    """Expected vs counted per tender; a tender nobody counted is taken as expected (stored
    value and package sessions are the ledgers' own figures, nothing to count)."""
    tenders = [t for t in SHIFT_TENDERS] + sorted(set(expected) - set(SHIFT_TENDERS))
    return [TenderCount(t, int(expected.get(t, 0)), int(counted.get(t, expected.get(t, 0))))
            for t in tenders]


def needs_reason(counts: list[TenderCount], threshold_fen: int) -> bool:
    """Whether a variance is large enough that the cashier must say why."""
    return any(abs(c.variance_fen) > threshold_fen for c in counts)
