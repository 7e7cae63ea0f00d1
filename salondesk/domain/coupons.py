"""Coupons (优惠券): what a coupon takes off a purchase, and whether it may be used.

Pure functions. A template is amount off (减 X), percent off (打折) or a free service (免费
项目), with a minimum spend, optional categories and a validity; every coupon is one code used
at most once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from salondesk.i18n import _

KINDS = ("amount", "percent", "service")
# coupon events and the states they lead to
ISSUE, REDEEM, VOID, RESTORE = "issue", "redeem", "void", "restore"
ISSUED, USED, VOIDED = "issued", "used", "void"
# Crockford base32 without look-alikes, so a cashier can type a code off a phone screen.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


@dataclass(frozen=True)
class CouponTerms:
    kind: str
    amount_fen: int = 0
    percent_off: int = 0
    service_code: str | None = None
    min_spend_fen: int = 0
    categories: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class CartLine:
    """One line of a purchase as a coupon sees it: after tier discounts, before the coupon."""

    service_code: str
    category: str
    amount_fen: int


class CouponNotApplicable(ValueError):
    """The coupon cannot be used on this purchase; ``message`` says why, fit to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_code() -> str:
    """A fresh random code: 'C' and 10 characters (50 bits), scannable as Code128/QR."""
    return "C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a scanner or a cashier typed, as stored: upper case, O->0, I/L->1, no spaces."""
    return text.strip().upper().replace(" ", "").replace("-", "").translate(
        str.maketrans("OIL", "011"))


def discount_fen(terms: CouponTerms, lines: Sequence[CartLine], today: dt.date) -> int:
    """What the coupon takes off these lines, never more than the eligible amount.

    Raises :class:`CouponNotApplicable` when outside its dates, under the minimum spend or
    with nothing eligible.
    """
    if terms.valid_from and today < terms.valid_from:
        raise CouponNotApplicable(_("This coupon cannot be used before {day}.").format(
            day=terms.valid_from.isoformat()))
    if terms.valid_until and today > terms.valid_until:
        raise CouponNotApplicable(_("This coupon expired on {day}.").format(
            day=terms.valid_until.isoformat()))
    eligible = [line for line in lines
                if not terms.categories or line.category in terms.categories]
    base = sum(line.amount_fen for line in eligible)
    if base < terms.min_spend_fen or base <= 0:
        raise CouponNotApplicable(_("This coupon needs a purchase of at least {amount}.").format(
            amount=f"{max(terms.min_spend_fen, 1) / 100:.2f}"))
    if terms.kind == "amount":
        return min(terms.amount_fen, base)
    if terms.kind == "percent":
        return base * terms.percent_off // 100
    if terms.kind == "service":
        for line in eligible:
            if line.service_code == terms.service_code:
                return line.amount_fen
        raise CouponNotApplicable(_("This coupon is for a service that is not in the bill."))
    raise ValueError(f"unknown coupon kind {terms.kind!r}")


def validity(issued_on: dt.date, *, valid_days: int | None, valid_from: dt.date | None,
             valid_until: dt.date | None) -> tuple[dt.date, dt.date | None]:
    """A coupon's first and last valid day from its template, issued on ``issued_on``."""
    start = max(issued_on, valid_from) if valid_from else issued_on
    ends = [d for d in (valid_until,
                        start + dt.timedelta(days=valid_days - 1) if valid_days else None)
            if d is not None]
    return start, (min(ends) if ends else None)


def state_after(kinds: Sequence[str]) -> str | None:
    """The state a coupon's events lead to, or None if the sequence is impossible."""
    state: str | None = None
    for kind in kinds:
        nxt = {(None, ISSUE): ISSUED, (ISSUED, REDEEM): USED, (USED, RESTORE): ISSUED,
               (ISSUED, VOID): VOIDED}.get((state, kind))
        if nxt is None:
            return None
        state = nxt
    return state
