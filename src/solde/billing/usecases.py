"""Use cases of invoices, proformas and credit notes (SPEC §5, §7).

Each function is one thing a user does; it receives the unit of work and `on`, the business
day. Issuing locks the customer, takes a number, posts the document's ledger transaction,
bills the unbilled lines it holds and settles; a refused step leaves nothing behind because
the entry point commits only when the use case returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from solde.billing import documents, ledgering, recurring
from solde.billing.composing import Composition, compose
from solde.billing.documents import (
    DocState,
    DocType,
    Document,
    Settled,
    as_summary,
)
from solde.billing.drafting import new_document
from solde.billing.inputs import InvoiceInput, parse_credit_note, parse_invoice
from solde.billing.numbers import take_number
from solde.billing.ports import BillingUnitOfWork
from solde.billing.subscriptions import cancel_given_back
from solde.domain.errors import InvalidInput, InvalidState, NotFound
from solde.domain.money import Money, money_sum
from solde.domain.values import InputReader, as_date, clean_text
from solde.ledger.customers import Customer
from solde.settlement.allocating import auto_settle

# -- invoices and proformas -----------------------------------------------------------------


def create_invoice(
    uow: BillingUnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Document:
    """Issue a one-time or recurring invoice, or a proforma, for a customer.

    An invoice takes typed items and, with `include_unbilled`, every unbilled line dated on or
    before its date; gets its number; posts one `invoice` debit of its total; marks its lines
    billed and settles at once (existing credit pays it: `paid_from_balance`). A proforma gets
    a number of its own sequence and does not touch the balance."""
    customer = uow.customers.lock(customer_id)
    wanted = parse_invoice(values, currency=customer.currency, on=on)
    if wanted.type is DocType.PROFORMA:
        return _issue_proforma(uow, customer, wanted, on=on)
    _check_invoice_date(uow, wanted.date, on)
    lines = (
        uow.transactions.unbilled_up_to(customer.id, wanted.date) if wanted.include_unbilled else []
    )
    billed = _service_lines(uow, customer, wanted)
    if billed:
        wanted = replace(
            wanted,
            items=tuple(x.item for x in billed) + wanted.items,
            period_start=wanted.period_start or min(x.first for x in billed),
            period_end=wanted.period_end or max(x.last for x in billed),
        )
    composition = compose(wanted.items, lines, currency=customer.currency)
    if not composition.items:
        day = wanted.date.isoformat()
        if wanted.include_services:
            raise InvalidInput.single(
                "include_services",
                "nothing_to_bill",
                f"the customer has no service to bill nor unbilled line up to {day}",
            )
        raise InvalidInput.single(
            "include_unbilled",
            "nothing_to_bill",
            f"the customer has no unbilled line dated on or before {day}",
        )
    doc = issue(uow, customer, wanted, composition, on=on)
    recurring.record_charges(uow, billed, doc.id)
    return doc


def _service_lines(
    uow: BillingUnitOfWork, customer: Customer, wanted: InvoiceInput
) -> list[recurring.ServiceLine]:
    """A recurring invoice made by hand bills the services as a run would on its date."""
    if not wanted.include_services:
        return []
    billing = customer.billing_settings(uow.settings.get())
    services = uow.services.of_customer(customer.id)
    return recurring.service_lines(services, billing, wanted.date, customer.currency)


def _check_invoice_date(uow: BillingUnitOfWork, day: date, on: date) -> None:
    if day > on:
        raise InvalidInput.single(
            "date", "in_future", f"an invoice cannot be dated after today ({on.isoformat()})"
        )
    uow.settings.get().check_open(day)


def issue(
    uow: BillingUnitOfWork,
    customer: Customer,
    wanted: InvoiceInput,
    composition: Composition,
    *,
    on: date,
    converted_from: int | None = None,
) -> Document:
    """Issue a composed invoice: number, ledger posting, billed lines, settlement, document."""
    doc_id = uow.documents.new_id()
    number = take_number(uow, wanted.type, wanted.date, customer)
    tx = ledgering.post_invoice(uow, customer, doc_id, number, composition, wanted.date, on=on)
    ledgering.bill_lines(uow, composition, doc_id, on=on)
    made = auto_settle(uow, customer, on=on)
    open_amount = ledgering.left_open(tx, made)
    doc = replace(
        _new_document(uow, customer, wanted, composition, doc_id, number, on=on),
        transaction_id=None if tx is None else tx.id,
        converted_from=converted_from,
        account_balance=uow.balances.get(customer.id).balance,
        paid_from_balance=open_amount is not None and open_amount.is_zero(),
    )
    saved = uow.documents.add(doc)
    _audit(uow, "invoice.issued", saved, {"lines": len(composition.billed)})
    return saved


def _new_document(
    uow: BillingUnitOfWork,
    customer: Customer,
    wanted: InvoiceInput,
    composition: Composition,
    doc_id: int,
    number: str,
    *,
    on: date,
) -> Document:
    """The document as issued, before anything the ledger adds to it."""
    terms = customer.billing_settings(uow.settings.get()).payment_due_days
    return new_document(
        customer,
        wanted,
        composition,
        doc_id=doc_id,
        number=number,
        payment_due_days=terms,
        actor=uow.actor,
        on=on,
    )


def _issue_proforma(
    uow: BillingUnitOfWork, customer: Customer, wanted: InvoiceInput, *, on: date
) -> Document:
    composition = compose(wanted.items, [], currency=customer.currency)
    doc_id = uow.documents.new_id()
    number = take_number(uow, DocType.PROFORMA, wanted.date, customer)
    doc = _new_document(uow, customer, wanted, composition, doc_id, number, on=on)
    saved = uow.documents.add(doc)
    _audit(uow, "proforma.issued", saved, {})
    return saved


def convert_proforma(
    uow: BillingUnitOfWork, proforma_id: int, values: Mapping[str, object], *, on: date
) -> Document:
    """Turn a proforma into a one-time invoice with the same items (e.g. when its payment
    arrives): the invoice is dated `date` (default today) and issued as any invoice; the
    proforma is kept, `converted`, and names the invoice. Returns the invoice."""
    proforma, customer = _locked(uow, proforma_id, kind="proforma")
    reader = InputReader(values, allowed={"date", "due_date"}, what="a conversion")
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    due = reader.read("due_date", lambda v, f: as_date(v, field=f), None)
    if due is not None and due < day:
        reader.fail("due_date", "before_date", "cannot be before the document date")
    reader.done()
    if proforma.type is not DocType.PROFORMA:
        raise InvalidState(f"document {proforma_id} is not a proforma")
    if proforma.state is not DocState.ISSUED:
        raise InvalidState(f"proforma {proforma.number} is {proforma.state.value}")
    _check_invoice_date(uow, day, on)
    wanted = InvoiceInput(
        type=DocType.ONE_TIME,
        date=day,
        due_date=due,
        items=proforma.items,
        include_unbilled=False,
        note=proforma.note,
        memo=proforma.memo,
        custom_fields=dict(proforma.custom_fields),
        period_start=proforma.period_start,
        period_end=proforma.period_end,
    )
    composition = compose(proforma.items, [], currency=customer.currency)
    invoice = issue(uow, customer, wanted, composition, on=on, converted_from=proforma.id)
    uow.documents.replace(
        proforma, replace(proforma, state=DocState.CONVERTED, converted_to=invoice.id)
    )
    _audit(uow, "proforma.converted", proforma, {"invoice_id": invoice.id})
    return invoice


# -- reading --------------------------------------------------------------------------------


def get_document(uow: BillingUnitOfWork, document_id: int, *, kind: str = "document") -> Document:
    """One invoice, proforma or credit note; an unknown id is `NotFound` of `kind`."""
    try:
        return uow.documents.get(document_id)
    except NotFound:
        raise NotFound(kind, document_id) from None


def get_invoice(uow: BillingUnitOfWork, document_id: int) -> Document:
    """One invoice or proforma (`NotFound` for a credit note)."""
    doc = get_document(uow, document_id, kind="invoice")
    if doc.is_credit_note:
        raise NotFound("invoice", document_id)
    return doc


def get_credit_note(uow: BillingUnitOfWork, document_id: int) -> Document:
    """One credit note (`NotFound` for an invoice)."""
    doc = get_document(uow, document_id, kind="credit note")
    if not doc.is_credit_note:
        raise NotFound("credit note", document_id)
    return doc


def settled_of(uow: BillingUnitOfWork, doc: Document, as_of: date) -> Settled | None:
    """What is settled on `doc`'s transaction at the end of `as_of` (None without one)."""
    return uow.documents.settled([doc], as_of).get(doc.id)


