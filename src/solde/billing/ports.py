"""What billing needs from storage, as protocols. `solde.storage` implements them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from solde.billing.documents import DocType, Document, Settled, Status
from solde.billing.services import Charge, Service, ServiceInput
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.billing import BillingSettings
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import MAX_OFFSET, Page, UnitOfWork, _check_page


class Compare(StrEnum):
    """A comparison of a list filter (`invoice_balance[gt]=0`)."""

    EQ = "eq"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"

    def holds(self, left: Decimal, right: Decimal) -> bool:
        """`left <op> right`."""
        if self is Compare.EQ:
            return left == right
        if self is Compare.LT:
            return left < right
        if self is Compare.LTE:
            return left <= right
        if self is Compare.GT:
            return left > right
        return left >= right


@dataclass(frozen=True, slots=True)
class InvoiceQuery:
    """Filters of the invoices list (SPEC §12), newest first. Statuses are as of `as_of`."""

    as_of: date
    customer_id: int | None = None
    types: frozenset[DocType] = field(default_factory=frozenset)
    statuses: frozenset[Status] = field(default_factory=frozenset)
    date_from: date | None = None
    date_to: date | None = None
    group_id: int | None = None
    number: str | None = None
    currency: str | None = None
    #: comparisons in major units of each invoice's currency (`invoice_balance[gt]=0`)
    invoice_balance: tuple[tuple[Compare, Decimal], ...] = ()
    account_balance: tuple[tuple[Compare, Decimal], ...] = ()
    limit: int = 20
    starting_after: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        _check_page(self.limit, self.starting_after)
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput.single("offset", "out_of_range", "must be 0 or more")


@dataclass(frozen=True, slots=True)
class Listed:
    """A row of the invoices list: the document and what is settled on it now."""

    document: Document
    settled: Settled | None
    status: Status
    open_amount: Money  # the invoice balance as of the query's date


@dataclass(frozen=True, slots=True)
class Group:
    """An invoice group: a named set of invoices for bulk actions."""

    id: int
    name: str
    count: int = 0


@dataclass(frozen=True, slots=True)
class InvoicedTotal:
    """Per currency and status category: how many invoices and their total."""

    currency: str
    category: str  # paid, unpaid (both include partially paid), void...
    count: int
    amount: Money


@dataclass(frozen=True, slots=True)
class PaidTotal:
    """Per currency and payment method: the confirmed payments and their total."""

    currency: str
    method: PaymentMethod
    count: int
    amount: Money


class Documents(Protocol):
    """Invoices, proformas and credit notes."""

    def new_id(self) -> int:
        """An unused document id."""

    def add(self, document: Document) -> Document:
        """Keep a new document (its id from `new_id`) with its items; stamps `created_at`."""

    def get(self, document_id: int) -> Document:
        """The document, or `NotFound`."""

    def new_ids(self, count: int) -> list[int]:
        """`count` unused document ids, increasing."""

    def add_many(self, documents: Sequence[Document]) -> None:
        """Keep new documents (ids from `new_ids`) with their items and numbers."""

    def numbers_used(self, numbers: Sequence[str]) -> bool:
        """Whether any of the numbers was ever given."""

    def delete_draft(self, document: Document) -> None:
        """Remove a draft of a preview (it never had a number nor touched the balance)."""

    def replace(self, before: Document, after: Document) -> None:
        """Save `after` (items included) in place of `before`; `Conflict` if the stored
        document changed meanwhile."""

    def id_of_number(self, number: str) -> int | None:
        """The document that has, or once had, this number (numbers are never reused)."""

    def credit_notes_of(self, invoice_id: int) -> list[Document]:
        """The credit notes issued against an invoice, oldest first."""

    def last_recurring(self, customer_id: int, before: date | None = None) -> Document | None:
        """The customer's latest issued, non-void recurring invoice (dated before `before`
        when given)."""

    def settled(self, documents: Sequence[Document], as_of: date) -> dict[int, Settled]:
        """For documents with a ledger transaction: the open amount at the end of `as_of` and
        whether a payment awaiting confirmation names them."""

    def search(self, query: InvoiceQuery) -> Page[Listed]:
        """A page of the invoices list."""

    def count(self, query: InvoiceQuery) -> int:
        """How many documents match the query's filters."""

    def each(self, query: InvoiceQuery) -> Iterator[Listed]:
        """Every document matching the filters, newest first, as a stream (bulk actions,
        archives, exports); the query's page is ignored."""

    def mark_sent(self, document_ids: Sequence[int], at: object) -> int:
        """Stamp `sent_at` on documents not sent yet; how many were stamped."""

    def invoiced_totals(self, customer_id: int | None, as_of: date) -> list[InvoicedTotal]:
        """Issued invoices by currency and status category (the totals report)."""

    def paid_totals(self, customer_id: int | None, as_of: date) -> list[PaidTotal]:
        """Confirmed, unreversed payments dated up to `as_of` by currency and method."""


class Numbering(Protocol):
    """Numbering sequences: the only rows shared between customers."""

    def next_value(self, key: str) -> int:
        """Take the next value of the sequence `key` (1 first). The sequence row stays
        locked until the unit of work ends, so numbers are gapless: a rolled-back issue
        gives its number back."""

    def next_values(self, key: str, count: int) -> list[int]:
        """The next `count` values of the sequence `key`, in one step."""


class Groups(Protocol):
    """Invoice groups."""

    def add(self, name: str) -> Group:
        """A new, empty group."""

    def get(self, group_id: int) -> Group:
        """The group with its member count, or `NotFound`."""

    def all(self) -> list[Group]:
        """Every group, newest first."""

    def add_members(self, group_id: int, members: Sequence[tuple[int, int]]) -> int:
        """Add (customer id, document id) pairs not already in; how many were added."""


