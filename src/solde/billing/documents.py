"""Finance documents: invoices (one-time, recurring, proforma) and credit notes (SPEC §5, §7).

A document is kept with its items and totals. Its *state* is what happened to it (draft,
issued, converted, void); its *status* (unpaid, pending, partially paid, paid, overdue, void,
...) is derived, as of a date, from the state, the due date and what is settled on its ledger
transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from solde.domain.money import Money, money_sum


class DocType(StrEnum):
    """What a document is."""

    ONE_TIME = "one_time"
    RECURRING = "recurring"
    PROFORMA = "proforma"
    CREDIT_NOTE = "credit_note"

    @property
    def numbering(self) -> str:
        """The numbering format it follows (settings `numbering`)."""
        if self is DocType.CREDIT_NOTE:
            return "credit_note"
        if self is DocType.PROFORMA:
            return "proforma"
        return "invoice"

    @property
    def is_invoice(self) -> bool:
        """A real invoice: posted to the balance when issued."""
        return self in (DocType.ONE_TIME, DocType.RECURRING)


INVOICE_TYPES = (DocType.ONE_TIME, DocType.RECURRING, DocType.PROFORMA)


class DocState(StrEnum):
    """What happened to a document (kept); the status is derived from it."""

    DRAFT = "draft"  # a billing-run preview: no number, no effect on the balance
    ISSUED = "issued"
    CONVERTED = "converted"  # a proforma turned into an invoice
    VOID = "void"


class Status(StrEnum):
    """Status of an invoice as of a date (SPEC §5), plus `converted` for a proforma that
    became an invoice and `issued` for a credit note."""

    DRAFT = "draft"
    UNPAID = "unpaid"
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"
    CONVERTED = "converted"
    ISSUED = "issued"


@dataclass(frozen=True, slots=True)
class Item:
    """One line of a document. Amounts are signed: a credit line lowers the total.

    `transaction_id` names the unbilled line it came from, `service_id` the service it bills
    (for `period_start`..`period_end`); typed items have neither."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Money
    tax: Money
    gross: Money
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    transaction_id: int | None = None
    service_id: int | None = None

    @property
    def is_typed(self) -> bool:
        """Typed in by a user (not loaded from an unbilled line nor billed for a service)."""
        return self.transaction_id is None and self.service_id is None


@dataclass(frozen=True, slots=True)
class Document:
    """An invoice, proforma or credit note as kept."""

    id: int
    customer_id: int
    type: DocType
    state: DocState
    number: str | None
    document_date: dt.date
    due_date: dt.date
    currency: str
    net: Money
    tax: Money
    total: Money
    items: tuple[Item, ...]
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    transaction_id: int | None = None  # the invoice's debit, or the credit note's credit
    credit_of: int | None = None  # a credit note: the invoice it corrects
    converted_to: int | None = None  # a proforma: the invoice made from it
    converted_from: int | None = None  # an invoice made from a proforma
    account_balance: Money | None = None  # the customer's balance right after issue
    paid_from_balance: bool = False
    reason: str | None = None  # a credit note's reason
    note: str | None = None  # printed on the document
    memo: str | None = None  # internal, never printed
    custom_fields: dict[str, str] = field(default_factory=dict)
    sent_at: dt.datetime | None = None
    issued_on: dt.date | None = None
    voided_on: dt.date | None = None
    void_reason: str | None = None
    partner_id: int = 1
    created_by: str | None = None
    created_at: dt.datetime | None = None

    @property
    def is_credit_note(self) -> bool:
        """True for a credit note."""
        return self.type is DocType.CREDIT_NOTE


@dataclass(frozen=True, slots=True)
class Settled:
    """What is known of a document's ledger transaction as of a date."""

    open_amount: Money  # the invoice balance
    pending_payment: bool  # a payment awaiting bank confirmation names the invoice


