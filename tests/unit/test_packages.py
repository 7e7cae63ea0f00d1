"""Package session values and refunds: DESIGN.md §5's formulas and examples."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from salondesk.domain.packages import (
    PackageItem,
    consumer_caused_refund,
    merchant_caused_refund,
    session_values,
)


def test_packages_single_service_sessions_share_the_price() -> None:
    values = session_values(360_000, [PackageItem("F01", 6, 98_000)])
    assert values == {"F01": [60_000] * 6}
    assert sum(session_values(100_000, [PackageItem("F01", 3, 50_000)])["F01"]) == 100_000


def test_packages_multi_service_weighs_by_list_price() -> None:
    # 2 x 300 + 1 x 600 listed = 1,200; sold at 900 -> 225, 225, 450
    values = session_values(90_000, [PackageItem("A", 2, 30_000), PackageItem("B", 1, 60_000)])
    assert values == {"A": [22_500, 22_500], "B": [45_000]}


def test_packages_refund_examples() -> None:
    assert consumer_caused_refund(price_paid_fen=360_000, used_at_list_fen=2 * 98_000).refund_fen \
        == 164_000
    values = session_values(360_000, [PackageItem("F01", 6, 98_000)])["F01"]
    assert merchant_caused_refund(price_paid_fen=360_000,
                                  unused_session_values_fen=sum(values[2:])).refund_fen == 240_000


@given(price=st.integers(0, 10**8),
       items=st.lists(st.builds(PackageItem, st.text(min_size=1, max_size=4),
                                st.integers(1, 30), st.integers(0, 10**6)),
                      min_size=1, max_size=5, unique_by=lambda i: i.service_code))
def test_packages_session_values_always_sum_to_the_price(price: int,
                                                         items: list[PackageItem]) -> None:
    values = session_values(price, items)
    assert sum(sum(v) for v in values.values()) == price
    assert all(len(values[i.service_code]) == i.sessions for i in items)
