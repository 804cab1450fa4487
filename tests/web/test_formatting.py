"""Numbers typed in a locale (`parse_number`) and amounts and dates written in it (`Format`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.web.formatting import Format, babel_locale, parse_number, sign_class

NBSP = "\u00a0"
NNBSP = "\u202f"

READ = [
    ("en_US", "1234.56", "1234.56"),
    ("en_US", "1,234.56", "1234.56"),
    ("en_US", "1,234,567.5", "1234567.5"),
    ("en_US", "  42  ", "42"),
    ("en_US", "-5", "-5"),
    ("en_US", "−5", "-5"),  # the minus sign as typography writes it
    ("en_US", "+5", "5"),
    ("en_US", "0.001", "0.001"),
    ("en_US", "100.10", "100.10"),
    ("fr_FR", "1 234,56", "1234.56"),
    ("fr_FR", f"1{NNBSP}234,56", "1234.56"),
    ("fr_FR", f"1{NBSP}234,56", "1234.56"),
    ("fr_FR", "1234,56", "1234.56"),
    ("fr_FR", "-0,5", "-0.5"),
    ("de_DE", "1.234,56", "1234.56"),
    ("de_DE", "1234,56", "1234.56"),
    ("de_CH", "1'234.56", "1234.56"),
    ("unknown_XX", "1,234.56", "1234.56"),  # an unknown locale reads as en_US
]


@pytest.mark.parametrize(("locale", "typed", "canonical"), READ)
def test_numbers_are_read_in_the_users_locale(locale: str, typed: str, canonical: str) -> None:
    assert parse_number(typed, locale, field="amount") == canonical


REFUSED = [
    ("en_US", "1,23"),  # a comma that is not a thousands separator
    ("en_US", "12,34,567"),
    ("en_US", "1.234,56"),
    ("en_US", "1 234.56"),
    ("en_US", "1e3"),
    ("en_US", "1E3"),
    ("en_US", "NaN"),
    ("en_US", "nan"),
    ("en_US", "Infinity"),
    ("en_US", "-inf"),
    ("en_US", "١٢٣"),  # Arabic-Indic digits
    ("en_US", "１２"),  # full-width digits
    ("en_US", "৫"),  # Bengali digit
    ("en_US", "1_000"),
    ("en_US", "0x10"),
    ("en_US", "--5"),
    ("en_US", "5-"),
    ("en_US", "1..2"),
    ("en_US", ""),
    ("en_US", "   "),
    ("en_US", "."),
    ("en_US", "€5"),
    ("fr_FR", "1.234,56"),
    ("fr_FR", "1,234.56"),
    ("fr_FR", "12 34,5"),
    ("de_DE", "1234.56"),
    ("de_DE", "1.23"),
]


@pytest.mark.parametrize(("locale", "typed"), REFUSED)
def test_what_could_be_misread_is_refused_with_the_field_named(locale: str, typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_number(typed, locale, field="billing.credit_limit")
    [error] = raised.value.errors
    assert error.field == "billing.credit_limit"
    assert error.code == "not_a_number"
    example = {"en_US": "1,234.56", "fr_FR": f"1{NNBSP}234,56", "de_DE": "1.234,56"}[locale]
    assert error.message == f"is not a number; write it like {example}"


def test_unknown_locales_fall_back_to_en_us() -> None:
    assert str(babel_locale("xx_YY")) == "en_US"
    assert str(babel_locale("")) == "en_US"
    assert str(babel_locale("fr_FR")) == "fr_FR"
    assert Format("not a locale").money(Money(Decimal("1"), "EUR")) == "€1.00"


def eur(value: str, currency: str = "EUR") -> Money:
    return Money(Decimal(value), currency)


@pytest.mark.parametrize(
    ("locale", "amount", "shown"),
    [
        ("en_US", eur("1234.50"), "€1,234.50"),
        ("en_US", eur("-1234.50"), "-€1,234.50"),
        ("en_US", eur("0"), "€0.00"),
        ("en_US", eur("1234", "JPY"), "¥1,234"),
        ("en_US", eur("1.5", "USD"), "$1.50"),
        ("fr_FR", eur("1234.50"), f"1{NNBSP}234,50{NBSP}€"),
        ("fr_FR", eur("-1234.50"), f"-1{NNBSP}234,50{NBSP}€"),
        ("fr_FR", eur("1234567.89"), f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        ("de_DE", eur("1234.50"), f"1.234,50{NBSP}€"),
        ("fr_FR", eur("12.345", "BHD"), f"12,345{NBSP}BHD"),
    ],
)
def test_amounts_are_written_in_the_locale(locale: str, amount: Money, shown: str) -> None:
    assert Format(locale).money(amount) == shown


def test_format_helpers() -> None:
    fr, us, de = Format("fr_FR"), Format("en_US"), Format("de_DE")
    assert fr.money(None) == ""
    assert fr.date(date(2026, 3, 10)) == "10 mars 2026"
    assert us.date(date(2026, 3, 10)) == "Mar 10, 2026"
    assert de.date(date(2026, 3, 10)) == "10.03.2026"
    assert us.date(None) == ""
    assert fr.month(date(2026, 2, 1)) == "févr."
    assert us.month(date(2026, 2, 1)) == "Feb"
    assert fr.number(Decimal("1234.5")) == f"1{NNBSP}234,5"
    assert fr.number(Decimal("1234.500")) == f"1{NNBSP}234,5"
    assert us.number(1234) == "1,234"
    assert us.number(None) == ""
    assert fr.plain(Decimal("1234.5")) == "1234,5"
    assert fr.plain(Decimal("1234.5"), 2) == "1234,50"
    assert us.plain(Decimal("1234.5")) == "1234.5"
    assert us.plain(None) == ""
    assert fr.decimal_symbol == ","
    assert us.decimal_symbol == "."
    assert fr.example() == f"1{NNBSP}234,56"
    assert de.example() == "1.234,56"
    assert us.percent(Decimal("5.5")) in ("5.5 %", "5.5%")
    assert us.percent(None) == ""
    assert fr.code == "fr_FR"


@pytest.mark.parametrize("locale", ["en_US", "fr_FR", "de_DE", "de_CH", "fr_CH", "nl_NL", "es_ES"])
@pytest.mark.parametrize("value", ["1234.56", "-1234567.89", "0.5", "12"])
def test_what_a_form_shows_reads_back_the_same(locale: str, value: str) -> None:
    fmt = Format(locale)
    number = Decimal(value)
    for shown in (fmt.plain(number), fmt.number(number)):
        assert Decimal(parse_number(shown, locale, field="x")) == number, (locale, shown)


def test_sign_classes() -> None:
    assert sign_class(eur("12.00")) == "debit"
    assert sign_class(eur("-0.01")) == "credit"
    assert sign_class(eur("0")) == "zero"
    assert sign_class(None) == "zero"
