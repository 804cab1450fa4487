"""Payments, refunds, their bank answers and chargebacks."""

from __future__ import annotations

from pydantic import BaseModel, StrictBool, StrictInt

from solde.api.schemas.common import Amount, DateInput, DecimalInput, Input
from solde.api.schemas.transactions import TransactionOut
from solde.ledger.model import PaymentMethod, PaymentStatus


class PaymentCreate(Input):
    """A payment (`amount` > 0) or a refund (`amount` < 0). `status: pending` records a payment
        sent to the bank whose result is not known yet: it stays out of the balance. A refund larger
        than the available credit is refused unless `force` is true. `invoice_id` names the invoice
    the payment pays first (its remainder follows the usual order); a pending payment that names
    an invoice makes it `pending`."""

    amount: DecimalInput
    method: PaymentMethod | None = None
    date: DateInput | None = None
    reference: str | None = None
    status: PaymentStatus | None = None
    force: StrictBool | None = None
    label: str | None = None
    invoice_id: StrictInt | None = None


class PaidInvoiceOut(BaseModel):
    """An invoice the payment settled, and how much of it."""

    invoice_id: int
    number: str | None
    amount: Amount


class PaymentDetailOut(TransactionOut):
    """A payment (credit) or refund (debit) as `GET /v1/payments/{id}` reads it: its `status`
    says pending, confirmed or failed; `invoices` are the invoices it paid."""

    invoices: list[PaidInvoiceOut]


class ConfirmIn(Input):
    """The bank confirmed: the payment is posted on `date` (default today)."""

    date: DateInput | None = None


class FailIn(Input):
    """The bank refused: the payment is void; an optional `fee` is posted as a collection cost."""

    reason: str | None = None
    fee: DecimalInput | None = None
    date: DateInput | None = None


class ChargebackIn(Input):
    """The payer's bank took the payment back (all of it unless `amount` is given)."""

    amount: DecimalInput | None = None
    fee: DecimalInput | None = None
    reason: str | None = None
    date: DateInput | None = None
