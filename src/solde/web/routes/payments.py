"""Payments and refunds, their bank answers (confirm, fail, chargeback), and settling by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from solde.billing import reading
from solde.billing.documents import DocType, Document, Status
from solde.billing.ports import InvoiceQuery
from solde.domain.money import Money
from solde.ledger import usecases
from solde.ledger.model import Kind, PaymentStatus, Transaction
from solde.ledger.ports import UnitOfWork
from solde.settlement import usecases as settlement
from solde.storage.unit_of_work import SqlUnitOfWork
from solde.web.actions import Outcome, Screen, form_page, submit
from solde.web.context import Viewer, object_id, safe_next, signed_in, writer
from solde.web.forms import Form, Reader
from solde.web.labels import METHOD_LABELS, TYPE_LABELS
from solde.web.render import done, error_page

router = APIRouter()
_SIGN_HINT = {
    False: "choose “Refund paid out” to pay money back",
    True: "“Refund paid out” already makes it a refund",
}


# -- recording a payment or a refund --------------------------------------------------------


#: Invoices a payment may name: those with something left to pay.
_PAYABLE = frozenset({Status.UNPAID, Status.PARTIALLY_PAID, Status.OVERDUE, Status.PENDING})


def _payable_invoices(uow: SqlUnitOfWork, customer_id: int) -> list[tuple[str, str]]:
    """(id, "number — open amount") of the customer's invoices still to pay, newest first."""
    query = InvoiceQuery(
        as_of=Viewer.today(uow),
        customer_id=customer_id,
        types=frozenset({DocType.ONE_TIME, DocType.RECURRING}),
        statuses=_PAYABLE,
        limit=100,
    )
    return [
        (
            str(row.document.id),
            f"{row.document.number} — {row.settled.open_amount} {row.document.currency} open",
        )
        for row in reading.list_invoices(uow, query).items
        if row.settled is not None
    ]


def _payable_label(document: Document, open_amount: Money) -> str:
    return f"{document.number} — {open_amount} {document.currency} open"


def _payment_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    context = {
        "customer": customer,
        "methods": METHOD_LABELS,
        "available": settlement.available_credit(uow, customer),
        "invoices": _payable_invoices(uow, customer.id),
    }
    return Screen("payments/form.html", f"/customers/{customer.id}", context)


@router.get("/customers/{customer_id}/payments/new", include_in_schema=False)
def new_payment_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form to record a payment or a refund."""
    direction = "refund" if request.query_params.get("direction") == "refund" else "payment"

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        method = screen.context["customer"].details.payment_method.value
        values = {"direction": direction, "method": method, "status": "confirmed"}
        return Form({**values, "date": viewer.today(uow).isoformat()})

    return form_page(request, viewer, lambda uow: _payment_screen(uow, customer_id), initial)


@router.post("/customers/{customer_id}/payments/new", include_in_schema=False)
def record_payment(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Record it: a confirmed payment settles at once; a pending one waits for the bank."""

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        refund = reader.form.get("direction") == "refund"
        reader.unsigned("amount", negate=refund, hint=_SIGN_HINT[refund])
        reader.text("method", "date", "reference", "status", "label")
        if reader.form.get("invoice_id"):
            reader.integer("invoice_id")
        if reader.form.get("force"):
            reader.flag("force")
        tx = reader.run(lambda v: settlement.record_payment(uow, customer_id, v, on=today))
        what = "Refund" if tx.kind is Kind.DEBIT else "Payment"
        pending = tx.payment_status is PaymentStatus.PENDING
        return Outcome(
            f"{what} #{tx.id} {'awaiting bank confirmation' if pending else 'recorded'}."
        )

    return submit(request, posted, lambda uow: _payment_screen(uow, customer_id), act)


# -- the bank's answer ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """The bank's answer to a payment: its form, what it reads, and the use case."""

    template: str
    texts: tuple[str, ...]
    numbers: tuple[str, ...]
    verb: str
    run: Callable[[UnitOfWork, int, Mapping[str, object], date], Transaction]


ANSWERS = {
    "confirm": Answer(
        "payments/confirm.html",
        ("date",),
        (),
        "confirmed",
        lambda u, i, v, d: settlement.confirm_payment(u, i, v, on=d),
    ),
    "fail": Answer(
        "payments/fail.html",
        ("date", "reason"),
        ("fee",),
        "marked as failed",
        lambda u, i, v, d: settlement.fail_payment(u, i, v, on=d),
    ),
    "chargeback": Answer(
        "payments/chargeback.html",
        ("date", "reason"),
        ("amount", "fee"),
        "charged back",
        lambda u, i, v, d: settlement.chargeback(u, i, v, on=d),
    ),
}