# -- void and cancel ------------------------------------------------------------------------


def void_invoice(
    uow: BillingUnitOfWork, document_id: int, values: Mapping[str, object], *, on: date
) -> Document:
    """Mark an invoice (or a proforma) as deleted while nothing is settled on it.

    Its transaction is cancelled by a reversal dated `date` (default today), so what earlier
    days showed never changes; its unbilled lines wait for the next invoice again; its number
    stays used. A void invoice never comes back."""
    doc, customer = _locked(uow, document_id)
    reader = InputReader(values, allowed={"reason", "date"}, what="a void")
    reason = reader.read("reason", lambda v, f: clean_text(v, field=f, max_length=500), None)
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    if day > on:
        reader.fail("date", "in_future", f"cannot be after today ({on.isoformat()})")
    if doc.transaction_id is not None:
        posted = uow.transactions.get(doc.transaction_id).date
        if day < posted:
            reader.fail(
                "date",
                "too_early",
                f"cannot be before the invoice's posting ({posted.isoformat()})",
            )
    reader.done()
    _check_voidable(uow, doc, on)
    if doc.transaction_id is not None:
        uow.settings.get().check_open(day)
        ledgering.cancel_posting(uow, customer, doc, day, reason, on=on)
    ledgering.unbill_lines(uow, doc, on=on)
    if any(item.service_id is not None for item in doc.items):
        refusal = cancel_given_back(uow, doc.items, doc.customer_id, on=on)
        if refusal is not None:
            raise InvalidState(refusal)
        uow.services.release(doc.customer_id, doc.id)
    voided = replace(doc, state=DocState.VOID, voided_on=day, void_reason=reason)
    uow.documents.replace(doc, voided)
    _audit(uow, "invoice.voided", voided, {"reason": reason, "date": day.isoformat()})
    return voided


