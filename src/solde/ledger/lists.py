"""The lists of SPEC §12: balance by customer and receivables — their filters, orders, rows and
the rules that decide a row's figures (when a customer is stale, how a debit is aged).

The queries are read from what a user typed (API query string, CLI options, a form) by
`from_filters`, so that every surface accepts and refuses the same values, each fault naming
its field. The rows are computed by the read model (`solde.storage.repositories.lists`) from
the per-customer aggregates, never by scanning history except for a past date.

**Stale.** A customer is stale as of a day D when one of its unbilled lines is dated before
its last billing day on or before D: the recurring invoice of that day should have taken the
line (an invoice dated B takes every line dated <= B), so billing is disabled, done by hand or
failing for that customer. A line dated on the billing day itself is not counted: on that day
the run may not have happened yet.

**Aging.** The open debit of a customer as of D is aged by days past due: the due date of an
invoice's transaction is the invoice's due date; every other posted debit (charge, refund,
chargeback, collection cost, debit adjustment) is due on its own date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from solde.domain import currency as currencies
from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.money import Money
from solde.domain.periods import period_containing
from solde.domain.values import as_choice, as_date, clean_text, is_possible_id
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import MAX_PAGE, Page

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

#: Rows of a page when the caller does not say.
DEFAULT_PAGE = 50
#: The most unbilled lines `min_lines` may ask for.
MAX_LINES = 1_000_000_000


class BalanceSort(StrEnum):
    """Orders of the balance-by-customer list; every order ends with the customer id."""

    NAME = "name"  # case-insensitive
    BALANCE = "balance"  # in minor units: meant for a list of one currency
    UNBILLED_COUNT = "unbilled_count"
    UNBILLED_GROSS = "unbilled_gross"
    FIRST_LINE_DATE = "first_line_date"  # customers without lines last
    LAST_LINE_DATE = "last_line_date"  # customers without lines last
    STALE = "stale"  # not stale before stale (descending: stale first)


class ReceivableSort(StrEnum):
    """Orders of the receivables list; every order ends with the customer id."""

    NAME = "name"
    BALANCE = "balance"
    DEBIT = "debit"
    CREDIT = "credit"
    AWAITING = "awaiting_confirmation"
    NOT_DUE = "not_due"
    D1_30 = "d1_30"
    D31_60 = "d31_60"
    D61_90 = "d61_90"
    OVER_90 = "over_90"


class Scope(StrEnum):
    """Which customers the receivables list holds."""

    OWING = "owing"  # balance > 0 (the default)
    NONZERO = "nonzero"  # balance <> 0
    ALL = "all"  # every customer


class Bucket(StrEnum):
    """The age of an open debit: days past its due date."""

    NOT_DUE = "not_due"  # due on or after the day
    D1_30 = "d1_30"
    D31_60 = "d31_60"
    D61_90 = "d61_90"
    OVER_90 = "over_90"


#: The overdue buckets, youngest first, with the most days past due each holds (None: no end).
OVERDUE: tuple[tuple[Bucket, int | None], ...] = (
    (Bucket.D1_30, 30),
    (Bucket.D31_60, 60),
    (Bucket.D61_90, 90),
    (Bucket.OVER_90, None),
)


def bucket_of(due: date, as_of: date) -> Bucket:
    """The bucket of a debit due on `due`, at the end of `as_of`."""
    late = (as_of - due).days
    if late <= 0:
        return Bucket.NOT_DUE
    for bucket, most in OVERDUE:
        if most is None or late <= most:
            return bucket
    raise AssertionError("unreachable")  # pragma: no cover


def first_due_of(bucket: Bucket, as_of: date) -> date | None:
    """The earliest due date a debit of `bucket` (or a younger one) may have as of `as_of`;
    None for the oldest bucket. `not_due` holds due dates on or after `as_of`."""
    if bucket is Bucket.NOT_DUE:
        return as_of
    most = dict(OVERDUE)[bucket]
    return None if most is None else as_of - timedelta(days=most)


def last_billing_day(as_of: date, *, period_months: int, anchor: date) -> date:
    """The customer's latest billing day on or before `as_of`: the start of the billing period
    containing `as_of` (periods are counted from the customer's anchor, which falls on its
    billing day, SPEC §8)."""
    return period_containing(as_of, anchor, period_months).start


def is_stale(first_line_date: date | None, last_billing: date) -> bool:
    """Whether unbilled lines starting on `first_line_date` should have been billed by the
    invoice of `last_billing` (a line dated before that day)."""
    return first_line_date is not None and first_line_date < last_billing


# -- the rows -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """One customer of the balance-by-customer list (unbilled lines are as of now)."""

    id: int
    external_ref: str | None
    name: str
    currency: str
    segment: str | None
    payment_method: str
    status: str
    unbilled_count: int
    unbilled_net: Money  # excluding tax
    unbilled_gross: Money  # including tax
    first_line_date: date | None
    last_line_date: date | None
    balance: Money
    stale: bool


@dataclass(frozen=True, slots=True)
class ReceivableRow:
    """One customer of the receivables list, at the end of the query's day. The five aged
    amounts add up to `debit`."""

    id: int
    external_ref: str | None
    name: str
    currency: str
    segment: str | None
    payment_method: str
    status: str
    balance: Money
    debit: Money  # open debits, >= 0
    credit: Money  # open credits, <= 0
    awaiting_confirmation: Money
    not_due: Money
    d1_30: Money
    d31_60: Money
    d61_90: Money
    over_90: Money


@dataclass(frozen=True, slots=True)
class ReceivableTotals:
    """The receivables of one currency, summed over the customers of the filtered list."""

    currency: str
    customers: int
    balance: Money
    debit: Money
    credit: Money
    awaiting_confirmation: Money
    not_due: Money
    d1_30: Money
    d31_60: Money
    d61_90: Money
    over_90: Money


# -- the queries ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BalanceListQuery:
    """Filters, order and page of the balance-by-customer list. `text` searches name,
    external reference and e-mail; `min_lines` keeps customers with at least that many
    unbilled lines; `stale_only` those stale as of `as_of`. A page holds `limit` rows after
    the customer `starting_after` (the last id of the previous page), in the query's order."""

    as_of: date
    segment: str | None = None
    currency: str | None = None
    payment_method: PaymentMethod | None = None
    status: CustomerStatus | None = None
    text: str | None = None
    min_lines: int = 0
    stale_only: bool = False
    sort: BalanceSort = BalanceSort.NAME
    descending: bool = False
    limit: int = DEFAULT_PAGE
    starting_after: int | None = None

    @classmethod
    def from_filters(cls, values: Mapping[str, object], *, today: date) -> BalanceListQuery:
        """A query from filters as typed: text values (or already typed ones), empty meaning
        not given; `as_of` defaults to `today`. Every fault is reported, each naming its
        field. Keys that are not filters of this list are ignored."""
        read = _Reader(values)
        query = cls(
            as_of=read.get("as_of", _date, today),
            min_lines=read.get("min_lines", _count, 0),
            stale_only=read.get("stale_only", _flag, False),
            sort=read.get("sort", _choice(BalanceSort), BalanceSort.NAME),
            **read.common(),
        )
        read.done()
        return query


