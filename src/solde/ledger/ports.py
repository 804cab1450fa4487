"""What the ledger needs from storage, as protocols. `solde.storage` implements them.

Use cases receive a `UnitOfWork`; they never open, commit or roll back anything themselves. The
entry point opens the unit of work, calls one use case, and commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from solde.domain import currency as currencies
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.domain.values import as_choice, as_int, clean_text, is_possible_id
from solde.ledger.balance import Balance, BalanceDelta
from solde.ledger.customers import Customer, CustomerDetails, CustomerStatus
from solde.ledger.model import (
    Allocation,
    AllocationLink,
    AllocationSource,
    AllocationStep,
    Kind,
    NewTransaction,
    PaymentMethod,
    State,
    Transaction,
    TxType,
)
from solde.ledger.settings import Settings

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)

#: Most rows one page of a list may hold.
MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, newest first; `has_more` tells whether another page follows."""

    items: tuple[T, ...]
    has_more: bool


def _check_page(limit: int, starting_after: int | None) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput.single("limit", "out_of_range", f"must be between 1 and {MAX_PAGE}")
    if starting_after is not None and not is_possible_id(starting_after):
        raise InvalidInput.single(
            "starting_after", "invalid_cursor", "is not a cursor returned by this list"
        )


#: The deepest offset a list accepts (further: narrow the filters, or walk with the cursor).
MAX_OFFSET = 1_000_000


class BalanceFilter(StrEnum):
    """Customers by the sign of their balance now (SPEC §1)."""

    OWES = "owes"  # balance > 0
    CREDIT = "credit"  # balance < 0
    SETTLED = "settled"  # balance == 0


class CustomerSort(StrEnum):
    """Orders of the customer list. Every order ends with the id (ascending, except in
    `newest`), so that two customers never tie and offset pages never overlap.

    The balance orders compare balances in minor units, whatever the currency: they are meant
    for a list filtered by currency (across currencies 100 JPY would sort above 99.00 EUR).
    """

    NEWEST = "newest"  # id descending (the default; the only order cursors work with)
    OLDEST = "oldest"  # id ascending
    NAME = "name"  # name A→Z, case-insensitive, then id
    BALANCE_DESC = "balance_desc"  # owes most first, then id
    BALANCE_ASC = "balance_asc"  # most credit first, then id


def _choice_or_none(value: object, *, field: str, choices: type[E]) -> E | None:
    """A choice given as its text (or as itself); None when not given or blank."""
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return None
    return as_choice(value, field=field, choices=choices)


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """Filters, order and page of the customer list. `text` searches name, e-mail and external
    reference; `balance` keeps customers who owe, are in credit or are settled now.

    Pages: `limit` rows after skipping `offset` rows, in any order; or, newest first only,
    the rows after the cursor `starting_after` (never together with an offset).
    """

    segment: str | None = None
    currency: str | None = None
    payment_method: PaymentMethod | None = None
    status: CustomerStatus | None = None
    text: str | None = None
    limit: int = 20
    starting_after: int | None = None
    balance: BalanceFilter | None = None
    sort: CustomerSort = CustomerSort.NEWEST
    offset: int = 0

    @classmethod
    def from_filters(
        cls,
        *,
        segment: str | None = None,
        currency: str | None = None,
        payment_method: PaymentMethod | None = None,
        status: CustomerStatus | None = None,
        text: str | None = None,
        limit: int = 20,
        starting_after: int | None = None,
        balance: BalanceFilter | str | None = None,
        sort: CustomerSort | str | None = None,
        offset: int = 0,
    ) -> CustomerQuery:
        """A query from filters as a user typed them (API query string, CLI options, a form).
        `balance` and `sort` may be given as their text values; empty means none (any
        balance, newest first)."""
        return cls(
            segment=clean_text(segment, field="segment", max_length=100),
            currency=None if currency is None else currencies.normalise(currency),
            payment_method=payment_method,
            status=status,
            text=clean_text(text, field="q", max_length=200),
            limit=limit,
            starting_after=starting_after,
            balance=_choice_or_none(balance, field="balance", choices=BalanceFilter),
            sort=_choice_or_none(sort, field="sort", choices=CustomerSort) or CustomerSort.NEWEST,
            offset=offset,
        )

    def __post_init__(self) -> None:
        _check_page(self.limit, self.starting_after)
        as_int(self.offset, field="offset", low=0, high=MAX_OFFSET)
        if self.starting_after is None:
            return
        if self.sort != CustomerSort.NEWEST:
            raise InvalidInput.single(
                "starting_after",
                "cursor_not_allowed",
                "works only with the newest-first order; page other orders with offset",
            )
        if self.offset:
            raise InvalidInput.single(
                "starting_after", "cursor_not_allowed", "cannot be combined with offset"
            )