def _answer_screen(uow: SqlUnitOfWork, payment_id: int, answer: Answer) -> Screen:
    tx = usecases.get_transaction(uow, object_id(payment_id, "payment"))
    customer = usecases.get_customer(uow, tx.customer_id)
    context: dict[str, Any] = {"customer": customer, "tx": tx, "type_labels": TYPE_LABELS}
    return Screen(answer.template, f"/customers/{customer.id}", context)


@router.get("/payments/{payment_id}/{answer}", include_in_schema=False)
def answer_form(
    request: Request, payment_id: int, answer: str, viewer: Viewer = Depends(signed_in)
) -> Response:
    """The form of a confirmation, a failure or a chargeback."""
    chosen = ANSWERS.get(answer)
    if chosen is None:
        return error_page(request, 404, "This page does not exist.")

    def initial(uow: SqlUnitOfWork, screen: Screen) -> Form:
        form = Form({"date": viewer.today(uow).isoformat()})
        if answer == "chargeback":
            left = settlement.chargeable(uow, screen.context["tx"])
            form.values["amount"] = viewer.format(uow).plain(left.amount)
        return form

    return form_page(request, viewer, lambda uow: _answer_screen(uow, payment_id, chosen), initial)


@router.post("/payments/{payment_id}/{answer}", include_in_schema=False)
def answer_payment(
    request: Request,
    payment_id: int,
    answer: str,
    posted: tuple[Viewer, dict[str, str]] = Depends(writer),
) -> Response:
    """Confirm (posted and settled), fail (void, optional fee) or charge back a payment."""
    chosen = ANSWERS.get(answer)
    if chosen is None:
        return error_page(request, 404, "This page does not exist.")

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader.text(*chosen.texts).number(*chosen.numbers)
        tx = usecases.get_transaction(uow, payment_id)
        reader.run(lambda v: chosen.run(uow, payment_id, v, today))
        label = "Refund" if tx.kind is Kind.DEBIT else "Payment"
        return Outcome(f"{label} #{payment_id} {chosen.verb}.")

    return submit(request, posted, lambda uow: _answer_screen(uow, payment_id, chosen), act)


# -- settling by hand -----------------------------------------------------------------------


def _allocation_screen(uow: SqlUnitOfWork, customer_id: int) -> Screen:
    customer = usecases.get_customer(uow, object_id(customer_id, "customer"))
    items = uow.transactions.open_items(customer.id)
    context = {
        "customer": customer,
        "credits": [t for t in items if t.kind is Kind.CREDIT],
        "debits": [t for t in items if t.kind is Kind.DEBIT],
        "type_labels": TYPE_LABELS,
    }
    return Screen("payments/allocate.html", f"/customers/{customer.id}", context)


@router.get("/customers/{customer_id}/allocations/new", include_in_schema=False)
def allocation_form(
    request: Request, customer_id: int, viewer: Viewer = Depends(signed_in)
) -> Response:
    """Match an open credit against an open debit by hand."""

    def initial(_uow: SqlUnitOfWork, screen: Screen) -> Form:
        credits, debits = screen.context["credits"], screen.context["debits"]
        return Form(
            {
                "credit_id": str(credits[0].id) if credits else "",
                "debit_id": str(debits[0].id) if debits else "",
            }
        )

    return form_page(request, viewer, lambda uow: _allocation_screen(uow, customer_id), initial)


@router.post("/customers/{customer_id}/allocations/new", include_in_schema=False)
def allocate(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Settle the amount (default: as much as both have open)."""
    viewer = posted[0]

    def act(uow: SqlUnitOfWork, reader: Reader, today: date) -> Outcome:
        reader.integer("credit_id", "debit_id").number("amount")
        made = reader.run(lambda v: settlement.allocate(uow, customer_id, v, on=today))
        amount = viewer.format(uow).money(made.amount)
        return Outcome(f"#{made.credit_id} settles {amount} of #{made.debit_id}.")

    return submit(request, posted, lambda uow: _allocation_screen(uow, customer_id), act)


@router.post("/customers/{customer_id}/settle", include_in_schema=False)
def settle(
    request: Request, customer_id: int, posted: tuple[Viewer, dict[str, str]] = Depends(writer)
) -> Response:
    """Run settlement for the customer now, in the usual order."""
    viewer, data = posted
    with viewer.uow(write=True) as uow:
        made = settlement.settle(uow, object_id(customer_id, "customer"), on=viewer.today(uow))
        uow.commit()
    message = f"{len(made)} allocation(s) made." if made else "Nothing was left to settle."
    to = f"/customers/{customer_id}"
    return done(request, message, to=safe_next(data.get("next"), to), viewer=viewer)
