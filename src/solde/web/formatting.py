"""Amounts, numbers and dates as the signed-in user reads and types them (Babel).

Display: `Format(locale)` writes amounts with their currency (`-1 234,50 €` in fr_FR,
`-€1,234.50` in en_US), dates in the locale's medium form and numbers with its separators.
Input: `parse_number` reads what a user typed in their locale (`1 234,56` in fr_FR, `1,234.56`
in en_US, plain `1234.56` in either where it cannot be misread) and gives the canonical text
the domain validates (`1234.56`). Nothing here goes through a binary float.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import (
    NumberFormatError,
    format_currency,
    format_decimal,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)

from solde.domain.errors import InvalidInput
from solde.domain.money import Money

FALLBACK_LOCALE = "en_US"
#: Characters a typed number may hold before Babel reads it: ASCII digits, signs, the
#: separators of common locales (comma, dot, spaces, apostrophes).
_TYPED_NUMBER = re.compile(r"[+\-]?[0-9][0-9 .,'’\u00a0\u202f]*")
_SPACES = re.compile(r"[ \u00a0\u202f]")
#: A dot followed by exactly three digits, where the dot is not the locale's decimal sign.
_DOT_THOUSANDS = re.compile(r"\.[0-9]{3}(?![0-9])")


@cache
def babel_locale(code: str) -> Locale:
    """The Babel locale of a code like `fr_FR`; en_US when Babel does not know it."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


def sign_class(amount: Money | None) -> str:
    """The colour class of an amount: debit (owes, red), credit (green) or zero (grey)."""
    if amount is None or amount.is_zero():
        return "zero"
    return "debit" if amount.is_positive() else "credit"


class Format:
    """Formatting for one locale; templates receive it as `fmt`."""

    def __init__(self, locale: str) -> None:
        self.locale = babel_locale(locale)
        self.code = str(self.locale)

    @property
    def decimal_symbol(self) -> str:
        """The decimal separator users of this locale type (`,` in fr_FR)."""
        return str(get_decimal_symbol(self.locale))

    def money(self, amount: Money | None) -> str:
        """An amount with its currency, in the locale's pattern."""
        if amount is None:
            return ""
        return format_currency(amount.amount, amount.currency, locale=self.locale)

    def number(self, value: Decimal | int | None) -> str:
        """A number with every decimal it has (quantities, unit prices, rates)."""
        if value is None:
            return ""
        if isinstance(value, int):
            return format_decimal(value, locale=self.locale)
        places = max(0, -int(value.normalize().as_tuple().exponent))
        return format_decimal(value, format=_pattern(places), locale=self.locale)

    def plain(self, value: Decimal | None, decimals: int | None = None) -> str:
        """A number as a user would type it back into a form: no grouping (`1234,5`)."""
        if value is None:
            return ""
        text = f"{value:f}" if decimals is None else f"{value:.{decimals}f}"
        return text.replace(".", self.decimal_symbol)

    def percent(self, rate: Decimal | None) -> str:
        """A tax rate in percent, as the locale writes it (`5.5%`, `5,5 %`)."""
        if rate is None:
            return ""
        return format_percent(rate / 100, locale=self.locale, decimal_quantization=False)

    def amount(self, value: Decimal | None, currency: str) -> str:
        """A decimal in a currency with every decimal it has, at least the currency's (a
        credit limit may carry more decimals than the currency's coins)."""
        if value is None:
            return ""
        return format_currency(value, currency, locale=self.locale, decimal_quantization=False)

    def date(self, day: dt.date | None) -> str:
        """A date in the locale's medium form (`30 Nov 2026`)."""
        return "" if day is None else format_date(day, format="medium", locale=self.locale)

    def month(self, day: dt.date) -> str:
        """A month for chart axes (`Nov`)."""
        return format_date(day, format="LLL", locale=self.locale)

    def example(self) -> str:
        """How this locale writes 1234.56, for hints and error messages."""
        return format_decimal(Decimal("1234.56"), format="#,##0.00", locale=self.locale)


@cache
def _pattern(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def parse_number(text: str, locale: str, *, field: str) -> str:
    """A number typed in `locale`, as canonical decimal text for the domain (`1234.56`).

    Grouping must be right where it is used (`1,23` is refused in en_US rather than read as
    123); exponents, NaN and non-ASCII digits are refused as the API refuses them.
    """
    loc = babel_locale(locale)
    typed = text.strip().replace("−", "-")
    if not _TYPED_NUMBER.fullmatch(typed):
        raise _not_a_number(field, loc)
    group = get_group_symbol(loc)
    if _SPACES.fullmatch(group):
        typed = _SPACES.sub(group, typed)
    if get_decimal_symbol(loc) != "." and group != "." and _DOT_THOUSANDS.search(typed):
        raise _not_a_number(field, loc)  # `1.500` in fr_FR: 1.5, or 1500 grouped the German way?
    try:
        value = parse_decimal(typed, locale=loc, strict=True)
    except NumberFormatError:
        raise _not_a_number(field, loc) from None
    if not value.is_finite():
        raise _not_a_number(field, loc)
    return f"{value:f}"


def _not_a_number(field: str, loc: Locale) -> InvalidInput:
    example = format_decimal(Decimal("1234.56"), format="#,##0.00", locale=loc)
    return InvalidInput.single(field, "not_a_number", f"is not a number; write it like {example}")