@dataclass(frozen=True, slots=True)
class ReceivablesQuery:
    """Filters, order and page of the receivables list as of the end of `as_of`. `scope`
    keeps customers who owe (the default), every customer with a balance, or every
    customer; `min_overdue` those with an open debit in that bucket or an older one."""

    as_of: date
    segment: str | None = None
    currency: str | None = None
    payment_method: PaymentMethod | None = None
    status: CustomerStatus | None = None
    text: str | None = None
    scope: Scope = Scope.OWING
    min_overdue: Bucket | None = None
    sort: ReceivableSort = ReceivableSort.NAME
    descending: bool = False
    limit: int = DEFAULT_PAGE
    starting_after: int | None = None

    def __post_init__(self) -> None:
        if self.min_overdue is Bucket.NOT_DUE:
            raise InvalidInput.single(
                "min_overdue", "invalid_choice", "must be one of: d1_30, d31_60, d61_90, over_90"
            )

    @classmethod
    def from_filters(cls, values: Mapping[str, object], *, today: date) -> ReceivablesQuery:
        """A query from filters as typed (see `BalanceListQuery.from_filters`)."""
        read = _Reader(values)
        overdue = read.get("min_overdue", _choice(Bucket), None)
        if overdue is Bucket.NOT_DUE:
            read.errors.add("min_overdue", "invalid_choice", _OVERDUE_CHOICES)
            overdue = None
        query = cls(
            as_of=read.get("as_of", _date, today),
            scope=read.get("scope", _choice(Scope), Scope.OWING),
            min_overdue=overdue,
            sort=read.get("sort", _choice(ReceivableSort), ReceivableSort.NAME),
            **read.common(),
        )
        read.done()
        return query


