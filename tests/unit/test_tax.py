"""Line amounts (SPEC §2, §4): net = quantity × unit price rounded half-up, tax per line
rounded half-up, gross = net + tax; and the limits of what a user may type for a line."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.domain.tax import LineAmounts, LinePrice, parse_line_price


def amounts(quantity: str, unit_price: str, tax_rate: str, currency: str = "EUR") -> LineAmounts:
    return parse_line_price(quantity, unit_price, tax_rate).amounts(currency)


def shown(line: LineAmounts) -> tuple[str, str, str]:
    return str(line.net), str(line.tax), str(line.gross)


def faults(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


# -- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate", "expected"),
    [
        ("1", "100", "20", ("100.00", "20.00", "120.00")),
        ("3", "19.99", "20", ("59.97", "11.99", "71.96")),  # tax 11.994 -> 11.99
        ("2", "10.05", "5.5", ("20.10", "1.11", "21.21")),  # tax 1.1055 -> 1.11
        ("1", "12.50", "0", ("12.50", "0.00", "12.50")),
        ("1.5", "9.99", "20", ("14.99", "3.00", "17.99")),  # net 14.985 -> 14.99, tax 2.998
        ("0.25", "0.10", "10", ("0.03", "0.00", "0.03")),  # net 0.025 -> 0.03 (half-up)
        ("3", "0.335", "0", ("1.01", "0.00", "1.01")),  # net 1.005 -> 1.01
        ("1", "0.25", "10", ("0.25", "0.03", "0.28")),  # tax 0.025 -> 0.03 (half-up)
        ("1", "0.123456", "0", ("0.12", "0.00", "0.12")),  # unit price with 6 decimals
        ("1", "10", "8.875", ("10.00", "0.89", "10.89")),  # tax 0.8875 -> 0.89
        ("1", "10", "100", ("10.00", "10.00", "20.00")),
    ],
)
def test_line_amounts_in_euros(
    quantity: str, unit_price: str, tax_rate: str, expected: tuple[str, str, str]
) -> None:
    assert shown(amounts(quantity, unit_price, tax_rate)) == expected


def test_net_is_rounded_once_from_the_exact_product() -> None:
    # 3 × 0.333333 = 0.999999 -> 1.00; rounding the unit price first would give 0.99.
    assert shown(amounts("3", "0.333333", "0")) == ("1.00", "0.00", "1.00")


def test_tax_is_computed_on_the_rounded_net() -> None:
    # net 0.004 rounds to 0.00, so the tax is 0.00 even at 100 %.
    assert shown(amounts("1", "0.004", "100")) == ("0.00", "0.00", "0.00")
    # net 1.005 -> 1.01; 50 % of 1.01 = 0.505 -> 0.51 (50 % of the exact 1.005 would be
    # 0.5025 -> 0.50).
    assert shown(amounts("3", "0.335", "50")) == ("1.01", "0.51", "1.52")


def test_tax_is_rounded_per_line() -> None:
    # Two lines of 0.02 at 20 %: each tax is 0.004 -> 0.00 (a document summing exact taxes
    # would get 0.008 -> 0.01).
    line = amounts("1", "0.02", "20")
    assert shown(line) == ("0.02", "0.00", "0.02")


@pytest.mark.parametrize(
    ("currency", "quantity", "unit_price", "tax_rate", "expected"),
    [
        ("JPY", "3", "33.5", "10", ("101", "10", "111")),  # 100.5 -> 101; 10.1 -> 10
        ("JPY", "1", "0.5", "0", ("1", "0", "1")),
        ("JPY", "1", "1000", "8", ("1000", "80", "1080")),
        ("KWD", "1", "1.2345", "5", ("1.235", "0.062", "1.297")),  # tax 0.06175 -> 0.062
        ("BHD", "2", "0.0005", "0", ("0.001", "0.000", "0.001")),
    ],
)
def test_line_amounts_follow_the_currency_exponent(
    currency: str, quantity: str, unit_price: str, tax_rate: str, expected: tuple[str, str, str]
) -> None:
    line = amounts(quantity, unit_price, tax_rate, currency)
    assert shown(line) == expected
    assert {line.net.currency, line.tax.currency, line.gross.currency} == {currency}


def test_negative_unit_price_rounds_symmetrically() -> None:
    # Negative unit prices are accepted by the price parser (credit items of a document).
    assert shown(amounts("1", "-0.005", "0")) == ("-0.01", "0.00", "-0.01")
    assert shown(amounts("1", "-0.25", "10")) == ("-0.25", "-0.03", "-0.28")
    assert shown(amounts("2", "-10.05", "5.5")) == ("-20.10", "-1.11", "-21.21")


@given(
    quantity=st.decimals(min_value=Decimal("0.000001"), max_value=1000, places=6),
    unit_price=st.decimals(min_value=-10000, max_value=10000, places=6),
    tax_rate=st.decimals(min_value=0, max_value=100, places=4),
)
def test_gross_is_net_plus_tax_each_rounded_half_up(
    quantity: Decimal, unit_price: Decimal, tax_rate: Decimal
) -> None:
    line = LinePrice(quantity, unit_price, tax_rate).amounts("EUR")
    exact_net = quantity * unit_price
    assert abs(line.net.amount - exact_net) <= Decimal("0.005")
    exact_tax = line.net.amount * tax_rate / 100
    assert abs(line.tax.amount - exact_tax) <= Decimal("0.005")
    assert line.gross == line.net + line.tax
    assert line.net == Money.round(exact_net, "EUR")


# -- parsing a line's price ---------------------------------------------------------------------


def test_parse_keeps_exact_decimals() -> None:
    price = parse_line_price("1.5", "19.990000", 20)
    assert price == LinePrice(Decimal("1.5"), Decimal("19.99"), Decimal(20))


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate"),
    [
        ("0.000001", "0.000001", "0"),
        ("999999999.999999", "1", "0"),
        ("1", "999999999.999999", "0"),
        ("1", "-5", "0"),
        ("1", "0", "0"),
        ("1", "1", "8.8755"),
        ("1", "1", "100"),
    ],
)
def test_parse_accepts_values_at_the_limits(quantity: str, unit_price: str, tax_rate: str) -> None:
    price = parse_line_price(quantity, unit_price, tax_rate)
    assert price.quantity == Decimal(quantity)
    assert price.unit_price == Decimal(unit_price)
    assert price.tax_rate == Decimal(tax_rate)


@pytest.mark.parametrize(
    ("quantity", "unit_price", "tax_rate", "expected"),
    [
        ("0", "1", "0", ("quantity", "out_of_range")),
        ("-1", "1", "0", ("quantity", "out_of_range")),
        ("1000000000", "1", "0", ("quantity", "out_of_range")),
        ("0.0000001", "1", "0", ("quantity", "too_many_decimals")),
        ("1", "0.0000001", "0", ("unit_price", "too_many_decimals")),
        ("1", "1000000000000", "0", ("unit_price", "out_of_range")),
        ("1", "-1000000000000", "0", ("unit_price", "out_of_range")),
        ("1", "1", "-0.1", ("tax_rate", "out_of_range")),
        ("1", "1", "100.0001", ("tax_rate", "out_of_range")),
        ("1", "1", "5.12345", ("tax_rate", "too_many_decimals")),
        (1.5, "1", "0", ("quantity", "not_a_decimal")),
        ("1", 9.99, "0", ("unit_price", "not_a_decimal")),
        ("1", "1", 20.0, ("tax_rate", "not_a_decimal")),
        ("1", "ten", "0", ("unit_price", "not_a_decimal")),
        ("1", "1", "20%", ("tax_rate", "not_a_decimal")),
        (True, "1", "0", ("quantity", "not_a_decimal")),
    ],
)
def test_parse_refuses_bad_values_naming_the_field(
    quantity: object, unit_price: object, tax_rate: object, expected: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_line_price(quantity, unit_price, tax_rate)
    assert faults(exc) == [expected]


def test_parse_reports_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_line_price("0", "1.1234567", "101")
    assert faults(exc) == [
        ("quantity", "out_of_range"),
        ("unit_price", "too_many_decimals"),
        ("tax_rate", "out_of_range"),
    ]


def test_net_too_large_for_money_names_the_unit_price() -> None:
    price = parse_line_price("999999999", "999999999999", "0")
    with pytest.raises(InvalidInput) as exc:
        price.amounts("EUR")
    assert faults(exc) == [("unit_price", "out_of_range")]


def test_gross_too_large_for_money_names_a_field_of_the_line() -> None:
    # net 999 999 999 999.00 is allowed, but with 100 % tax the gross passes the limit; the
    # error must name a field the user typed, not an `amount` field a line does not have.
    price = parse_line_price("1", "999999999999", "100")
    with pytest.raises(InvalidInput) as exc:
        price.amounts("EUR")
    assert exc.value.errors
    assert {e.field for e in exc.value.errors} <= {"quantity", "unit_price", "tax_rate"}
