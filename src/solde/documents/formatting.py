"""Amounts, numbers and dates as the customer reads them on a document (Babel).

Every amount carries its currency (`1 234,56 €` in fr_FR, `€1,234.56` in en_US); unit prices
keep every decimal they have (`0,0125 €`); quantities show only the decimals they need. A locale
Babel does not know falls back to en_US. Nothing here goes through a binary float.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from solde.domain.money import Money, decimals_of

FALLBACK_LOCALE = "en_US"
#: A currency written as letters right against a digit (`KWD1.234`, `1,00CHF`).
_CODE_BEFORE = re.compile(r"(?<![^\W\d_])([^\W\d_]{2,})(?=\d)")
_CODE_AFTER = re.compile(r"(?<=\d)([^\W\d_]{2,})(?![^\W\d_])")


@cache
def document_locale(code: str | None) -> Locale:
    """The Babel locale of a code like `fr_FR` (or `fr-FR`); en_US when it is empty, invalid
    or unknown to Babel."""
    try:
        return Locale.parse((code or FALLBACK_LOCALE).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


class DocumentFormat:
    """Formatting for one locale; templates receive it as `fmt`."""

    def __init__(self, locale: str | None) -> None:
        self.locale = document_locale(locale)
        self.code = str(self.locale)

    def money(self, amount: Money | None) -> str:
        """An amount with its currency, with the currency's decimals (`-12,50 €`)."""
        if amount is None:
            return ""
        return _apart(format_currency(amount.amount, amount.currency, locale=self.locale))

    def unit_price(self, value: Decimal | None, currency: str) -> str:
        """A unit price with its currency and every decimal it has, at least the
        currency's (`0,0125 €`, `12,00 €`)."""
        if value is None:
            return ""
        text = format_currency(
            _trimmed(value), currency, locale=self.locale, decimal_quantization=False
        )
        return _apart(text)

    def number(self, value: Decimal | int | None) -> str:
        """A quantity with only the decimals it needs (`1,5`, `1 000`)."""
        if value is None:
            return ""
        return format_decimal(
            _trimmed(Decimal(value)), locale=self.locale, decimal_quantization=False
        )

    def percent(self, rate: Decimal | None) -> str:
        """A tax rate given in percent, as the locale writes it (`5.5%`, `5,5 %`)."""
        if rate is None:
            return ""
        return format_percent(
            _trimmed(rate).scaleb(-2), locale=self.locale, decimal_quantization=False
        )

    def date(self, day: dt.date | None) -> str:
        """A date in the locale's medium form (`10 mars 2026`, `Mar 10, 2026`)."""
        return "" if day is None else format_date(day, format="medium", locale=self.locale)

    def period(self, start: dt.date | None, end: dt.date | None) -> str:
        """A billing period, first and last day included (`1 Jan 2026 – 31 Jan 2026`)."""
        if start is None or end is None:
            return ""
        if start == end:
            return self.date(start)
        return f"{self.date(start)} – {self.date(end)}"

    def country(self, code: str | None) -> str:
        """A country's name in the locale (`FR` -> `France`); the code itself when unknown."""
        if not code:
            return ""
        return str(self.locale.territories.get(code.upper(), code))


def _trimmed(value: Decimal) -> Decimal:
    """The same number without trailing zeros and never in exponent form (`3.000` -> `3`)."""
    return value.quantize(Decimal(1).scaleb(-decimals_of(value)))


def _apart(text: str) -> str:
    """A no-break space between a currency written in letters and the digits (CLDR currency
    spacing, which Babel leaves out): `KWD1.234` -> `KWD 1.234`; symbols stay as they are."""
    text = _CODE_BEFORE.sub("\\1\u00a0", text)
    return _CODE_AFTER.sub("\u00a0\\1", text)
