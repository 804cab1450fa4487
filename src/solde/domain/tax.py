"""Line amounts: net from quantity and unit price, tax per line, gross.

SPEC §2: a line amount is quantity × unit price rounded half-up to the currency; tax is
net × rate / 100 rounded half-up, per line; gross is net + tax.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.money import MAX_MAGNITUDE, Money, parse_decimal, wide_multiply

#: Decimals a unit price may carry, whatever the currency (SPEC §2).
UNIT_PRICE_DECIMALS = 6
#: Decimals a quantity may carry (hours, gigabytes, ...).
QUANTITY_DECIMALS = 6
#: Decimals a tax rate in percent may carry (8.875 %).
TAX_RATE_DECIMALS = 4
MAX_QUANTITY = Decimal(10) ** 9
#: Unit prices stay below this magnitude (they are kept in millionths in a 64-bit integer).
MAX_UNIT_PRICE = MAX_MAGNITUDE
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """The computed amounts of one line."""

    net: Money
    tax: Money
    gross: Money


@dataclass(frozen=True, slots=True)
class LinePrice:
    """What a user types for a line: quantity, unit price excluding tax, tax rate in percent."""

    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal

    def amounts(self, currency: str) -> LineAmounts:
        """Net, tax and gross of the line in the currency, each rounded half-up once."""
        try:
            net = Money.round(wide_multiply(self.quantity, self.unit_price), currency)
            tax = Money.round(wide_multiply(net.amount, self.tax_rate) / HUNDRED, currency)
            gross = net + tax
        except InvalidInput:
            raise InvalidInput.single(
                "unit_price", "out_of_range", "quantity × unit price, with tax, is too large"
            ) from None
        return LineAmounts(net=net, tax=tax, gross=gross)


def parse_line_price(quantity: object, unit_price: object, tax_rate: object) -> LinePrice:
    """Validate a quantity (> 0), a unit price and a tax rate (0 to 100 %); report every fault."""
    errors = FieldErrors()
    q = p = r = Decimal(0)
    try:
        q = parse_decimal(quantity, field="quantity", max_decimals=QUANTITY_DECIMALS)
        if q <= 0 or q >= MAX_QUANTITY:
            errors.add("quantity", "out_of_range", "must be above 0 and below 1,000,000,000")
    except InvalidInput as exc:
        errors.absorb(exc)
    try:
        p = parse_decimal(unit_price, field="unit_price", max_decimals=UNIT_PRICE_DECIMALS)
        if abs(p) >= MAX_UNIT_PRICE:
            errors.add("unit_price", "out_of_range", "must be below 1,000,000,000,000")
    except InvalidInput as exc:
        errors.absorb(exc)
    try:
        r = parse_decimal(tax_rate, field="tax_rate", max_decimals=TAX_RATE_DECIMALS)
        if r < 0 or r > HUNDRED:
            errors.add("tax_rate", "out_of_range", "must be between 0 and 100 (percent)")
    except InvalidInput as exc:
        errors.absorb(exc)
    errors.raise_if_any()
    return LinePrice(quantity=q, unit_price=p, tax_rate=r)
