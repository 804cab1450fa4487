"""Money and currencies (SPEC §2): exact decimals, ISO 4217 exponents, half-up rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solde.domain import currency as currencies
from solde.domain.errors import CurrencyMismatch, InvalidInput
from solde.domain.money import MAX_MAGNITUDE, Money, money_sum, parse_decimal


def fault(exc: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    """The (field, code) of a single-field error."""
    (error,) = exc.value.errors
    return error.field, error.code


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


# -- currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "decimals"),
    [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)],
)
def test_exponent_follows_iso_4217(code: str, decimals: int) -> None:
    assert currencies.exponent(code) == decimals


@pytest.mark.parametrize("code", ["ABC", "EURO", "", "eur", "XXX"])
def test_exponent_of_an_unknown_or_lower_case_code_is_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        currencies.exponent(code)
    assert fault(exc) == ("currency", "unknown_currency")


def test_is_currency_accepts_only_active_codes_in_capitals() -> None:
    assert currencies.is_currency("EUR")
    assert not currencies.is_currency("eur")
    assert not currencies.is_currency("ABC")


@pytest.mark.parametrize(("text", "code"), [("eur", "EUR"), (" usd ", "USD"), ("Jpy", "JPY")])
def test_normalise_writes_the_code_in_capitals(text: str, code: str) -> None:
    assert currencies.normalise(text) == code


def test_normalise_refuses_an_unknown_code_under_the_given_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        currencies.normalise("zzz", field="default_currency")
    assert fault(exc) == ("default_currency", "unknown_currency")


# -- parsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "shown"),
    [
        ("120", "EUR", "120.00"),
        ("120.5", "EUR", "120.50"),
        ("120.000", "EUR", "120.00"),
        (" 7.30 ", "EUR", "7.30"),
        ("-12.34", "EUR", "-12.34"),
        ("+3", "USD", "3.00"),
        ("120", "JPY", "120"),
        ("1.5", "KWD", "1.500"),
        ("0.125", "BHD", "0.125"),
    ],
)
def test_parse_reads_text_and_carries_the_currency_decimals(
    text: str, currency: str, shown: str
) -> None:
    money = Money.parse(text, currency)
    assert str(money) == shown
    assert money.currency == currency


def test_parse_accepts_integers_and_decimals() -> None:
    assert Money.parse(12, "EUR") == Money(Decimal("12.00"), "EUR")
    assert Money.parse(Decimal("12.3"), "EUR") == Money(Decimal("12.30"), "EUR")


@pytest.mark.parametrize("value", [12.5, float("nan"), True, None, b"12"])
def test_parse_refuses_floats_booleans_and_other_objects(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse(value, "EUR")
    assert fault(exc) == ("amount", "not_a_decimal")


@pytest.mark.parametrize(
    "text",
    ["", "abc", "1e3", "1,50", "1_000", "NaN", "-inf", "1.2.3", "12 EUR", "1" * 41],
)  # fmt: skip
def test_parse_refuses_text_that_is_not_a_plain_decimal(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse(text, "EUR")
    assert fault(exc) == ("amount", "not_a_decimal")


@pytest.mark.parametrize("text", ["１２０", "١٢٣", "12.５"])
def test_parse_refuses_non_ascii_digits(text: str) -> None:
    # The OpenAPI pattern of a decimal input is [0-9]: fullwidth or Arabic-Indic digits are not
    # an amount a strict parser should take.
    with pytest.raises(InvalidInput) as exc:
        parse_decimal(text, field="amount")
    assert fault(exc) == ("amount", "not_a_decimal")


@pytest.mark.parametrize(
    ("text", "currency"),
    [("1.001", "EUR"), ("0.005", "USD"), ("1.5", "JPY"), ("1.0001", "KWD"), ("-0.001", "EUR")],
)
def test_parse_refuses_more_decimals_than_the_currency_allows(text: str, currency: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse(text, currency)
    assert fault(exc) == ("amount", "too_many_decimals")
    assert currency in exc.value.errors[0].message


def test_parse_names_the_field_it_reads() -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse("1.001", "EUR", field="fee")
    assert fault(exc) == ("fee", "too_many_decimals")


def test_parse_refuses_an_unknown_currency() -> None:
    with pytest.raises(InvalidInput) as exc:
        Money.parse("1", "ABC")
    assert fault(exc)[1] == "unknown_currency"


def test_largest_amount_below_one_trillion_is_accepted() -> None:
    assert str(eur("999999999999.99")) == "999999999999.99"
    assert str(eur("-999999999999.99")) == "-999999999999.99"


@pytest.mark.parametrize("text", ["1000000000000", "-1000000000000", "1000000000000.00"])
def test_amounts_of_one_trillion_or_more_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        eur(text)
    assert fault(exc) == ("amount", "out_of_range")


def test_parse_decimal_limits_decimals_without_counting_trailing_zeros() -> None:
    assert parse_decimal("1.250000", field="q", max_decimals=2) == Decimal("1.25")
    with pytest.raises(InvalidInput) as exc:
        parse_decimal("1.255", field="q", max_decimals=2)
    assert fault(exc) == ("q", "too_many_decimals")


def test_parse_decimal_refuses_magnitude_limit() -> None:
    assert parse_decimal(MAX_MAGNITUDE - 1, field="x") == MAX_MAGNITUDE - 1
    with pytest.raises(InvalidInput) as exc:
        parse_decimal(MAX_MAGNITUDE, field="x")
    assert fault(exc) == ("x", "out_of_range")


def test_parse_decimal_refuses_non_finite_decimals() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_decimal(Decimal("NaN"), field="x")
    assert fault(exc) == ("x", "not_a_decimal")


# -- construction -----------------------------------------------------------------------------


def test_money_refuses_a_float_amount() -> None:
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_money_refuses_more_decimals_than_the_currency() -> None:
    with pytest.raises(InvalidInput) as exc:
        Money(Decimal("0.001"), "EUR")
    assert fault(exc) == ("amount", "too_many_decimals")


def test_negative_zero_reads_as_zero() -> None:
    zero = Money(Decimal("-0.00"), "EUR")
    assert str(zero) == "0.00"
    assert not zero.is_negative()
    assert str(-Money.zero("EUR")) == "0.00"


def test_zero_is_zero_in_the_currency() -> None:
    assert str(Money.zero("KWD")) == "0.000"
    assert Money.zero("EUR").is_zero()


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [(12000, "EUR", "120.00"), (-1, "EUR", "-0.01"), (5, "JPY", "5"), (1234, "KWD", "1.234")],
)
def test_from_minor_reads_integer_minor_units(minor: int, currency: str, shown: str) -> None:
    money = Money.from_minor(minor, currency)
    assert str(money) == shown
    assert money.minor == minor


@st.composite
def minor_amounts(draw: st.DrawFn) -> tuple[int, str]:
    currency = draw(st.sampled_from(["EUR", "JPY", "KWD", "CLF"]))
    limit = 10 ** (12 + currencies.exponent(currency)) - 1
    return draw(st.integers(min_value=-limit, max_value=limit)), currency


@given(minor_amounts())
def test_from_minor_and_minor_round_trip(case: tuple[int, str]) -> None:
    minor, currency = case
    money = Money.from_minor(minor, currency)
    assert money.minor == minor
    assert Money.parse(str(money), currency) == money


def test_minor_of_a_parsed_amount() -> None:
    assert eur("120.5").minor == 12050
    assert Money.parse("-7", "JPY").minor == -7
    assert Money.parse("0.1", "BHD").minor == 100


# -- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        ("0.005", "EUR", "0.01"),
        ("-0.005", "EUR", "-0.01"),
        ("0.015", "EUR", "0.02"),
        ("0.025", "EUR", "0.03"),  # half-up, not banker's rounding (which gives 0.02)
        ("2.345", "EUR", "2.35"),
        ("2.3449999", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("0.0049", "EUR", "0.00"),
        ("-0.0049", "EUR", "0.00"),
        ("0.5", "JPY", "1"),
        ("-0.5", "JPY", "-1"),
        ("2.5", "JPY", "3"),
        ("1.0005", "KWD", "1.001"),
    ],
)
def test_round_is_half_up_away_from_zero(value: str, currency: str, shown: str) -> None:
    assert str(Money.round(Decimal(value), currency)) == shown


def test_round_keeps_exact_values() -> None:
    assert Money.round(Decimal("12.3"), "EUR") == eur("12.30")


# -- arithmetic -------------------------------------------------------------------------------


def test_addition_subtraction_and_negation() -> None:
    assert eur("10.10") + eur("0.90") == eur("11")
    assert eur("10") - eur("12.50") == eur("-2.50")
    assert -eur("3.20") == eur("-3.20")
    assert abs(eur("-3.20")) == eur("3.20")


def test_comparisons_and_min() -> None:
    assert eur("1") < eur("1.01")
    assert eur("1") <= eur("1.00")
    assert eur("2") > eur("-3")
    assert eur("2") >= eur("2")
    assert eur("5").min(eur("3")) == eur("3")
    assert eur("-5").min(eur("3")) == eur("-5")


def test_sign_tests() -> None:
    assert eur("0.01").is_positive()
    assert eur("-0.01").is_negative()
    assert not eur("0").is_positive()
    assert not eur("0").is_negative()


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
        lambda a, b: a.min(b),
    ],
)
def test_mixed_currencies_never_combine(operation: object) -> None:
    with pytest.raises(CurrencyMismatch):
        operation(eur("1"), Money.parse("1", "USD"))  # type: ignore[operator]


def test_money_does_not_combine_with_plain_numbers() -> None:
    with pytest.raises(TypeError):
        eur("1") + Decimal(1)  # type: ignore[operator]


def test_money_is_not_equal_across_currencies() -> None:
    assert eur("1") != Money.parse("1", "USD")


def test_sum_of_amounts() -> None:
    assert money_sum([eur("1.10"), eur("2.20"), eur("-0.30")], "EUR") == eur("3.00")
    assert money_sum([], "JPY") == Money.zero("JPY")
    with pytest.raises(CurrencyMismatch):
        money_sum([eur("1"), Money.parse("1", "GBP")], "EUR")


def test_arithmetic_leaving_the_magnitude_limit_is_refused() -> None:
    with pytest.raises(InvalidInput):
        eur("999999999999.99") + eur("0.01")


def test_money_is_immutable() -> None:
    money = eur("1")
    with pytest.raises(AttributeError):
        money.amount = Decimal(2)  # type: ignore[misc]
