"""Stored-value rules: the worked examples of DESIGN.md §5 and properties of every split."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salondesk.domain.stored_value import (
    DeductionOrder,
    InsufficientBalance,
    LotBalance,
    consumer_caused_refund,
    merchant_caused_refund,
    plan_spend,
    split_within_lot,
)

LOT = LotBalance("L1", principal_fen=100_000, bonus_fen=10_000)


def test_stored_value_proportional_worked_example() -> None:
    draw = split_within_lot(22_000, LOT, DeductionOrder.PROPORTIONAL)
    assert (draw.principal_fen, draw.bonus_fen) == (20_000, 2_000)


def test_stored_value_proportional_rounds_by_largest_remainder() -> None:
    # a 300.00 facial at 8折 = 240.00 from a 1000 + 100 lot -> 218.18 / 21.82
    draw = split_within_lot(24_000, LOT, DeductionOrder.PROPORTIONAL)
    assert (draw.principal_fen, draw.bonus_fen) == (21_818, 2_182)


def test_stored_value_principal_and_bonus_first() -> None:
    assert split_within_lot(105_000, LOT, DeductionOrder.PRINCIPAL_FIRST).bonus_fen == 5_000
    assert split_within_lot(15_000, LOT, DeductionOrder.BONUS_FIRST).principal_fen == 5_000


def test_stored_value_spend_takes_oldest_lot_first_and_refuses_overdraw() -> None:
    lots = [LotBalance("old", 1_000, 0), LotBalance("new", 50_000, 5_000)]
    draws = plan_spend(12_000, lots, DeductionOrder.PROPORTIONAL)
    assert [d.lot_id for d in draws] == ["old", "new"]
    assert draws[0].total_fen == 1_000 and draws[1].total_fen == 11_000
    with pytest.raises(InsufficientBalance):
        plan_spend(56_001, lots, DeductionOrder.PROPORTIONAL)


def test_stored_value_refund_examples() -> None:
    consumer = consumer_caused_refund(principal_paid_fen=100_000, bonus_given_fen=10_000,
                                      consumed_at_list_fen=27_500)
    assert consumer.refund_fen == 72_500 and consumer.bonus_forfeited_fen == 10_000
    merchant = merchant_caused_refund(principal_paid_fen=100_000, bonus_given_fen=10_000,
                                      remaining_fen=88_000)
    assert merchant.refund_fen == 80_000


lots_strategy = st.lists(
    st.builds(LotBalance, st.uuids().map(str), st.integers(0, 10**7), st.integers(0, 10**6)),
    min_size=1, max_size=5)


@given(lots=lots_strategy, order=st.sampled_from(DeductionOrder), share=st.floats(0, 1))
def test_stored_value_spend_never_overdraws_a_lot(lots: list[LotBalance], order: DeductionOrder,
                                                  share: float) -> None:
    total = sum(lot.total_fen for lot in lots)
    amount = int(total * share)
    draws = plan_spend(amount, lots, order)
    assert sum(d.total_fen for d in draws) == amount
    by_id = {lot.lot_id: lot for lot in lots}
    for d in draws:
        lot = by_id[d.lot_id]
        assert 0 <= d.principal_fen <= lot.principal_fen
        assert 0 <= d.bonus_fen <= lot.bonus_fen
