"""Credit notes: issue one on an invoice (an amount or items, and a reason), its page and its
PDF."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde import pdfs
from solde.billing import usecases as billing
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web import invoice_forms as forms
from solde.web.actions import Outcome, Screen, form_page, show, submit
from solde.web.context import Viewer, object_id, signed_in, writer
from solde.web.forms import Form, Reader
from solde.web.render import render
from solde.web.routes.invoices import doc_name, document_context, download

router = APIRouter()


def _credit_screen(uow: SqlUnitOfWork, invoice_id: int, today: date) -> Screen:
    doc = billing.get_invoice(uow, object_id(invoice_id, "invoice"))
    return Screen(
        "credit_notes/form.html", f"/invoices/{doc.id}", document_context(uow, doc, today)
    )


@router.get("/invoices/{invoice_id}/credit-notes/new", include_in_schema=False)
def new_credit_note_form(
    request: Request, invoice_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form of a credit note on an invoice; it says what is left to credit."""

    def initial(uow: SqlUnitOfWork, _screen: Screen) -> Form:
        form = Form({"date": viewer.today(uow).isoformat()})
        form.values["rows"] = str(forms.row_count(form))
        return form

    return form_page(
        request, viewer, lambda uow: _credit_screen(uow, invoice_id, viewer.today(uow)), initial
    )


@router.post("/invoices/{invoice_id}/credit-notes/new", include_in_schema=False)
def issue_credit_note(
    request: Request, invoice_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Issue it: it settles its invoice first when that is still open."""
    viewer, data = posted

    def load(uow: SqlUnitOfWork) -> Screen:
        return _credit_screen(uow, invoice_id, viewer.today(uow))

    if data.get("more_rows"):
        with viewer.uow() as uow:
            form = Form.typed(data)
            form.values["rows"] = str(forms.row_count(form, more=True))
            return show(request, viewer, uow, load(uow), form)
    data["rows"] = str(forms.row_count(Form.typed(data)))

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        rows = forms.read_rows(reader.form, reader.locale, forms.row_count(reader.form))
        reader.number("amount").text("reason", "date", "note", "memo")
        if rows.items:
            reader.set("items", rows.items)
        rows.faults.extend(reader.faults)
        values = reader.values
        note = rows.run(lambda: billing.issue_credit_note(uow, invoice_id, values, on=today))
        return Outcome(f"{doc_name(note)} issued.", to=f"/credit-notes/{note.id}")

    return submit(request, posted, load, act)


@router.get("/credit-notes/{note_id}", include_in_schema=False)
def credit_note_page(
    request: Request, note_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """A credit note: its items, reason, the invoice it corrects and what it settled."""
    with viewer.uow() as uow:
        doc = billing.get_credit_note(uow, object_id(note_id, "credit note"))
        context = document_context(uow, doc, viewer.today(uow))
        return render(
            request, "credit_notes/show.html", viewer=viewer, fmt=viewer.format(uow), **context
        )


@router.get("/credit-notes/{note_id}/pdf", include_in_schema=False)
def credit_note_pdf(
    request: Request, note_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The credit note's PDF."""
    with viewer.uow() as uow:
        billing.get_credit_note(uow, object_id(note_id, "credit note"))
        today = viewer.today(uow)
    made = pdfs.document_pdf(viewer.container, note_id, on=today, actor=viewer.actor)
    return download(made.content, made.filename, "application/pdf")
