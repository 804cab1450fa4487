"""Services (subscriptions) and what they cost over a range of days (SPEC §8).

A service bills `quantity × unit_price` per billing period of its customer. How far it is
billed is `billed_through`; each billing records a `Charge` (the days it covered and the price
it used), so that days given back later are credited at the price they were billed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from solde.billing.documents import Item
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.domain.periods import ONE_DAY, segments, thirty_days
from solde.domain.tax import HUNDRED, UNIT_PRICE_DECIMALS, LinePrice, parse_line_price
from solde.domain.values import InputReader, as_date, clean_text
from solde.ledger.billing import Proration

DESCRIPTION_LENGTH = 500
SERVICE_FIELDS = frozenset(
    {"description", "unit_price", "quantity", "tax_rate", "start_date", "end_date"}
)
#: Before any service exists, periods longer than a month follow the calendar year.
CALENDAR_ANCHOR_YEAR = 2000
_PRICE_UNIT = Decimal(1).scaleb(-UNIT_PRICE_DECIMALS)


@dataclass(frozen=True, slots=True)
class Service:
    """A subscription of a customer, billed per period from `start_date` to `end_date`."""

    id: int
    customer_id: int
    description: str
    unit_price: Decimal  # per billing period, excluding tax
    quantity: Decimal
    tax_rate: Decimal
    start_date: dt.date
    end_date: dt.date | None = None
    billed_through: dt.date | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    external_ref: str | None = None  # the key an import gave it, unique per customer

    @property
    def price(self) -> LinePrice:
        """Quantity, unit price and tax rate of a full period."""
        return LinePrice(self.quantity, self.unit_price, self.tax_rate)

    def next_unbilled_day(self) -> dt.date:
        """The first day not billed yet."""
        if self.billed_through is None:
            return self.start_date
        return max(self.start_date, self.billed_through + ONE_DAY)

    def runs_on(self, day: dt.date) -> bool:
        """The service is active on `day`."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True, slots=True)
class Charge:
    """One billing of a service: the days `first`..`last` at the price used then."""

    service_id: int
    customer_id: int
    document_id: int | None  # None: covered by a zero invoice that was skipped
    first: dt.date
    last: dt.date
    price: LinePrice


@dataclass(frozen=True, slots=True)
class ServiceInput:
    """A validated new service."""

    description: str
    price: LinePrice
    start_date: dt.date
    end_date: dt.date | None
    external_ref: str | None = None  # the key of an imported service, unique per customer


def _description(value: object, field: str) -> str:
    return clean_text(value, field=field, max_length=DESCRIPTION_LENGTH, required=True) or ""


def _date(value: object, field: str) -> dt.date:
    return as_date(value, field=field)


def _price(reader: InputReader, base: LinePrice | None) -> LinePrice:
    values = reader.values
    names = ("quantity", "unit_price", "tax_rate")
    if base is not None and all(values.get(n) is None for n in names):
        return base
    fallback = base or LinePrice(Decimal(1), Decimal(0), Decimal(0))
    try:
        return parse_line_price(
            _given(values.get("quantity"), fallback.quantity),
            _given(values.get("unit_price"), fallback.unit_price),
            _given(values.get("tax_rate"), fallback.tax_rate),
        )
    except InvalidInput as exc:
        reader.errors.absorb(exc)
        return fallback


def _given(value: object, default: Decimal) -> object:
    return str(default) if value is None else value


def parse_service(values: Mapping[str, object], *, on: dt.date) -> ServiceInput:
    """Validate a new service: `description` and `unit_price` required, `quantity` (default 1),
    `tax_rate` (default 0), `start_date` (default `on`), optional `end_date` (not before the
    start)."""
    reader = InputReader(values, allowed=SERVICE_FIELDS, what="a service")
    description = reader.required("description", _description, "")
    if values.get("unit_price") is None:
        reader.fail("unit_price", "required", "is required")
    price = _price(reader, None)
    start = reader.read("start_date", _date, on)
    end = reader.read("end_date", _date, None)
    if end is not None and end < start and not reader.failed("start_date", "end_date"):
        reader.fail("end_date", "before_start", "cannot be before start_date")
    reader.done()
    return ServiceInput(description, price, start, end)


