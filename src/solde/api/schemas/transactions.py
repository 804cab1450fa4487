"""Transactions and unbilled lines; allocations."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, StrictBool, StrictInt

from solde.api.schemas.common import Amount, DateInput, DecimalInput, Input
from solde.ledger.model import (
    AllocationSource,
    Kind,
    Origin,
    PaymentMethod,
    PaymentStatus,
    State,
    TxType,
)


class EntryCreate(Input):
    """A debit or credit line. With `bill_on_next_invoice` (the default for charges and for
    credit adjustments and gifts) it waits, unbilled, for the next invoice; otherwise it is
    posted now and changes the balance at once."""

    kind: Kind
    type: TxType | None = None
    label: str
    date: DateInput | None = None
    unit_price: DecimalInput
    quantity: DecimalInput | None = None
    tax_rate: DecimalInput | None = None
    bill_on_next_invoice: StrictBool | None = None
    reference: str | None = None


class LineUpdate(Input):
    """Changes to an unbilled line."""

    type: TxType | None = None
    label: str | None = None
    date: DateInput | None = None
    unit_price: DecimalInput | None = None
    quantity: DecimalInput | None = None
    tax_rate: DecimalInput | None = None
    reference: str | None = None


class ReverseIn(Input):
    """A reversal: when (default today) and why."""

    reason: str | None = None
    date: DateInput | None = None


class AllocationCreate(Input):
    """Settle `amount` (default: as much as both have open) of an open credit against an open
    debit of the same customer."""

    credit_id: StrictInt
    debit_id: StrictInt
    amount: DecimalInput | None = None


class AllocationLinkOut(BaseModel):
    """Net amount settled with another transaction."""

    transaction_id: int
    amount: Amount


class TransactionOut(BaseModel):
    """A transaction or unbilled line. `amount` is gross: what it adds to (debit) or takes from
    (credit) the balance; `open_amount` is what is not settled yet."""

    id: int
    customer_id: int
    kind: Kind
    type: TxType
    label: str
    date: dt.date
    currency: str
    net: Amount
    tax: Amount
    amount: Amount
    tax_rate: str
    quantity: str
    unit_price: str
    state: State
    open_amount: Amount
    origin: Origin
    invoice_id: int | None
    reference: str | None
    method: PaymentMethod | None
    reverses_id: int | None
    related_id: int | None
    note: str | None
    external_ref: str | None = Field(
        None, description="The key an import gave it, unique per customer (null otherwise)."
    )
    allocations: list[AllocationLinkOut]
    entered_on: dt.date
    resolved_on: dt.date | None
    status: PaymentStatus | None
    created_at: dt.datetime | None
    created_by: str | None


#: A payment (credit) or refund (debit); its `status` says pending, confirmed or failed.
PaymentOut = TransactionOut


class AllocationOut(BaseModel):
    """An allocation between a credit and a debit."""

    id: int
    customer_id: int
    credit_id: int
    debit_id: int
    amount: Amount
    date: dt.date
    source: AllocationSource


class SettleOut(BaseModel):
    """What a settlement run allocated."""

    allocations: list[AllocationOut]
