"""Dunning: a customer's calendar, the next block date an operator sets, what a date's dunning
would do, and the reminders recorded (SPEC §9, §15). The shapes are `solde.views`'s: the API,
the CLI's `--json` and the back office read the same fields."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from solde.api.schemas.common import Amount, DateInput, Input
from solde.dunning.rules import Action
from solde.ledger.customers import CustomerStatus

#: Longest reason kept with a next block date.
MAX_REASON = 500

# -- input ----------------------------------------------------------------------------------


class NextBlockDateIn(Input):
    """The next block date an operator chooses: from today to twelve months later, once per
    billing period, not for a blocked customer. `date: null` withdraws a date that still
    applies."""

    date: DateInput | None = Field(
        description="The new next block date (YYYY-MM-DD); null withdraws the one set before"
    )
    reason: str | None = Field(
        None,
        max_length=MAX_REASON,
        description="Why (kept in the audit log and the event)",
        examples=["promised to pay by transfer on Friday"],
    )


# -- output ---------------------------------------------------------------------------------


class ReminderOut(BaseModel):
    """One reminder level of an open invoice."""

    invoice_id: int = Field(description="The invoice it reminds of")
    number: str | None = Field(description="The invoice's number")
    level: int = Field(description="1 for the first reminder, 2 for the second, …")
    date: dt.date = Field(description="Document date + the offset of this level")
    days_left: int = Field(description="Days from `as_of` to `date` (negative: past)")
    open_amount: Amount = Field(description="What remains to pay on the invoice")
    sent_on: dt.date | None = Field(description="When this reminder was recorded (null: not yet)")
    fee: Amount | None = Field(
        description="The fee of this level in the customer's currency (null: none)"
    )


class DueInvoiceOut(BaseModel):
    """The oldest invoice with an open amount: its due date is the billing due date."""

    id: int = Field(description="The invoice id")
    number: str | None = Field(description="The invoice number")
    open_amount: Amount = Field(description="What remains to pay on it")


class OverrideOut(BaseModel):
    """The next block date an operator set."""

    date: dt.date = Field(description="The date chosen")
    set_on: dt.date | None = Field(description="The day it was chosen")
    applies: bool = Field(
        description="Whether it is in force as of `as_of` (false once it has passed)"
    )


class CalendarOut(BaseModel):
    """A customer's dunning calendar as of a date (SPEC §9)."""

    customer_id: int = Field(description="The customer")
    as_of: dt.date = Field(description="The date the calendar is computed for")
    status: CustomerStatus = Field(description="The customer's status now")
    status_by: Literal["dunning", "hand"] | None = Field(
        description="Who set the status: dunning, a person (`hand`), or nobody yet (null). "
        "Dunning lifts or deactivates only the blocks it made"
    )
    exempt: bool = Field(
        description="Dunning leaves the customer alone (`dunning_enabled` or `billing_enabled` off)"
    )
    currency: str = Field(description="The customer's currency")
    balance: Amount = Field(description="The balance at the end of `as_of` (+ owes)")
    pending_payments: Amount = Field(
        description="Payments awaiting bank confirmation: they count as paid here"
    )
    credit_limit: Amount = Field(description="The customer's effective credit limit")
    over_limit: bool = Field(
        description="`balance` − `pending_payments` is above `credit_limit`: blocked on or "
        "after the block date"
    )
    billing_due_date: dt.date | None = Field(
        description="Due date of the oldest invoice with an open amount (null: none)"
    )
    billing_due_invoice: DueInvoiceOut | None = Field(
        description="The invoice that sets `billing_due_date`"
    )
    computed_block_date: dt.date | None = Field(
        description="Billing due date + `blocking_period_days` + 1, moved to a working day "
        "unless blocking on weekends and holidays is allowed"
    )
    next_block_date: dt.date | None = Field(
        description="The block date in force: the operator's while it applies, else the "
        "computed one (null when the customer is not active or exempt)"
    )
    next_block_date_override: OverrideOut | None = Field(
        description="The next block date an operator set (null: none)"
    )
    next_deactivation_date: dt.date | None = Field(
        description="When a dunning block turns into deactivation: the day of blocking (or the "
        "coming block date) + `deactivation_period_days`, moved to a working day"
    )
    blocked_on: dt.date | None = Field(description="The day dunning blocked the customer")
    action: Action | None = Field(
        description="What the daily cycle of `as_of` would do, as things stand: `block`, "
        "`unblock`, `deactivate` or nothing (null)"
    )
    reminders: list[ReminderOut] = Field(
        description="Every reminder level of each open invoice, by date (none when reminders "
        "are off for the customer, it is exempt, or a pending payment names the invoice)"
    )


class PlannedCustomerOut(CalendarOut):
    """A customer whose status the daily cycle of the date would change, with its calendar."""

    name: str | None = Field(description="The customer's name")


class ReminderMessageOut(BaseModel):
    """The one message a customer receives on a date, listing every reminder due that day."""

    customer_id: int = Field(description="The customer")
    date: dt.date = Field(description="The day it is due")
    currency: str = Field(description="The customer's currency: that of the amounts and fee")
    level: int = Field(description="The highest level among its reminders")
    fee: Amount | None = Field(
        description="The fee it posts as a collection cost: the fee of its highest level"
    )
    reminders: list[ReminderOut] = Field(description="The invoices it reminds of")


class PlannedReminderOut(ReminderMessageOut):
    """A reminder message due on the date, not recorded yet."""

    name: str | None = Field(description="The customer's name")


class DayPlanOut(BaseModel):
    """What dunning would do on `date`, as things stand now (nothing is changed)."""

    date: dt.date = Field(description="The date planned")
    to_block: list[PlannedCustomerOut] = Field(description="Customers it would block")
    to_unblock: list[PlannedCustomerOut] = Field(
        description="Customers blocked by dunning it would unblock"
    )
    to_deactivate: list[PlannedCustomerOut] = Field(
        description="Customers blocked by dunning it would deactivate"
    )
    reminders: list[PlannedReminderOut] = Field(description="Reminder messages due on the date")


class SentLineOut(BaseModel):
    """An invoice a recorded reminder named."""

    invoice_id: int = Field(description="The invoice")
    number: str | None = Field(description="Its number")
    level: int = Field(description="The reminder level of this invoice")
    date: dt.date = Field(description="The day this level was due")
    open_amount: Amount = Field(description="What remained to pay on it then")
    currency: str = Field(description="The currency of `open_amount`")


class SentReminderOut(BaseModel):
    """A reminder message as recorded by the daily cycle."""

    id: int = Field(description="The reminder id")
    customer_id: int = Field(description="The customer")
    date: dt.date = Field(description="The day it was due and recorded")
    level: int = Field(description="The highest level among its invoices")
    status: str = Field(description="`recorded` (sending by e-mail comes later)")
    fee_transaction_id: int | None = Field(
        description="The collection cost it posted (null: no fee)"
    )
    invoices: list[SentLineOut] = Field(description="The invoices it named")


class SentRemindersOut(BaseModel):
    """A customer's recorded reminders, newest first."""

    data: list[SentReminderOut] = Field(description="The reminders")
