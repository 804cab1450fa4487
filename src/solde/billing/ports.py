"""What billing needs from storage, as protocols. `solde.storage` implements them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from solde.billing.documents import DocType, Document, Settled, Status
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
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

    def replace(self, before: Document, after: Document) -> None:
        """Save `after` (items included) in place of `before`; `Conflict` if the stored
        document changed meanwhile."""

    def id_of_number(self, number: str) -> int | None:
        """The document that has, or once had, this number (numbers are never reused)."""

    def credit_notes_of(self, invoice_id: int) -> list[Document]:
        """The credit notes issued against an invoice, oldest first."""

    def last_recurring(self, customer_id: int) -> Document | None:
        """The customer's latest issued, non-void recurring invoice."""

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
