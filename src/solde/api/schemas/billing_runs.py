"""Billing runs and the daily cycle: what a client sends and what it reads back (SPEC §8, §10,
§15)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from solde.api.schemas.common import Amount, DateInput, Input
from solde.billing.documents import Status
from solde.billing.ports import Outcome, RunStatus

Change = Literal["new", "changed", "same", "missing"]


class RunCreate(Input):
    """A billing run for `date` (default today; not in the future): every customer with
    billing on, `auto_invoice` on and `date` a billing day for them gets its recurring
    invoice. `preview` makes drafts to compare, confirm or discard; `skip_zero_invoices`
    (default true) makes no invoice of total 0; `balance_only_accounts` (default false) also
    invoices customers without an active service who owe something or have unbilled lines."""

    date: DateInput | None = Field(None, description="Default today")
    preview: StrictBool | None = Field(None, description="Default false")
    skip_zero_invoices: StrictBool | None = Field(None, description="Default true")
    balance_only_accounts: StrictBool | None = Field(None, description="Default false")


class ProgressOut(BaseModel):
    """How far a run has come: customers selected (`total`), those with an outcome (`done`),
    per outcome, and `percent` done (0 to 100)."""

    total: int
    done: int
    invoiced: int
    drafted: int
    skipped: int
    parked: int
    discarded: int
    percent: int


class RunInvoiceOut(BaseModel):
    """A document a run made: an issued invoice, or a draft in a preview (no number). Its
    `status` is as of today."""

    id: int
    customer_id: int
    number: str | None
    status: Status
    document_date: dt.date
    total: Amount
    currency: str


class RunCustomerOut(BaseModel):
    """What a run did for one customer: `outcome` (`invoiced`, `drafted`, `skipped`,
    `parked`, `discarded`), the document it made and its total, and the `reason` of a skip or
    of parking."""

    customer_id: int
    outcome: Outcome
    document_id: int | None
    total: Amount | None
    currency: str | None
    reason: str | None


class RunInvoicesOut(BaseModel):
    """The first documents of a run, by customer id. Pass `next_cursor` as `starting_after`
    to `GET /v1/billing-runs/{id}/customers?outcome=invoiced` (`drafted` in a preview) for the
    rest."""

    data: list[RunInvoiceOut]
    has_more: bool
    next_cursor: str | None


class RunCustomersOut(BaseModel):
    """A page of a run's customers, by customer id; pass `next_cursor` as `starting_after`."""

    data: list[RunCustomerOut]
    has_more: bool
    next_cursor: str | None


class RunSummaryOut(BaseModel):
    """A billing run: `status` is `running` while it bills, `completed` when done, `preview`
    while its drafts wait to be confirmed or discarded, `discarded` after."""

    id: int
    date: dt.date
    status: RunStatus
    preview: bool
    skip_zero_invoices: bool
    balance_only_accounts: bool
    progress: ProgressOut
    created_by: str | None
    created_at: dt.datetime | None
    finished_at: dt.datetime | None


class RunOut(RunSummaryOut):
    """A billing run with the first page of the documents it made (`invoices`: drafts in a
    preview) and of its parked customers with their reason (`parked`)."""

    invoices: RunInvoicesOut
    parked: RunCustomersOut


class ComparisonOut(BaseModel):
    """A preview's draft beside the customer's previous recurring invoice: `change` is `new`
    (no recurring invoice before), `changed` (totals differ by more than the threshold),
    `same`, or `missing` (a recurring invoice before, no draft now). `difference` = draft
    total − previous total."""

    customer_id: int
    change: Change
    currency: str
    draft_id: int | None
    draft_total: Amount | None
    previous_id: int | None
    previous_number: str | None
    previous_total: Amount | None
    difference: Amount | None


class ComparisonsOut(BaseModel):
    """A page of a preview's comparison, by customer id; pass `next_cursor` as
    `starting_after`."""

    threshold: str
    data: list[ComparisonOut]
    has_more: bool
    next_cursor: str | None


class DailyIn(Input):
    """Run the daily cycle up to `date` (default today; not in the future)."""

    date: DateInput | None = Field(None, description="Default today")


class DayOut(BaseModel):
    """What the daily cycle did for one date: the billing run (`run_id`) and its customers
    invoiced, skipped and parked, the customers settled, the invoices that became overdue, the
    reminders recorded and the customers dunning blocked, unblocked and deactivated.
    `already_done`: the date had been processed before, nothing was done again."""

    date: dt.date
    run_id: int | None
    invoiced: int
    skipped: int
    parked: int
    settled_customers: int
    overdue_invoices: int
    reminders: int = Field(description="Reminder messages recorded (one per customer)")
    reminder_fees: int = Field(description="Of those, how many posted a fee")
    blocked: list[int] = Field(description="Customers blocked by dunning")
    unblocked: list[int] = Field(description="Customers whose dunning block was lifted")
    deactivated: list[int] = Field(description="Customers deactivated by dunning")
    failed: dict[str, str] = Field(
        description="Customers whose reminder or dunning step failed (id -> reason); the "
        "others went on"
    )
    already_done: bool


class DailyOut(BaseModel):
    """The dates the cycle processed to reach `date`, oldest first."""

    date: dt.date
    days: list[DayOut]
