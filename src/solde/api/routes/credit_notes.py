"""Credit notes: issue one on an invoice, read it, download it, mark it as sent (SPEC §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Query, Response

from solde.api.context import Caller, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.routes.invoices import PDF_RESPONSE, pdf_response
from solde.api.schemas.invoices import (
    CreditNoteCreate,
    CreditNoteOut,
    DayParam,
    credit_note_out,
)
from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import Document
from solde.billing.ports import BillingUnitOfWork
from solde.domain.values import check_date

invoice_router = APIRouter(
    prefix="/v1/invoices/{invoice_id}/credit-notes",
    tags=["credit notes"],
    route_class=ExactJSONRoute,
)
router = APIRouter(prefix="/v1/credit-notes", tags=["credit notes"], route_class=ExactJSONRoute)


def present(uow: BillingUnitOfWork, doc: Document, as_of: date) -> CreditNoteOut:
    """A credit note with what is left of its credit at the end of `as_of`."""
    return credit_note_out(reading.describe(uow, doc, as_of=as_of))


@invoice_router.post(
    "", status_code=201, response_model=CreditNoteOut, summary="Issue a credit note"
)
def issue_credit_note(
    invoice_id: int, body: CreditNoteCreate, caller: Caller = Depends(writer)
) -> CreditNoteOut:
    """Correct an issued invoice with a credit note: `items`, or an `amount` (gross) spread like
    the invoice's tax, and a `reason`. It is numbered, posted as a `credit_note` credit, settles
    its own invoice first while that is open, then the usual order; what is left is customer
    credit. More than what is left to credit on the invoice is refused (409)."""
    with caller.uow() as uow:
        on = caller.today(uow)
        invoice = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
        doc = billing.issue_credit_note(uow, invoice.id, body.values(), on=on)
        out = present(uow, doc, on)
        uow.commit()
    return out


@router.get("/{credit_note_id}", response_model=CreditNoteOut, summary="Get a credit note")
def get_credit_note(
    credit_note_id: int,
    caller: Caller = Depends(reader),
    as_of: DayParam | None = Query(None, description="What is left at the end of this day"),
) -> CreditNoteOut:
    """One credit note with the invoice it corrects and what is left of its credit. An
    invoice's id is 404 here."""
    with caller.uow(write=False) as uow:
        day = check_date(as_of or caller.today(uow), field="as_of")
        doc = billing.get_credit_note(uow, object_id(credit_note_id, "credit note"))
        return present(uow, doc, day)


@router.get(
    "/{credit_note_id}/pdf",
    response_class=Response,
    responses=PDF_RESPONSE,
    summary="Download a credit note as PDF",
)
def credit_note_pdf(credit_note_id: int, caller: Caller = Depends(reader)) -> Response:
    """The credit note as a PDF file."""
    with caller.uow(write=False) as uow:
        doc = billing.get_credit_note(uow, object_id(credit_note_id, "credit note"))
        on = caller.today(uow)
    return pdf_response(caller, doc.id, on)


@router.post(
    "/{credit_note_id}/send", response_model=CreditNoteOut, summary="Mark a credit note as sent"
)
def send_credit_note(credit_note_id: int, caller: Caller = Depends(writer)) -> CreditNoteOut:
    """Record that the credit note was sent to the customer (`sent_at`; the first time
    counts). E-mail delivery through SMTP is not built yet: this records the sending only."""
    with caller.uow() as uow:
        on = caller.today(uow)
        doc_id = billing.get_credit_note(uow, object_id(credit_note_id, "credit note")).id
        doc = billing.mark_sent(uow, doc_id, at=datetime.now(UTC))
        out = present(uow, doc, on)
        uow.commit()
    return out