@dataclass(frozen=True, slots=True)
class TransactionQuery:
    """Filters of a customer's transactions."""

    customer_id: int
    states: frozenset[State] = field(default_factory=frozenset)
    kind: Kind | None = None
    types: frozenset[TxType] = field(default_factory=frozenset)
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 20
    starting_after: int | None = None

    def __post_init__(self) -> None:
        _check_page(self.limit, self.starting_after)


class Customers(Protocol):
    """Customer records."""

    def add(self, details: CustomerDetails) -> Customer:
        """Keep a new customer (and its empty balance) and return it with its id."""

    def get(self, customer_id: int) -> Customer:
        """The customer, or `NotFound`."""

    def lock(self, customer_id: int) -> Customer:
        """The customer, holding its lock until the unit of work ends: balance-changing
        operations on one customer run one after the other. `NotFound` if absent."""

    def lock_many(self, customer_ids: Sequence[int]) -> dict[int, Customer]:
        """The customers that exist among `customer_ids`, locked as `lock` does (in id order,
        so that two bulk operations never deadlock)."""

    def update(self, customer: Customer) -> None:
        """Save changed details."""

    def id_of_external_ref(self, external_ref: str) -> int | None:
        """The id of the customer with this external reference, if any."""

    def search(self, query: CustomerQuery) -> Page[Customer]:
        """A page of customers in the query's order (newest first by default)."""

    def count(self, query: CustomerQuery) -> int:
        """How many customers match the query's filters (its page, offset and cursor aside)."""

    def has_entries(self, customer_id: int) -> bool:
        """True once any transaction or line exists for the customer."""


class Transactions(Protocol):
    """Transactions and unbilled lines."""

    def add(self, new: NewTransaction, *, created_by: str) -> Transaction:
        """Keep a new transaction and return it with its id."""

    def new_ids(self, count: int) -> list[int]:
        """`count` unused transaction ids, increasing (for `add_many`)."""

    def add_many(self, items: Sequence[Transaction]) -> None:
        """Keep transactions whose ids came from `new_ids`, in one statement."""

    def get(self, transaction_id: int) -> Transaction:
        """The transaction, or `NotFound`."""

    def replace(self, before: Transaction, after: Transaction) -> None:
        """Save `after` in place of `before`, refusing (`Conflict`) if the stored row is no
        longer `before` (its state or open amount changed meanwhile)."""

    def replace_many(self, changes: Sequence[tuple[Transaction, Transaction]]) -> None:
        """`replace` for several (before, after) pairs at once."""

    def settle_many(self, changes: Sequence[tuple[Transaction, Transaction]]) -> None:
        """`replace_many` for pairs that differ only in open amount, state and `allocated_on`
        (what an allocation changes): writes those three columns alone."""

    def open_items(self, customer_id: int) -> list[Transaction]:
        """Every posted transaction of the customer with an open amount."""

    def unbilled_up_to(self, customer_id: int, day: date) -> list[Transaction]:
        """The customer's unbilled lines dated on or before `day`, oldest first."""

    def unbilled_of(self, customer_ids: Sequence[int], day: date) -> dict[int, list[Transaction]]:
        """`unbilled_up_to` of several customers, by customer (a customer without lines is
        absent)."""

    def of_invoice(self, customer_id: int, invoice_id: int) -> list[Transaction]:
        """The customer's transactions that name invoice `invoice_id` (its own transaction,
        the lines it billed, payments and credit notes for it), by id."""

    def open_items_of(self, customer_ids: Sequence[int]) -> dict[int, list[Transaction]]:
        """`open_items` of several customers at once."""

    def search(self, query: TransactionQuery) -> Page[Transaction]:
        """A page of a customer's transactions, newest first."""

    def reversal_of(self, transaction_id: int) -> Transaction | None:
        """The transaction that reverses this one, if any."""

    def reversed_among(self, transaction_ids: Sequence[int]) -> set[int]:
        """Those of `transaction_ids` that another transaction reverses."""

    def related_totals(self, transaction_ids: Sequence[int], tx_type: TxType) -> dict[int, Money]:
        """`related_total` of several transactions at once (absent: none related)."""

    def related_total(self, transaction_id: int, tx_type: TxType) -> Money | None:
        """Sum of the posted transactions of `tx_type` related to this one (chargebacks of a
        payment), None when there are none."""

    def pending_total(self, customer_id: int, tx_type: TxType) -> Money | None:
        """Sum of the payments or refunds of `tx_type` awaiting confirmation, None if none."""


