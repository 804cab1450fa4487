"""Reading documents with everything around them: status, invoice balance, linked payments and
credit notes, what may still be done (SPEC §5). The API, the CLI and the back office show this."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from solde.billing import documents
from solde.billing.documents import DocState, Document, Settled, Status, editable_fields, status
from solde.billing.ports import BillingUnitOfWork, InvoicedTotal, InvoiceQuery, Listed, PaidTotal
from solde.domain.money import Money
from solde.ledger.model import State, Transaction, TxType
from solde.ledger.ports import Page


@dataclass(frozen=True, slots=True)
class Link:
    """A transaction linked to a document and what was settled between them (zero for a
    payment still awaiting bank confirmation)."""

    transaction: Transaction
    amount: Money


@dataclass(frozen=True, slots=True)
class InvoiceView:
    """A document as a user sees it on a date."""

    document: Document
    status: Status
    open_amount: Money  # the invoice balance
    payments: tuple[Link, ...]  # payments, credits and credit notes that settled it, pending
    credit_notes: tuple[Document, ...]
    credit_of: Document | None  # a credit note: the invoice it corrects
    converted: Document | None  # a proforma: its invoice; an invoice: its proforma
    editable: frozenset[str]
    void_refusal: str | None
    creditable: Money | None  # what may still be credited (issued invoices only)
    as_of: date


def open_amount_of(doc: Document, settled: Settled | None, as_of: date | None = None) -> Money:
    """The invoice balance at the end of `as_of` (default: now): what is left to pay (nothing
    on a void, converted or zero document; the total of a proforma or draft)."""
    void = doc.state is DocState.VOID and (
        as_of is None or doc.voided_on is None or doc.voided_on <= as_of
    )
    if void or doc.state is DocState.CONVERTED:
        return Money.zero(doc.currency)
    return doc.total if settled is None else settled.open_amount


def describe(uow: BillingUnitOfWork, doc: Document, *, as_of: date) -> InvoiceView:
    """Everything shown about one document at the end of `as_of`."""
    settled = uow.documents.settled([doc], as_of).get(doc.id)
    other = doc.converted_to or doc.converted_from
    state = status(doc, settled, as_of=as_of)
    view = _view(uow, doc, settled, state, open_amount_of(doc, settled, as_of), as_of)
    return replace(
        view,
        credit_of=None if doc.credit_of is None else uow.documents.get(doc.credit_of),
        converted=None if other is None else uow.documents.get(other),
        void_refusal=documents.void_refusal(doc, settled, credited=bool(view.credit_notes)),
    )


def describe_row(uow: BillingUnitOfWork, row: Listed, *, as_of: date) -> InvoiceView:
    """A row of the invoices list with its payments and credit notes, as the list's query
    saw it (status and invoice balance as of `as_of`); the documents it links to are left
    out."""
    return _view(uow, row.document, row.settled, row.status, row.open_amount, as_of)


def _view(
    uow: BillingUnitOfWork,
    doc: Document,
    settled: Settled | None,
    state: Status,
    open_amount: Money,
    as_of: date,
) -> InvoiceView:
    notes = tuple(uow.documents.credit_notes_of(doc.id)) if not doc.is_credit_note else ()
    is_open_invoice = doc.type.is_invoice and doc.state is DocState.ISSUED
    return InvoiceView(
        document=doc,
        status=state,
        open_amount=open_amount,
        payments=tuple(links_of(uow, doc)),
        credit_notes=notes,
        credit_of=None,
        converted=None,
        editable=editable_fields(doc, settled),
        void_refusal=None,
        creditable=documents.left_to_credit(doc, notes) if is_open_invoice else None,
        as_of=as_of,
    )


def links_of(uow: BillingUnitOfWork, doc: Document) -> list[Link]:
    """What settled the document's transaction (payments, credit notes, credits), then the
    payments awaiting confirmation that name it."""
    found: list[Link] = []
    if doc.transaction_id is not None:
        links = uow.allocations.links(doc.customer_id, [doc.transaction_id])
        for link in links.get(doc.transaction_id, []):
            other = uow.transactions.get(link.transaction_id)
            if other.reverses_id != doc.transaction_id:
                found.append(Link(other, link.amount))
    if doc.type.is_invoice:
        for tx in uow.transactions.of_invoice(doc.customer_id, doc.id):
            if tx.type is TxType.PAYMENT and tx.state is State.PENDING:
                found.append(Link(tx, Money.zero(doc.currency)))
    return found


def invoices_paid_by(uow: BillingUnitOfWork, transaction_id: int) -> list[tuple[Document, Money]]:
    """The invoices a payment (or any credit) settled, with how much of each."""
    tx = uow.transactions.get(transaction_id)
    links = uow.allocations.links(tx.customer_id, [tx.id]).get(tx.id, [])
    found: list[tuple[Document, Money]] = []
    for link in links:
        other = uow.transactions.get(link.transaction_id)
        if other.type is TxType.INVOICE and other.invoice_id is not None:
            found.append((uow.documents.get(other.invoice_id), link.amount))
    return found


def list_invoices(uow: BillingUnitOfWork, query: InvoiceQuery) -> Page[Listed]:
    """A page of the invoices list, newest first."""
    if query.customer_id is not None:
        uow.customers.get(query.customer_id)
    if query.group_id is not None:
        uow.groups.get(query.group_id)
    return uow.documents.search(query)


def count_invoices(uow: BillingUnitOfWork, query: InvoiceQuery) -> int:
    """How many documents match the filters."""
    return uow.documents.count(query)


def each_invoice(uow: BillingUnitOfWork, query: InvoiceQuery) -> Iterator[Listed]:
    """Every document matching the filters, as a stream."""
    return uow.documents.each(query)


@dataclass(frozen=True, slots=True)
class Totals:
    """The totals report (SPEC §12): invoiced by status category, paid by method."""

    as_of: date
    customer_id: int | None
    invoiced: tuple[InvoicedTotal, ...]
    paid: tuple[PaidTotal, ...]


def totals(uow: BillingUnitOfWork, *, customer_id: int | None, as_of: date) -> Totals:
    """Total invoiced (count and amount: paid, which includes partially paid; unpaid, which
    includes partially paid and overdue) and total paid by payment method, per currency."""
    if customer_id is not None:
        uow.customers.get(customer_id)
    return Totals(
        as_of=as_of,
        customer_id=customer_id,
        invoiced=tuple(uow.documents.invoiced_totals(customer_id, as_of)),
        paid=tuple(uow.documents.paid_totals(customer_id, as_of)),
    )