@dataclass(frozen=True, slots=True)
class ServiceChanges:
    """A validated change of a service; `end_date_given` tells a cleared end from no change."""

    description: str
    price: LinePrice
    start_date: dt.date
    end_date: dt.date | None


def parse_service_changes(service: Service, changes: Mapping[str, object]) -> ServiceChanges:
    """Validate a change: description and price at any time (they apply to days not billed
    yet), the start date while nothing is billed, the end date (null clears it) not before the
    start."""
    reader = InputReader(changes, allowed=SERVICE_FIELDS, what="a service")
    description = reader.read("description", _description, service.description)
    price = _price(reader, service.price)
    start = reader.read("start_date", _date, service.start_date)
    end = service.end_date
    if "end_date" in changes:
        end = reader.read("end_date", _date, None)
    if start != service.start_date and service.billed_through is not None:
        reader.fail(
            "start_date",
            "already_billed",
            f"the service is billed through {service.billed_through.isoformat()}: "
            "its start date can no longer change",
        )
    if end is not None and end < start and not reader.failed("start_date", "end_date"):
        reader.fail("end_date", "before_start", "cannot be before start_date")
    reader.done()
    return ServiceChanges(description, price, start, end)


# -- what days cost --------------------------------------------------------------------------


def anchor_of(billing_day: int, starts: Iterable[dt.date]) -> dt.date:
    """The period anchor of a customer: the billing day on or before its first service's
    start; before any service, January 2000 (periods follow the calendar year)."""
    first = min(starts, default=None)
    if first is None:
        return dt.date(CALENDAR_ANCHOR_YEAR, 1, billing_day)
    anchor = first.replace(day=billing_day)
    if anchor > first:
        month = first.month - 1 or 12
        anchor = dt.date(first.year - (first.month == 1), month, billing_day)
    return anchor


@lru_cache(maxsize=8192)  # pure: customers of a run share their ranges
def share_of(
    first: dt.date, last: dt.date, *, anchor: dt.date, months: int, proration: Proration
) -> Fraction:
    """How many periods the days `first`..`last` are worth: a full period counts 1, a partial
    one its covered days over the period's days (`daily`), its 30-day-month days over
    30 × months (`thirty_day`), or 1 (`none`)."""
    total = Fraction(0)
    for segment in segments(first, last, anchor, months):
        if segment.is_full or proration is Proration.NONE:
            total += 1
        elif proration is Proration.DAILY:
            total += Fraction(segment.days, segment.period.days)
        else:
            total += Fraction(thirty_days(segment.first, segment.last), 30 * months)
    return total


def priced_item(
    description: str,
    price: LinePrice,
    share: Fraction,
    *,
    first: dt.date,
    last: dt.date,
    currency: str,
    service_id: int,
    sign: int = 1,
) -> Item:
    """An invoice item for `share` periods of a price: the exact amount rounded once, half-up;
    tax per line. The unit price shown is the price of the covered days (to 6 decimals)."""
    net, tax, shown = _amounts(price, share * sign, currency)
    return Item(
        description=description,
        quantity=price.quantity,
        unit_price=shown,
        tax_rate=price.tax_rate,
        net=net,
        tax=tax,
        gross=net + tax,
        period_start=first,
        period_end=last,
        service_id=service_id,
    )


@lru_cache(maxsize=8192)  # pure: many customers share a plan's price
def _amounts(price: LinePrice, share: Fraction, currency: str) -> tuple[Money, Money, Decimal]:
    """Net (rounded once), tax (per line) and the unit price shown for `share` periods."""
    exact = Fraction(price.quantity) * Fraction(price.unit_price) * share
    net = Money.round_fraction(exact, currency)
    tax = Money.round(net.amount * price.tax_rate / HUNDRED, currency)
    shown = Decimal(price.unit_price) * Decimal(share.numerator) / Decimal(share.denominator)
    return net, tax, shown.quantize(_PRICE_UNIT)


def given_back(
    charges: Sequence[Charge], first: dt.date, last: dt.date
) -> list[tuple[Charge, dt.date, dt.date]]:
    """The billed days `first`..`last` split by the charge that billed them, oldest first."""
    parts = []
    for charge in sorted(charges, key=lambda c: c.first):
        start, end = max(first, charge.first), min(last, charge.last)
        if start <= end:
            parts.append((charge, start, end))
    return parts