def void_refusal(uow: BillingUnitOfWork, doc: Document, on: date) -> str | None:
    """Why `doc` cannot be voided now, or None when it can."""
    credited = bool(uow.documents.credit_notes_of(doc.id))
    refusal = documents.void_refusal(doc, settled_of(uow, doc, on), credited=credited)
    return refusal or _later_service_days(uow, doc)


def _later_service_days(uow: BillingUnitOfWork, doc: Document) -> str | None:
    """A void gives an invoice's service days back to be billed again; that is only possible
    for the latest days billed of each service (runs bill forward from `billed_through`)."""
    for service_id in sorted({i.service_id for i in doc.items if i.service_id is not None}):
        service = uow.services.get(service_id)
        charges = [c for c in uow.services.charges_of(service_id) if c.document_id == doc.id]
        if any(c.last != service.billed_through for c in charges):
            return (
                f"{documents.name_of(doc)} bills days of the service {service.description!r} "
                "that a later invoice follows: void the later invoice first, or correct this "
                "one with a credit note"
            )
    return None


def _check_voidable(uow: BillingUnitOfWork, doc: Document, on: date) -> None:
    refusal = void_refusal(uow, doc, on)
    if refusal is not None:
        raise InvalidState(refusal)


def cancel_last_recurring(
    uow: BillingUnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Document:
    """Void the customer's latest recurring invoice, when nothing is settled on it, so that its
    period can be billed again."""
    uow.customers.lock(customer_id)
    last = uow.documents.last_recurring(customer_id)
    if last is None:
        raise InvalidState(f"customer {customer_id} has no recurring invoice to cancel")
    reader = InputReader(values, allowed={"reason", "date"}, what="a cancellation")
    reader.done()
    given = {"reason": values.get("reason") or "cancelled last recurring invoice"}
    if values.get("date") is not None:
        given["date"] = values["date"]
    return void_invoice(uow, last.id, given, on=on)


# -- credit notes ---------------------------------------------------------------------------


def issue_credit_note(
    uow: BillingUnitOfWork, invoice_id: int, values: Mapping[str, object], *, on: date
) -> Document:
    """Correct an issued invoice with a credit note (items, or an amount spread like the
    invoice's tax), at most what is left to credit on it. The credit settles its own invoice
    first when that is still open; the rest follows the usual order or stays as credit."""
    invoice, customer = _locked(uow, invoice_id)
    wanted = parse_credit_note(values, currency=customer.currency, on=on)
    if not invoice.type.is_invoice or invoice.state is not DocState.ISSUED:
        raise InvalidState(
            f"{documents.name_of(invoice)} cannot be credited: only issued invoices can"
        )
    earliest = max(invoice.document_date, _posted_on(uow, invoice))
    if wanted.date < earliest:
        raise InvalidInput.single(
            "date",
            "too_early",
            f"cannot be before the invoice it corrects ({earliest.isoformat()})",
        )
    uow.settings.get().check_open(wanted.date)
    items = wanted.items or ledgering.credit_items(invoice, wanted.amount)
    total = money_sum([i.gross for i in items], customer.currency)
    if not total.is_positive():
        raise InvalidInput.single(
            "items", "not_positive", "the credit note total must be above zero"
        )
    left = creditable(uow, invoice)
    if total > left:
        raise InvalidState(
            f"only {left} {customer.currency} of {documents.name_of(invoice)} is left to credit; "
            f"this credit note totals {total} {customer.currency}"
        )
    doc_id = uow.documents.new_id()
    number = take_number(
        uow, DocType.CREDIT_NOTE, wanted.date, customer, partner_id=invoice.partner_id
    )
    tx = ledgering.post_credit_note(uow, customer, invoice, doc_id, number, items, wanted, on=on)
    note = Document(
        id=doc_id,
        customer_id=customer.id,
        type=DocType.CREDIT_NOTE,
        state=DocState.ISSUED,
        number=number,
        document_date=wanted.date,
        due_date=wanted.date,
        currency=customer.currency,
        net=money_sum([i.net for i in items], customer.currency),
        tax=money_sum([i.tax for i in items], customer.currency),
        total=total,
        items=tuple(items),
        transaction_id=tx.id,
        credit_of=invoice.id,
        account_balance=uow.balances.get(customer.id).balance,
        reason=wanted.reason,
        note=wanted.note,
        memo=wanted.memo,
        issued_on=on,
        partner_id=invoice.partner_id,
        created_by=uow.actor,
    )
    saved = uow.documents.add(note)
    _audit(uow, "credit_note.issued", saved, {"invoice_id": invoice.id, "reason": wanted.reason})
    return saved


def _posted_on(uow: BillingUnitOfWork, doc: Document) -> date:
    """The date of the document's ledger transaction (its document date without one)."""
    if doc.transaction_id is None:
        return doc.document_date
    return uow.transactions.get(doc.transaction_id).date


def creditable(uow: BillingUnitOfWork, invoice: Document) -> Money:
    """What may still be credited on an invoice: its total less its credit notes."""
    return documents.left_to_credit(invoice, uow.documents.credit_notes_of(invoice.id))


# -- sending --------------------------------------------------------------------------------


def mark_sent(uow: BillingUnitOfWork, document_id: int, *, at: object) -> Document:
    """Record that a document was sent to the customer (the first time counts)."""
    doc = uow.documents.get(document_id)
    if doc.state in (DocState.DRAFT, DocState.VOID):
        raise InvalidState(f"{documents.name_of(doc)} is {doc.state.value}: it cannot be sent")
    if uow.documents.mark_sent([doc.id], at):
        _audit(uow, "document.sent", doc, {})
    return uow.documents.get(document_id)


# -- helpers --------------------------------------------------------------------------------


def _locked(
    uow: BillingUnitOfWork, document_id: int, *, kind: str = "invoice"
) -> tuple[Document, Customer]:
    doc = get_document(uow, document_id, kind=kind)
    customer = uow.customers.lock(doc.customer_id)
    return uow.documents.get(document_id), customer


def _audit(
    uow: BillingUnitOfWork, action: str, doc: Document, details: Mapping[str, object]
) -> None:
    uow.audit.record(
        action,
        customer_id=doc.customer_id,
        object_type="credit_note" if doc.is_credit_note else "invoice",
        object_id=doc.id,
        details={**as_summary(doc), **details},
    )