class Allocations(Protocol):
    """Allocations between open credits and open debits."""

    def add(
        self,
        customer_id: int,
        credit_id: int,
        debit_id: int,
        amount: Money,
        day: date,
        source: AllocationSource,
    ) -> Allocation:
        """Keep one allocation (negative to undo part of an earlier one)."""

    def add_many(
        self, customer_id: int, steps: Sequence[AllocationStep], source: AllocationSource
    ) -> list[Allocation]:
        """Keep several allocations of one customer, in order."""

    def add_for_customers(
        self, steps: Sequence[tuple[int, AllocationStep]], source: AllocationSource
    ) -> list[Allocation]:
        """Keep allocations of several customers (customer id, step), in order."""

    def links(
        self, customer_id: int, transaction_ids: Sequence[int]
    ) -> dict[int, list[AllocationLink]]:
        """For each transaction, the net amount settled with each other transaction (non-zero)."""


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    """The aggregate rows of every customer of one currency, summed (the balance report).

    `owing`, `in_credit` and `settled` count customers whose balance is above, below and at
    zero; `owed` sums the positive balances (≥ 0), `credit` the negative ones (≤ 0);
    `awaiting` sums what awaits bank confirmation (payments negative, refunds positive)."""

    currency: str
    customers: int
    owing: int
    in_credit: int
    settled: int
    owed: Money
    credit: Money
    awaiting: Money


class Balances(Protocol):
    """The per-customer aggregate row."""

    def get(self, customer_id: int) -> Balance:
        """The balance now."""

    def as_of(self, customer_id: int, day: date) -> Balance:
        """The balance at the end of `day`; the same answer whenever it is asked. `NotFound`
        for a customer that does not exist."""

    def apply(self, customer_id: int, delta: BalanceDelta) -> None:
        """Add a change to the aggregate, in the current database transaction."""

    def get_many(self, customer_ids: Sequence[int]) -> dict[int, Balance]:
        """The balances now of several customers."""

    def apply_many(self, changes: Sequence[tuple[int, BalanceDelta]]) -> None:
        """`apply` for several (customer id, change) pairs at once."""

    def each(self) -> Iterator[Balance]:
        """Every customer's balance now, by customer id, read as a stream (lists, exports)."""

    def reset_currency(self, customer_id: int, currency: str) -> None:
        """Change the currency of an empty balance."""

    def totals(self) -> list[CurrencyTotals]:
        """One row per currency that has customers, from the aggregate rows (never from
        history), in any order."""

    def history(self, days: Sequence[date]) -> dict[str, list[Money]]:
        """Per currency, the net balance of all its customers at the end of each of `days`
        (in the order given): the signed amounts of posted transactions dated up to that day,
        as the balance card as of that day counts them. A currency without any posted
        transaction may be absent."""


class SettingsStore(Protocol):
    """The global settings."""

    def get(self) -> Settings:
        """Current settings (defaults where nothing was saved)."""

    def save(self, settings: Settings) -> None:
        """Keep the settings."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One thing done, for the audit log."""

    action: str
    customer_id: int | None
    object_type: str
    object_id: int | None
    details: Mapping[str, Any]


class AuditLog(Protocol):
    """Who did what and when."""

    def record(
        self,
        action: str,
        *,
        customer_id: int | None,
        object_type: str,
        object_id: int | None,
        details: Mapping[str, Any],
    ) -> None:
        """Add an entry; storage stamps it with the actor and the time."""

    def record_many(self, entries: Sequence[AuditEntry]) -> None:
        """Add several entries at once."""


class UnitOfWork(Protocol):
    """One database transaction and the repositories that work inside it."""

    @property
    def actor(self) -> str:
        """Who acts (for the audit log and `created_by`)."""

    @property
    def customers(self) -> Customers:
        """Customer records."""

    @property
    def transactions(self) -> Transactions:
        """Transactions and lines."""

    @property
    def allocations(self) -> Allocations:
        """Allocations."""

    @property
    def balances(self) -> Balances:
        """Per-customer aggregates."""

    @property
    def settings(self) -> SettingsStore:
        """Global settings."""

    @property
    def audit(self) -> AuditLog:
        """The audit log."""
