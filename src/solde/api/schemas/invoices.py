"""Invoices, proformas and credit notes: what a client sends and what it reads back (SPEC §5,
§7, §15). Amounts are strings in major units; quantities, prices and tax rates are decimals
written as text."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StrictBool

from solde import views
from solde.api.schemas.common import Amount, DateInput, DecimalInput, Input
from solde.billing.documents import Status
from solde.billing.reading import InvoiceView

# -- input ----------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> object:
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip()):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


#: A day in a query string, written `YYYY-MM-DD` only (never a number of seconds).
DayParam = Annotated[dt.date, BeforeValidator(_iso_day)]


class ItemIn(Input):
    """A typed item: `quantity` (default 1) × `unit_price` (excluding tax; negative for a
    discount), taxed at `tax_rate` percent (default 0)."""

    description: str
    quantity: DecimalInput | None = None
    unit_price: DecimalInput
    tax_rate: DecimalInput | None = None


class InvoiceCreate(Input):
    """A new invoice (`one_time` by default, `recurring` for a manual recurring invoice) or a
    `proforma`. It is issued at once: numbered, posted to the balance (not a proforma) and
    settled. `include_unbilled` loads every unbilled line dated on or before `date`; credit
    lines never push the total below zero (the remainder stays unbilled). A `recurring`
    invoice bills the customer's services up to the end of the period starting on its date,
    as a billing run would (`include_services`, default true for recurring invoices)."""

    type: Literal["one_time", "recurring", "proforma"] | None = None
    date: DateInput | None = Field(None, description="Document date (default today)")
    due_date: DateInput | None = Field(
        None, description="Default: the date plus the customer's payment terms"
    )
    items: list[ItemIn] | None = None
    include_unbilled: StrictBool | None = None
    include_services: StrictBool | None = Field(
        None,
        description="`recurring` only (default true there): bill the customer's services "
        "as a billing run would on `date`",
    )
    note: str | None = Field(None, description="Printed on the document")
    memo: str | None = Field(None, description="Internal, never printed")
    custom_fields: dict[str, str] | None = None
    period_start: DateInput | None = None
    period_end: DateInput | None = None


class InvoiceUpdate(Input):
    """Changes to an invoice, as far as its status allows (SPEC §5): everything while nothing
    is settled on it; note, memo, dates, number and custom fields once partly paid; note,
    memo and custom fields once paid; nothing once void. `items` replaces the typed items
    (items loaded from unbilled lines stay)."""

    note: str | None = None
    memo: str | None = None
    custom_fields: dict[str, str] | None = None
    document_date: DateInput | None = None
    due_date: DateInput | None = None
    number: str | None = None
    items: list[ItemIn] | None = None
    period_start: DateInput | None = None
    period_end: DateInput | None = None


class VoidIn(Input):
    """Mark as deleted on `date` (default today), with a reason."""

    reason: str | None = None
    date: DateInput | None = None


class ConvertIn(Input):
    """The invoice made from a proforma: its `date` (default today) and `due_date`."""

    date: DateInput | None = None
    due_date: DateInput | None = None


class CreditNoteCreate(Input):
    """A credit note on an invoice: `items`, or an `amount` (gross, spread like the invoice's
    tax) — one of the two — and a `reason`. Its total is at most what is left to credit on the
    invoice (its total less earlier credit notes)."""

    items: list[ItemIn] | None = None
    amount: DecimalInput | None = None
    reason: str
    date: DateInput | None = Field(None, description="Default today; not in the future")
    note: str | None = None
    memo: str | None = None


# -- output ---------------------------------------------------------------------------------


class ItemOut(BaseModel):
    """One line of a document: `net` = quantity × unit price, `tax` on it, `gross` = net + tax
    (negative for a credit line). `transaction_id` names the unbilled line it came from,
    `service_id` the service whose days `period_start`..`period_end` it bills."""

    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    net: Amount
    tax: Amount
    gross: Amount
    period_start: dt.date | None
    period_end: dt.date | None
    transaction_id: int | None
    service_id: int | None


class InvoicePaymentOut(BaseModel):
    """A payment, credit note or credit that settled the invoice, and how much of it; or a
    payment awaiting bank confirmation that names the invoice (`status: pending`, `amount`:
    what was sent to the bank)."""

    transaction_id: int
    type: str
    date: dt.date
    amount: Amount
    status: Literal["pending", "confirmed"]


class CreditNoteLinkOut(BaseModel):
    """A credit note issued on the invoice."""

    id: int
    number: str | None
    total: Amount
    date: dt.date


class InvoiceOut(BaseModel):
    """An invoice or proforma. `status` and `open_amount` (the invoice balance) are as of
    `as_of`; `account_balance` is the customer's balance right after issue;
    `paid_from_balance` says existing credit paid it at issue. `editable_fields` names what a
    PATCH may still change; `creditable` what credit notes may still credit."""

    id: int
    number: str | None
    type: Literal["one_time", "recurring", "proforma"]
    status: Status
    customer_id: int
    currency: str
    document_date: dt.date
    due_date: dt.date
    period_start: dt.date | None
    period_end: dt.date | None
    items: list[ItemOut]
    net: Amount
    tax: Amount
    total: Amount
    open_amount: Amount
    account_balance: Amount | None
    paid_from_balance: bool
    transaction_id: int | None
    payments: list[InvoicePaymentOut]
    credit_notes: list[CreditNoteLinkOut]
    creditable: Amount | None
    sent_at: dt.datetime | None
    note: str | None
    memo: str | None
    custom_fields: dict[str, str]
    converted_to: int | None
    converted_from: int | None
    voided_on: dt.date | None
    void_reason: str | None
    editable_fields: list[str]
    partner_id: int
    as_of: dt.date
    created_at: dt.datetime | None
    created_by: str | None


class CreditNoteOut(BaseModel):
    """A credit note: the invoice it corrects, its reason and items, its ledger credit
    (`transaction_id`) and `open_amount`, what is left of that credit (not yet settled)."""

    id: int
    number: str | None
    invoice_id: int | None
    invoice_number: str | None
    customer_id: int
    currency: str
    date: dt.date
    reason: str | None
    items: list[ItemOut]
    net: Amount
    tax: Amount
    total: Amount
    transaction_id: int | None
    open_amount: Amount
    sent_at: dt.datetime | None
    note: str | None
    memo: str | None
    partner_id: int
    created_at: dt.datetime | None
    created_by: str | None


def invoice_out(view: InvoiceView) -> InvoiceOut:
    """An invoice or proforma as of `view.as_of`, in the shape the CLI prints too."""
    return InvoiceOut.model_validate(views.invoice_view(view))


def credit_note_out(view: InvoiceView) -> CreditNoteOut:
    """A credit note with what is left of its credit, in the shape the CLI prints too."""
    return CreditNoteOut.model_validate(views.invoice_view(view))
