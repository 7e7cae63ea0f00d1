"""Packages (套餐 / 疗程卡 / 次卡): the value of each session and the refund calculators.

A package sold for a price holds counts of services. Each session used is worth a share of
the price in proportion to the services' list prices, so that consumption revenue, commission
and refunds all add up to exactly what the member paid. Pure functions over integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from salondesk.domain.stored_value import RefundQuote
from salondesk.money import allocate


@dataclass(frozen=True)
class PackageItem:
    """One service in a package: how many sessions and the service's list price."""

    service_code: str
    sessions: int
    list_price_fen: int


def session_values(price_fen: int, items: Sequence[PackageItem]) -> dict[str, list[int]]:
    """The value of every session, per service, summing exactly to ``price_fen``.

    Single service: price / sessions (6 sessions for 3,600 -> 600 each). Several services:
    each session weighs its service's list price, i.e. price_s x price / Σ price_i x count_i,
    with the fen left over by rounding given out by largest remainder.
    """
    if not items or any(i.sessions <= 0 for i in items):
        raise ValueError("a package needs at least one service with at least one session")
    weights: list[int] = []
    for item in items:
        # equal weights for a single service, list prices otherwise (a free item still counts)
        weight = 1 if len(items) == 1 else max(item.list_price_fen, 1)
        weights.extend([weight] * item.sessions)
    parts = allocate(price_fen, weights)
    values: dict[str, list[int]] = {}
    at = 0
    for item in items:
        values[item.service_code] = parts[at:at + item.sessions]
        at += item.sessions
    return values


def consumer_caused_refund(*, price_paid_fen: int, used_at_list_fen: int) -> RefundQuote:
    """Refund at the member's request: paid less the sessions used at their single list price.

    6 sessions for 3,600 at a single price of 980, 2 used -> 3,600 - 1,960 = 1,640.
    """
    return RefundQuote(refund_fen=max(0, price_paid_fen - used_at_list_fen),
                       principal_paid_fen=price_paid_fen, consumed_fen=used_at_list_fen,
                       bonus_forfeited_fen=0, basis="consumer")


def merchant_caused_refund(*, price_paid_fen: int, unused_session_values_fen: int) -> RefundQuote:
    """Refund because of the store: the value of the sessions not used (4 of 6 x 600 -> 2,400)."""
    return RefundQuote(refund_fen=unused_session_values_fen, principal_paid_fen=price_paid_fen,
                       consumed_fen=price_paid_fen - unused_session_values_fen,
                       bonus_forfeited_fen=0, basis="merchant")


def expiry_date(start: dt.date, *, validity_days: int | None,
                valid_until: dt.date | None) -> dt.date | None:
    """When a package sold on ``start`` expires: ``validity_days`` after it (the last valid day
    is start + days - 1), or the template's fixed date, whichever comes first; None = never."""
    candidates = []
    if validity_days:
        candidates.append(start + dt.timedelta(days=validity_days - 1))
    if valid_until is not None:
        candidates.append(valid_until)
    return min(candidates) if candidates else None


def next_session_value(price_fen: int, items: Sequence[PackageItem], service_code: str,
                       used_before: int) -> int:
    """The value of the next session of ``service_code`` after ``used_before`` were used.

    Sessions are valued in order, so the values of all sessions ever used plus those left add
    up to the price exactly.
    """
    values = session_values(price_fen, items)[service_code]
    if not 0 <= used_before < len(values):
        raise ValueError(f"no session {used_before + 1} of {service_code}")
    return values[used_before]


def upgrade_difference(*, new_price_fen: int, old_remaining_value_fen: int) -> int:
    """What the member pays to upgrade: the new price less the old package's unused value."""
    return max(0, new_price_fen - old_remaining_value_fen)


def time_based_refund(*, price_paid_fen: int, days_total: int, days_left: int) -> RefundQuote:
    """A time-based (unlimited) package refunded pro rata by the days left (merchant-caused)."""
    if days_total <= 0:
        return merchant_caused_refund(price_paid_fen=price_paid_fen, unused_session_values_fen=0)
    left = max(0, min(days_left, days_total))
    value = (2 * price_paid_fen * left + days_total) // (2 * days_total)
    return merchant_caused_refund(price_paid_fen=price_paid_fen, unused_session_values_fen=value)