class BillingUnitOfWork(UnitOfWork, Protocol):
    """The ledger's unit of work plus documents, numbering and groups."""

    @property
    def documents(self) -> Documents:
        """Invoices, proformas, credit notes."""

    @property
    def numbering(self) -> Numbering:
        """Numbering sequences."""

    @property
    def groups(self) -> Groups:
        """Invoice groups."""

    @property
    def services(self) -> Services:
        """Services and their charges."""

    @property
    def runs(self) -> Runs:
        """Billing runs."""


class Services(Protocol):
    """Services of customers and the charges that billed them."""

    def add(self, customer_id: int, wanted: ServiceInput) -> Service:
        """Keep a new service (nothing billed yet)."""

    def get(self, service_id: int) -> Service:
        """The service, or `NotFound`."""

    def of_customer(self, customer_id: int) -> list[Service]:
        """Every service of the customer, ended ones included, by id."""

    def of_customers(self, customer_ids: Sequence[int]) -> dict[int, list[Service]]:
        """The services of many customers at once (billing runs)."""

    def replace(self, before: Service, after: Service) -> Service:
        """Save `after` in place of `before`; `Conflict` if the stored service changed
        meanwhile (its billing included)."""

    def bill(self, service: Service, charge: Charge) -> None:
        """Record that `charge` billed the service through `charge.last`. Refuses with
        `Conflict` when the service was billed meanwhile or the period was billed already."""

    def bill_many(self, charges: Sequence[tuple[Service, Charge]]) -> None:
        """`bill` for many services at once; `Conflict` when any was billed meanwhile."""

    def trim(self, service_id: int, through: date) -> None:
        """Shorten the service's charges to end on or before `through` (days given back)."""

    def charges_of(self, service_id: int) -> list[Charge]:
        """The charges of a service, oldest first."""

    def release(self, customer_id: int, document_id: int) -> list[Charge]:
        """Forget the charges of a voided invoice; a service whose latest billing they were
        is billed again from their first day. Returns the released charges."""


class RunStatus(StrEnum):
    """Where a billing run stands."""

    PREVIEW = "preview"  # drafts made, waiting to be confirmed or discarded
    RUNNING = "running"
    COMPLETED = "completed"
    DISCARDED = "discarded"


class Outcome(StrEnum):
    """What a billing run did for one customer."""

    INVOICED = "invoiced"
    DRAFTED = "drafted"  # a preview's draft
    SKIPPED = "skipped"  # nothing to bill, a zero total, not the customer's billing day...
    PARKED = "parked"  # billing failed; the reason is kept and the customer can be re-run
    DISCARDED = "discarded"  # a preview's draft thrown away


#: Outcomes after which a run of the same date leaves the customer alone.
FINAL_OUTCOMES = frozenset({Outcome.INVOICED, Outcome.SKIPPED})


@dataclass(frozen=True, slots=True)
class RunOptions:
    """The options of a billing run (SPEC §8)."""

    preview: bool = False
    skip_zero_invoices: bool = True
    balance_only_accounts: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """A billing run for one date."""

    id: int
    date: date
    options: RunOptions
    status: RunStatus
    total: int  # customers selected
    created_by: str | None = None
    created_at: object = None
    finished_at: object = None


@dataclass(frozen=True, slots=True)
class CustomerOutcome:
    """One customer's result in a run."""

    run_id: int
    customer_id: int
    outcome: Outcome
    document_id: int | None = None
    reason: str | None = None
    total: Money | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a run has come: customers per outcome."""

    total: int
    counts: dict[str, int]

    @property
    def done(self) -> int:
        """Customers with any outcome."""
        return sum(self.counts.values())


class Runs(Protocol):
    """Billing runs and what they did per customer."""

    def add(self, day: date, options: RunOptions, status: RunStatus) -> Run:
        """A new run."""

    def get(self, run_id: int) -> Run:
        """The run, or `NotFound`."""

    def latest(self, limit: int) -> list[Run]:
        """The newest runs first."""

    def open_run(self, day: date) -> Run | None:
        """The run of `day` that is running or completed (not a preview), if any."""

    def set_status(self, run_id: int, status: RunStatus, *, total: int | None = None) -> None:
        """Change a run's status (and the number of customers it selected)."""

    def candidates(self, day: date, defaults: BillingSettings) -> list[int]:
        """Customers a run of `day` must look at, by id: billing on and invoiced automatically
        by runs, not inactive, and `day` is on their billing day of month or one of their
        services waits to be billed at activation."""

    def record(self, outcome: CustomerOutcome, day: date | None = None) -> None:
        """Keep (or replace) a customer's outcome in a run (`day`: the run's date, when the
        caller knows it)."""

    def record_many(self, outcomes: Sequence[CustomerOutcome], day: date) -> None:
        """Keep (or replace) outcomes of one run of `day`."""

    def finished_on(self, day: date) -> set[int]:
        """Customers already invoiced or skipped by a run of `day` (not discarded)."""

    def outcomes(
        self, run_id: int, *, outcome: Outcome | None = None, limit: int = 100, after: int = 0
    ) -> list[CustomerOutcome]:
        """Outcomes of a run by customer id, after the customer id `after`."""

    def outcomes_of(self, run_id: int, customer_ids: Sequence[int]) -> dict[int, CustomerOutcome]:
        """The outcomes in a run of the given customers that have one."""

    def progress(self, run_id: int) -> Progress:
        """How many customers reached each outcome."""
