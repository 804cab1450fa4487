"""Money: an exact decimal amount that knows its currency.

Every amount in solde is built here, from text or from integer minor units, never from a binary
float. An amount always carries exactly the decimals of its currency (`Money("120", "EUR")`
reads back as `120.00`); arithmetic across currencies raises `CurrencyMismatch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction

from solde.domain.currency import exponent
from solde.domain.errors import CurrencyMismatch, InvalidInput

#: The largest magnitude of any amount or price (exclusive), in major units: one trillion. It
#: keeps every value, and sums of many thousands of them, inside a signed 64-bit integer of
#: minor units whatever the currency exponent.
MAX_MAGNITUDE = Decimal(10) ** 12
#: Digits before the point of any number read from input (below 10^12, as MAX_MAGNITUDE says).
MAX_DIGITS = 12
#: Decimals of any number read from input, whatever the field allows (sane arithmetic).
MAX_DECIMALS = 30

#: Enough digits for exact products of a quantity and a unit price before rounding.
_WIDE = Context(prec=60)
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def decimals_of(value: Decimal) -> int:
    """How many decimals the value really needs (`1.50` needs 1, `1000` needs 0)."""
    if value.is_zero():
        return 0
    _sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)  # finite values only reach this point
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exp + trailing_zeros))


def parse_decimal(value: object, *, field: str, max_decimals: int | None = None) -> Decimal:
    """Read an exact decimal from text, an integer or a Decimal; floats and booleans are refused.

    `max_decimals` refuses values that need more decimals than allowed (trailing zeros are not
    counted: `120.000` is a valid euro amount).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidInput.single(
            field, "not_a_decimal", "must be a decimal number written as text"
        )
    if isinstance(value, str):
        text = value.strip()
        if not _DECIMAL_TEXT.fullmatch(text) or len(text) > 40:
            raise InvalidInput.single(
                field, "not_a_decimal", f"{value[:40]!r} is not a decimal number"
            )
        number = Decimal(text)
    else:
        number = Decimal(value)
    if not number.is_finite():
        raise InvalidInput.single(field, "not_a_decimal", "must be a finite decimal number")
    # adjusted() and decimals_of() do no arithmetic: 1E+999999999 cannot overflow here
    if not number.is_zero() and number.adjusted() >= MAX_DIGITS:
        raise InvalidInput.single(field, "out_of_range", "is too large")
    allowed = MAX_DECIMALS if max_decimals is None else min(max_decimals, MAX_DECIMALS)
    if decimals_of(number) > allowed:
        raise InvalidInput.single(
            field,
            "too_many_decimals",
            f"allows at most {allowed} decimals",
        )
    return number


def _unit(currency: str) -> Decimal:
    unit = Decimal(1).scaleb(-exponent(currency))
    _UNITS[currency] = unit
    return unit


#: The smallest unit of each currency met so far (0.01 for EUR), to quantize without lookups.
_UNITS: dict[str, Decimal] = {}


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency, always carrying the currency's own number of decimals."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        amount = self.amount
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise TypeError("Money needs a finite Decimal amount")
        if abs(amount) >= MAX_MAGNITUDE:
            raise InvalidInput.single("amount", "out_of_range", "is too large")
        unit = _UNITS.get(self.currency) or _unit(self.currency)
        exact = amount.quantize(unit, context=_WIDE)
        if exact != amount:  # rounding changed it: more decimals than the currency has
            raise InvalidInput.single(
                "amount",
                "too_many_decimals",
                f"{self.currency} allows at most {exponent(self.currency)} decimals",
            )
        object.__setattr__(self, "amount", exact.copy_abs() if exact.is_zero() else exact)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def parse(cls, value: object, currency: str, *, field: str = "amount") -> Money:
        """Read an amount typed by a user; refuses more decimals than the currency allows."""
        number = parse_decimal(value, field=field)
        if decimals_of(number) > exponent(currency):
            raise InvalidInput.single(
                field,
                "too_many_decimals",
                f"{currency} allows at most {exponent(currency)} decimals",
            )
        return cls(number, currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in the currency."""
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """From an integer of minor units (cents): `from_minor(12000, "EUR")` is 120.00."""
        if not isinstance(minor, int):
            raise TypeError("minor units are an integer")
        return cls._exact(Decimal(minor).scaleb(-exponent(currency)), currency)

    @classmethod
    def _exact(cls, amount: Decimal, currency: str) -> Money:
        """An amount known to carry exactly the currency's decimals already (made from minor
        units, or the sum, difference or opposite of such amounts): only its size is checked.
        Reading a ledger builds millions of these; the full check costs three times as much."""
        if abs(amount) >= MAX_MAGNITUDE:
            raise InvalidInput.single("amount", "out_of_range", "is too large")
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount.copy_abs() if amount.is_zero() else amount)
        object.__setattr__(money, "currency", currency)
        return money

    @classmethod
    def round(cls, value: Decimal, currency: str) -> Money:
        """Round an exact computed value half-up to the currency (2.345 EUR -> 2.35)."""
        rounded = value.quantize(_unit(currency), rounding=ROUND_HALF_UP, context=_WIDE)
        return cls(rounded, currency)

    @classmethod
    def round_fraction(cls, value: Fraction, currency: str) -> Money:
        """Round an exact rational value (a prorated price: 60 × 10/31) half-up, away from
        zero, to the currency, once: no intermediate decimal is ever rounded."""
        scaled = abs(value) * 10 ** exponent(currency)
        minor = (scaled.numerator * 2 + scaled.denominator) // (scaled.denominator * 2)
        return cls.from_minor(-minor if value < 0 else minor, currency)

    # -- reading ------------------------------------------------------------------------------
    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units."""
        return int(self.amount.scaleb(exponent(self.currency), context=_WIDE))

    def is_zero(self) -> bool:
        """True when the amount is zero."""
        return self.amount.is_zero()

    def is_positive(self) -> bool:
        """True when the amount is above zero."""
        return self.amount > 0

    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount:f}"

    # -- arithmetic ---------------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    # Both sides carry the currency's decimals and stay below 10^12 (15 digits at most), so
    # sums and differences are exact in the default 28-digit context and keep those decimals.
    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money._exact(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money._exact(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money._exact(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money._exact(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def min(self, other: Money) -> Money:
        """The smaller of two amounts of the same currency."""
        return self if self <= other else other


def money_sum(amounts: list[Money] | tuple[Money, ...], currency: str) -> Money:
    """Sum of amounts of one currency (zero for none)."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def wide_multiply(a: Decimal, b: Decimal) -> Decimal:
    """Exact product of two decimals (no rounding at the default 28 digits)."""
    try:
        return a.fma(b, Decimal(0), context=_WIDE)
    except InvalidOperation as exc:  # pragma: no cover - finite inputs are checked before
        raise InvalidInput.single("amount", "out_of_range", "is too large") from exc
