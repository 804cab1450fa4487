"""The document an invoice becomes, built in one place for every way of issuing it (by hand,
by a run one customer at a time, by a run's batch, as a preview's draft)."""

from __future__ import annotations

from datetime import date

from solde.billing.composing import Composition
from solde.billing.documents import DocState, Document
from solde.billing.inputs import InvoiceInput
from solde.ledger.customers import Customer


def new_document(
    customer: Customer,
    wanted: InvoiceInput,
    composition: Composition,
    *,
    doc_id: int,
    number: str | None,
    payment_due_days: int,
    actor: str,
    on: date | None,
    state: DocState = DocState.ISSUED,
) -> Document:
    """The document as issued (or drafted: no number, `on` None), before anything the ledger
    adds to it."""
    return Document(
        id=doc_id,
        customer_id=customer.id,
        type=wanted.type,
        state=state,
        number=number,
        document_date=wanted.date,
        due_date=wanted.due(payment_due_days),
        currency=customer.currency,
        net=composition.net,
        tax=composition.tax,
        total=composition.total,
        items=composition.items,
        period_start=wanted.period_start,
        period_end=wanted.period_end,
        note=wanted.note,
        memo=wanted.memo,
        custom_fields=dict(wanted.custom_fields),
        issued_on=on,
        partner_id=customer.details.partner_id,
        created_by=actor,
    )