_OVERDUE_CHOICES = "must be one of: d1_30, d31_60, d61_90, over_90"


class Lists(Protocol):
    """The read model of both lists (implemented in storage)."""

    def balance_page(self, query: BalanceListQuery) -> Page[BalanceRow]:
        """One page of the balance-by-customer list."""

    def each_balance(self, query: BalanceListQuery) -> Iterator[BalanceRow]:
        """Every row of the filtered list in its order (the page aside), streamed."""

    def receivables_page(self, query: ReceivablesQuery) -> Page[ReceivableRow]:
        """One page of the receivables list."""

    def each_receivable(self, query: ReceivablesQuery) -> Iterator[ReceivableRow]:
        """Every row of the filtered receivables in order (the page aside), streamed."""

    def receivables_totals(self, query: ReceivablesQuery) -> list[ReceivableTotals]:
        """The filtered receivables summed per currency (the page aside), by currency."""


# -- reading typed values -------------------------------------------------------------------


class _Reader:
    """Reads filters from a mapping of typed values, collecting every fault."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = values
        self.errors = FieldErrors()

    def get(self, name: str, check: Callable[[object, str], T], default: T) -> T:
        value = self.values.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return default
        try:
            return check(value, name)
        except InvalidInput as exc:
            self.errors.absorb(exc)
            return default

    def common(self) -> dict[str, Any]:
        """The filters and page both lists share."""
        return {
            "segment": self.get("segment", _text(100), None),
            "currency": self.get("currency", _currency, None),
            "payment_method": self.get("payment_method", _choice(PaymentMethod), None),
            "status": self.get("status", _choice(CustomerStatus), None),
            "text": self.get("q", _text(200), None),
            "descending": self.get("desc", _flag, False),
            "limit": self.get("limit", _limit, DEFAULT_PAGE),
            "starting_after": self.get("starting_after", _cursor, None),
        }

    def done(self) -> None:
        self.errors.raise_if_any()


def _text(max_length: int) -> Callable[[object, str], str | None]:
    return lambda value, name: clean_text(value, field=name, max_length=max_length)


def _currency(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput.single(name, "not_text", "must be text")
    return currencies.normalise(value, field=name)


def _choice(choices: type[E]) -> Callable[[object, str], E]:
    return lambda value, name: as_choice(value, field=name, choices=choices)


def _date(value: object, name: str) -> date:
    return as_date(value, field=name)


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _flag(value: object, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower() if isinstance(value, str) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInput.single(name, "not_a_boolean", "must be true or false")


def _whole(value: object, name: str, low: int, high: int) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    if number is None:
        raise InvalidInput.single(name, "not_an_integer", "must be a whole number")
    if not low <= number <= high:
        raise InvalidInput.single(name, "out_of_range", f"must be between {low} and {high}")
    return number


def _count(value: object, name: str) -> int:
    return _whole(value, name, 0, MAX_LINES)


def _limit(value: object, name: str) -> int:
    return _whole(value, name, 1, MAX_PAGE)


def _cursor(value: object, name: str) -> int:
    try:
        found = _whole(value, name, 1, 2**63 - 1)
    except InvalidInput:
        found = 0
    if not is_possible_id(found):
        raise InvalidInput.single(name, "invalid_cursor", "is not a cursor returned by this list")
    return found
