"""Payments and refunds: record, read, confirm, fail, charge back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from fastapi import APIRouter, Depends

from solde.api.context import Caller, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.routes.transactions import present
from solde.api.schemas.payments import (
    ChargebackIn,
    ConfirmIn,
    FailIn,
    PaidInvoiceOut,
    PaymentCreate,
    PaymentDetailOut,
)
from solde.api.schemas.transactions import PaymentOut, TransactionOut
from solde.billing.ports import BillingUnitOfWork
from solde.billing.reading import invoices_paid_by
from solde.domain.errors import NotFound
from solde.ledger import usecases
from solde.ledger.model import Transaction, TxType
from solde.ledger.ports import UnitOfWork
from solde.settlement import usecases as settlement

customer_router = APIRouter(
    prefix="/v1/customers/{customer_id}/payments", tags=["payments"], route_class=ExactJSONRoute
)
router = APIRouter(prefix="/v1/payments", tags=["payments"], route_class=ExactJSONRoute)


def present_payment(uow: UnitOfWork, tx: Transaction) -> PaymentOut:
    """A payment or refund with its status and allocations."""
    return present(uow, tx)


def present_detail(uow: BillingUnitOfWork, tx: Transaction) -> PaymentDetailOut:
    """A payment or refund with its status, allocations and the invoices it paid."""
    paid = [
        PaidInvoiceOut(invoice_id=doc.id, number=doc.number, amount=str(amount))
        for doc, amount in invoices_paid_by(uow, tx.id)
    ]
    return PaymentDetailOut(**present(uow, tx).model_dump(), invoices=paid)


@customer_router.post(
    "", status_code=201, response_model=PaymentOut, summary="Record a payment or refund"
)
def record_payment(
    customer_id: int, body: PaymentCreate, caller: Caller = Depends(writer)
) -> PaymentOut:
    """A positive amount is a payment: it settles open debits (standalone debits first, then
    invoices, oldest first) and what is left stays as credit. A negative amount is a refund of
    credit. `status: pending` keeps it out of the balance until confirmed. `invoice_id` names
    the invoice it pays first."""
    with caller.uow() as uow:
        tx = settlement.record_payment(
            uow, object_id(customer_id, "customer"), body.values(), on=caller.today(uow)
        )
        out = present_payment(uow, tx)
        uow.commit()
    return out


@router.get("/{payment_id}", response_model=PaymentDetailOut, summary="Get a payment or refund")
def get_payment(payment_id: int, caller: Caller = Depends(reader)) -> PaymentDetailOut:
    """One payment or refund with its status (pending, confirmed, failed) and the invoices it
    paid (`invoices`)."""
    with caller.uow(write=False) as uow:
        tx = usecases.get_transaction(uow, object_id(payment_id, "payment"))
        if tx.type not in (TxType.PAYMENT, TxType.REFUND):
            raise NotFound("payment", payment_id)
        return present_detail(uow, tx)


def _answer(
    caller: Caller,
    payment_id: int,
    values: Mapping[str, object],
    action: Callable[[UnitOfWork, int, Mapping[str, object], date], Transaction],
) -> PaymentOut:
    with caller.uow() as uow:
        tx = action(uow, object_id(payment_id, "payment"), values, caller.today(uow))
        out = present_payment(uow, tx)
        uow.commit()
    return out


@router.post(
    "/{payment_id}/confirm", response_model=PaymentOut, summary="Confirm a pending payment"
)
def confirm(
    payment_id: int, body: ConfirmIn | None = None, caller: Caller = Depends(writer)
) -> PaymentOut:
    """The bank confirmed: the payment is posted and settles."""
    values = body.values() if body else {}
    return _answer(
        caller, payment_id, values, lambda u, i, v, d: settlement.confirm_payment(u, i, v, on=d)
    )


@router.post("/{payment_id}/fail", response_model=PaymentOut, summary="Fail a pending payment")
def fail(
    payment_id: int, body: FailIn | None = None, caller: Caller = Depends(writer)
) -> PaymentOut:
    """The bank refused: the payment is void; an optional fee is posted as a collection cost."""
    values = body.values() if body else {}
    return _answer(
        caller, payment_id, values, lambda u, i, v, d: settlement.fail_payment(u, i, v, on=d)
    )


@router.post(
    "/{payment_id}/chargeback",
    status_code=201,
    response_model=TransactionOut,
    summary="Record a chargeback",
)
def chargeback(
    payment_id: int, body: ChargebackIn | None = None, caller: Caller = Depends(writer)
) -> TransactionOut:
    """The payer's bank took back a confirmed payment: a chargeback debit reopens what the
    payment had paid; an optional fee is posted as a collection cost. Returns the chargeback."""
    values = body.values() if body else {}
    with caller.uow() as uow:
        tx = settlement.chargeback(
            uow, object_id(payment_id, "payment"), values, on=caller.today(uow)
        )
        out = present(uow, tx)
        uow.commit()
    return out
