"""Money in integer minor units (fen), with parsing and formatting only at the edge.

Every amount below the UI is a :class:`Money`: an integer number of fen and a currency code.
Arithmetic refuses to mix currencies; there are no floats anywhere. Splits use
largest-remainder allocation so the parts always add up to the whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from salondesk.errors import ValidationError

DEFAULT_CURRENCY = "CNY"
CURRENCY_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "USD": "$", "EUR": "€"}
MINOR_PER_MAJOR = 100
# Large enough for any salon, small enough that a mistyped amount is caught: 100 million yuan.
MAX_ABS_FEN = 100_000_000 * MINOR_PER_MAJOR


class MoneyError(ValidationError, ValueError):
    """An amount that cannot be parsed or combined; the message is safe to show."""


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An amount of money as an integer count of minor units (fen for CNY)."""

    fen: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if not isinstance(self.fen, int) or isinstance(self.fen, bool):
            raise TypeError(f"Money needs an integer number of fen, got {type(self.fen).__name__}")

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def yuan(cls, amount: int | str | Decimal, currency: str = DEFAULT_CURRENCY) -> Money:
        """Build from whole or decimal yuan given as int, str or Decimal (never float)."""
        if isinstance(amount, float | bool):
            raise TypeError(f"Money.yuan does not take {type(amount).__name__}s")
        if isinstance(amount, Decimal):
            # Decimals from arithmetic may print as 1E+3 or 88.500; take their exact value.
            if amount.is_finite() and (amount * MINOR_PER_MAJOR) % 1 == 0:
                amount = format(amount.quantize(Decimal("0.01")), "f")
            else:
                from salondesk.i18n import _

                raise MoneyError(_("“{text}” is not an amount of money.").format(text=amount))
        return parse(str(amount), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.fen + other.fen, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.fen - other.fen, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.fen, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an integer; use scale() for rates")
        return Money(self.fen * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.fen < other.fen

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.fen <= other.fen

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.fen > other.fen

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.fen >= other.fen

    def __bool__(self) -> bool:
        return self.fen != 0

    def is_negative(self) -> bool:
        return self.fen < 0

    def scale(self, numerator: int, denominator: int) -> Money:
        """Multiply by numerator/denominator, rounding half away from zero to the fen."""
        if denominator == 0:
            raise ZeroDivisionError("scale by a zero denominator")
        q = Decimal(self.fen) * Decimal(numerator) / Decimal(denominator)
        return Money(int(q.to_integral_value(rounding=ROUND_HALF_UP)), self.currency)

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split into parts proportional to ``weights``; see :func:`allocate`."""
        return [Money(f, self.currency) for f in allocate(self.fen, weights)]

    def __str__(self) -> str:
        return format_money(self)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into integer parts proportional to non-negative integer ``weights``.

    Largest-remainder method: each part gets the floor of its exact share and the fen left
    over go, one each, to the parts with the largest remainders (earlier parts win ties).
    The parts always sum to ``total`` exactly; a negative total is split like its absolute
    value and negated. All-zero weights are refused.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    if any(w < 0 for w in weights):
        raise ValueError("allocation weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("allocation weights must not all be zero")
    sign = -1 if total < 0 else 1
    amount = abs(total)
    parts = [amount * w // weight_sum for w in weights]
    remainders = [amount * w % weight_sum for w in weights]
    left = amount - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


_AMOUNT_RE = re.compile(r"^([+-]?)(\d{1,12})(?:\.(\d{0,2}))?$")
_STRIP = str.maketrans(
    {",": None, "，": None, " ": None, "\u00a0": None, "\u3000": None, "¥": None, "￥": None,
     "元": None, "．": ".", "－": "-", "＋": "+"}
    | {chr(0xFF10 + d): str(d) for d in range(10)}
)


def parse(text: str, currency: str = DEFAULT_CURRENCY) -> Money:
    """Parse what a person typed (``88``, ``88.5``, ``¥1,280.00``, full-width digits) into Money.

    More than two decimals, letters, exponents or absurd sizes raise :class:`MoneyError`
    with a message fit to show the user.
    """
    from salondesk.i18n import _

    if not isinstance(text, str):
        # A float has already lost the exact amount; callers must pass what was typed.
        raise TypeError(f"parse takes text, not {type(text).__name__}")
    cleaned = text.strip().translate(_STRIP)
    for symbol in CURRENCY_SYMBOLS.values():
        cleaned = cleaned.replace(symbol, "")
    match = _AMOUNT_RE.match(cleaned)
    if not match:
        raise MoneyError(_("“{text}” is not an amount of money.").format(text=text))
    sign, whole, frac = match.groups()
    fen = int(whole) * MINOR_PER_MAJOR + int((frac or "").ljust(2, "0"))
    if fen > MAX_ABS_FEN:
        raise MoneyError(_("The amount {text} is too large.").format(text=text))
    return Money(-fen if sign == "-" else fen, currency)


def format_money(money: Money, *, symbol: bool = True, grouping: bool = True) -> str:
    """Format for people: ``¥1,280.00``; negative amounts as ``-¥12.50``."""
    sign = "-" if money.fen < 0 else ""
    whole, frac = divmod(abs(money.fen), MINOR_PER_MAJOR)
    whole_text = f"{whole:,}" if grouping else str(whole)
    prefix = CURRENCY_SYMBOLS.get(money.currency, money.currency + " ") if symbol else ""
    return f"{sign}{prefix}{whole_text}.{frac:02d}"


def to_decimal(money: Money) -> Decimal:
    """The amount in major units as an exact Decimal (for exports and spreadsheets)."""
    try:
        return Decimal(money.fen) / Decimal(MINOR_PER_MAJOR)
    except InvalidOperation as exc:  # pragma: no cover - Decimal of an int cannot fail
        raise MoneyError(str(exc)) from exc
