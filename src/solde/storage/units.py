"""The one boundary where exact decimals become integers in the database, and back.

Amounts are minor units of their currency (EUR cents, JPY yen, KWD fils). Unit prices and
quantities, which may carry up to 6 decimals, are millionths; tax rates are ten-thousandths of
a percent. Repositories call these functions and never convert by themselves.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from solde.domain.money import Money

_MICRO = 6
_RATE = 4


def to_minor(amount: Money) -> int:
    """An amount as an integer of minor units (120.00 EUR -> 12000)."""
    return amount.minor


@lru_cache(maxsize=65536)  # immutable; balances and amounts repeat a lot (zeros, plan prices)
def from_minor(minor: int, currency: str) -> Money:
    """An amount from an integer of minor units (12000, EUR -> 120.00)."""
    return Money.from_minor(int(minor), currency)


def _scaled(value: Decimal, places: int) -> int:
    scaled = value.scaleb(places)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value} has more than {places} decimals")
    return int(scaled)


def micros(value: Decimal) -> int:
    """A unit price or quantity in millionths."""
    return _scaled(value, _MICRO)


@lru_cache(maxsize=4096)  # a book repeats a few prices and quantities; Decimals are immutable
def from_micros(value: int) -> Decimal:
    """A unit price or quantity from millionths, without superfluous trailing zeros."""
    return _plain(Decimal(int(value)).scaleb(-_MICRO))


def rate_units(value: Decimal) -> int:
    """A tax rate in percent, in ten-thousandths."""
    return _scaled(value, _RATE)


@lru_cache(maxsize=256)
def from_rate_units(value: int) -> Decimal:
    """A tax rate in percent from ten-thousandths."""
    return _plain(Decimal(int(value)).scaleb(-_RATE))


def _plain(value: Decimal) -> Decimal:
    """`60.000000` -> `60`, `0.500000` -> `0.5`, never in exponent form."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    assert isinstance(exponent, int)
    return normal.quantize(Decimal(1)) if exponent > 0 else normal