def status(doc: Document, settled: Settled | None, *, as_of: dt.date) -> Status:
    """The status of `doc` at the end of `as_of` (SPEC §5): void and draft first; then paid
    when nothing is left open; pending when a payment awaiting confirmation names it; overdue
    when something is open after the due date (overdue wins over partially paid); partially
    paid; unpaid."""
    if doc.state is DocState.VOID and (doc.voided_on is None or doc.voided_on <= as_of):
        return Status.VOID
    if doc.state is DocState.DRAFT:
        return Status.DRAFT
    if doc.type is DocType.PROFORMA:
        return _proforma_status(doc, as_of)
    if doc.is_credit_note:
        return Status.ISSUED
    open_amount = doc.total if settled is None else settled.open_amount
    if open_amount.is_zero():
        return Status.PAID
    if settled is not None and settled.pending_payment:
        return Status.PENDING
    if as_of > doc.due_date:
        return Status.OVERDUE
    if open_amount < doc.total:
        return Status.PARTIALLY_PAID
    return Status.UNPAID


def _proforma_status(doc: Document, as_of: dt.date) -> Status:
    if doc.state is DocState.CONVERTED:
        return Status.CONVERTED
    return Status.OVERDUE if as_of > doc.due_date else Status.UNPAID


#: Fields an invoice edit may name (SPEC §5), and which each status still allows.
EDITABLE: dict[str, frozenset[str]] = {
    "full": frozenset(
        {
            "note",
            "memo",
            "custom_fields",
            "document_date",
            "due_date",
            "number",
            "items",
            "period_start",
            "period_end",
        }
    ),
    "partially_paid": frozenset(
        {"note", "memo", "custom_fields", "document_date", "due_date", "number"}
    ),
    "paid": frozenset({"note", "memo", "custom_fields"}),
    "void": frozenset(),
}


def editable_fields(doc: Document, settled: Settled | None) -> frozenset[str]:
    """The fields of `doc` that may still change: everything while nothing is settled on it;
    dates and number once part is settled; only note, memo and custom fields once paid;
    nothing once void. A proforma may change while not converted; a credit note only its
    note, memo and custom fields."""
    if doc.state in (DocState.VOID, DocState.CONVERTED):
        return EDITABLE["void"]
    if doc.is_credit_note:
        return EDITABLE["paid"]
    if doc.type is DocType.PROFORMA or doc.state is DocState.DRAFT:
        return EDITABLE["full"]
    if settled is None:  # an invoice of zero: paid from the start
        return EDITABLE["paid"]
    if settled.open_amount.is_zero():
        return EDITABLE["paid"]
    if settled.open_amount < doc.total:
        return EDITABLE["partially_paid"]
    return EDITABLE["full"]


def name_of(doc: Document) -> str:
    """How messages name a document: `invoice 202601000001`, `credit note CN2026-00001`."""
    kind = {DocType.CREDIT_NOTE: "credit note", DocType.PROFORMA: "proforma"}.get(
        doc.type, "invoice"
    )
    return f"{kind} {doc.number or doc.id}"


def void_refusal(doc: Document, settled: Settled | None, *, credited: bool) -> str | None:
    """Why `doc` cannot be voided, or None when it can (SPEC §5): a credit note, a void or
    converted document, an invoice with credit notes (`credited`), a payment awaiting
    confirmation, or anything settled on it."""
    name = name_of(doc)
    if doc.is_credit_note:
        return f"{name}: a credit note cannot be voided; issue an invoice or a charge instead"
    if doc.state is DocState.VOID:
        return f"{name} is already void"
    if doc.state is DocState.CONVERTED:
        return f"{name} was converted to an invoice: void the invoice instead"
    if credited:
        return f"{name} has credit notes: it can no longer be voided"
    if settled is not None and settled.pending_payment:
        return f"{name} has a payment awaiting bank confirmation"
    if settled is not None and settled.open_amount < doc.total:
        return f"{name} has settled amounts: correct it with a credit note instead"
    return None


def left_to_credit(invoice: Document, credit_notes: Sequence[Document]) -> Money:
    """What may still be credited on an invoice: its total less its credit notes (SPEC §7)."""
    return invoice.total - money_sum([n.total for n in credit_notes], invoice.currency)


def as_summary(doc: Document) -> dict[str, Any]:
    """A short description for the audit log."""
    return {
        "type": doc.type.value,
        "number": doc.number,
        "total": str(doc.total),
        "document_date": doc.document_date.isoformat(),
    }
