"""Money: integer fen, largest-remainder splits, and parsing what cashiers actually type."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from salondesk import i18n
from salondesk.errors import UserError
from salondesk.money import MAX_ABS_FEN, Money, MoneyError, allocate, format_money, parse


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    previous = i18n.current_locale()
    i18n.set_locale("en")
    yield
    i18n.set_locale(previous)


fen_amounts = st.integers(min_value=-MAX_ABS_FEN, max_value=MAX_ABS_FEN)
weights_lists = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12)\
    .filter(lambda ws: sum(ws) > 0)
currencies = st.sampled_from(["CNY", "HKD", "USD", "EUR"])


# --- allocate ------------------------------------------------------------------------------

@given(total=fen_amounts, weights=weights_lists)
@example(total=100, weights=[1, 1, 1])
@example(total=-100, weights=[1, 1, 1])
@example(total=1, weights=[0, 0, 5])
def test_money_allocate_parts_sum_to_the_whole(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(isinstance(p, int) for p in parts)


@given(total=fen_amounts, weights=weights_lists)
def test_money_allocate_each_part_within_one_fen_of_its_exact_share(
        total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, weight_sum)
        assert abs(part - exact) < 1
        if weight == 0:
            assert part == 0


@given(total=fen_amounts, weights=weights_lists)
def test_money_allocate_sign_follows_the_total(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    if total >= 0:
        assert all(p >= 0 for p in parts)
    else:
        assert all(p <= 0 for p in parts)
    # A refund split mirrors the sale split exactly.
    assert allocate(-total, weights) == [-p for p in parts]


def test_money_allocate_gives_leftover_fen_to_the_largest_remainders() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(10, [1, 2]) == [3, 7]
    assert allocate(5, [3, 3, 4]) == [2, 1, 2]  # a tie goes to the earlier part
    assert Money(1000).allocate([1, 2]) == [Money(333), Money(667)]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [-2]])
def test_money_allocate_refuses_impossible_weights(weights: list[int]) -> None:
    with pytest.raises(ValueError, match="weight"):
        allocate(100, weights)


# --- parse / format --------------------------------------------------------------------------

@given(fen=fen_amounts, currency=currencies, grouping=st.booleans())
@example(fen=-1, currency="CNY", grouping=True)
@example(fen=MAX_ABS_FEN, currency="CNY", grouping=True)
def test_money_parse_reads_back_what_format_wrote(fen: int, currency: str, grouping: bool) -> None:
    money = Money(fen, currency)
    assert parse(format_money(money, grouping=grouping), currency) == money
    assert parse(format_money(money, symbol=False), currency) == money


@pytest.mark.parametrize(("typed", "fen"), [
    ("88", 8800),
    ("88.5", 8850),
    ("88.50", 8850),
    ("0.01", 1),
    ("¥1,280.00", 128000),
    ("￥1,280", 128000),
    ("８８．５", 8850),           # full-width digits and point from a Chinese IME
    ("￥８８", 8800),
    ("1，280", 128000),          # full-width comma
    ("  88 元 ", 8800),
    ("-12.5", -1250),
    ("－12.5", -1250),
    ("+3", 300),
])
def test_money_parse_reads_what_cashiers_type(typed: str, fen: int) -> None:
    assert parse(typed) == Money(fen)


@pytest.mark.parametrize("typed", [
    "1e3", "1E3", "abc", "", "   ", "1.234", "88.5.1", "12-3", "--5", "NaN", "Infinity",
    "0x10", "1_000", "¥", ".", "100000001", "999999999999", "9" * 40,
])
def test_money_parse_refuses_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(MoneyError) as caught:
        parse(typed)
    # A refusal is a UserError whose message can be shown to the cashier as it is.
    assert isinstance(caught.value, UserError)
    assert caught.value.message


def test_money_parse_refuses_amounts_above_the_limit() -> None:
    limit_yuan = MAX_ABS_FEN // 100
    assert parse(str(limit_yuan)) == Money(MAX_ABS_FEN)
    with pytest.raises(MoneyError, match="too large"):
        parse(f"{limit_yuan}.01")
    with pytest.raises(MoneyError, match="too large"):
        parse(f"-{limit_yuan + 1}")


# --- no floats, no mixed currencies ----------------------------------------------------------

@pytest.mark.parametrize("value", [88.5, 1.0, True, Decimal("1.5"), "8850"])
def test_money_refuses_anything_but_integer_fen(value: object) -> None:
    with pytest.raises(TypeError):
        Money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [88.5, 8850, None])
def test_money_parse_refuses_non_text(value: object) -> None:
    with pytest.raises(TypeError):
        parse(value)  # type: ignore[arg-type]


def test_money_yuan_takes_int_str_and_exact_decimal_but_no_float() -> None:
    assert Money.yuan(88) == Money(8800)
    assert Money.yuan("88.5") == Money(8850)
    assert Money.yuan(Decimal("88.500")) == Money(8850)
    assert Money.yuan(Decimal("1E+3")) == Money(100000)
    with pytest.raises(TypeError):
        Money.yuan(88.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money.yuan(Decimal("1.234"))
    with pytest.raises(MoneyError):
        Money.yuan(Decimal("NaN"))


def test_money_multiplies_only_by_integers() -> None:
    assert Money(150) * 3 == Money(450)
    assert 3 * Money(150) == Money(450)
    with pytest.raises(TypeError):
        Money(150) * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(150) * True


@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a < b, lambda a, b: a <= b,
    lambda a, b: a > b, lambda a, b: a >= b,
])
def test_money_refuses_to_mix_currencies(op: object) -> None:
    with pytest.raises(MoneyError, match="CNY"):
        op(Money(100, "CNY"), Money(100, "HKD"))  # type: ignore[operator]
    with pytest.raises(TypeError):
        op(Money(100), 100)  # type: ignore[operator]
    assert Money(100, "CNY") != Money(100, "HKD")


@given(fen=fen_amounts, num=st.integers(-1000, 1000), den=st.integers(1, 1000))
def test_money_scale_rounds_half_away_from_zero(fen: int, num: int, den: int) -> None:
    exact = Fraction(fen * num, den)
    scaled = Money(fen).scale(num, den).fen
    assert abs(scaled - exact) <= Fraction(1, 2)
    if abs(scaled - exact) == Fraction(1, 2):
        assert abs(scaled) > abs(exact)


def test_money_formats_for_people() -> None:
    assert format_money(Money(128000)) == "¥1,280.00"
    assert format_money(Money(-1250)) == "-¥12.50"
    assert format_money(Money(5, "HKD")) == "HK$0.05"
    assert format_money(Money(128000), symbol=False, grouping=False) == "1280.00"
    assert str(Money(0)) == "¥0.00"
