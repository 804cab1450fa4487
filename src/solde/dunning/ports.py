"""What dunning needs from storage, as protocols. `solde.storage` implements them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from solde.billing.ports import BillingUnitOfWork
from solde.domain.money import Money
from solde.dunning.rules import DunningState, OpenInvoice, ReminderMessage


@dataclass(frozen=True, slots=True)
class SentReminder:
    """A reminder message as recorded (the e-mail itself comes with documents and e-mail)."""

    id: int
    customer_id: int
    date: date
    level: int
    lines: tuple[Mapping[str, Any], ...]  # invoice_id, number, level, open_amount
    fee_transaction_id: int | None
    status: str


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened, kept in the outbox for webhooks."""

    id: int
    type: str
    customer_id: int | None
    object_type: str
    object_id: int | None
    occurred_on: date
    data: Mapping[str, Any]
    created_at: Any


class DunningStore(Protocol):
    """Dunning states, open invoices as dunning sees them, and reminders."""

    def states_of(self, customer_ids: Sequence[int]) -> dict[int, DunningState]:
        """The kept state of each customer (absent: nothing kept)."""

    def save_state(self, customer_id: int, state: DunningState) -> None:
        """Keep a customer's state."""

    def open_invoices_of(self, customer_ids: Sequence[int]) -> dict[int, list[OpenInvoice]]:
        """Each customer's issued invoices with an open amount now, oldest first."""

    def open_invoices_as_of(self, customer_id: int, as_of: date) -> list[OpenInvoice]:
        """The customer's invoices that were issued and open at the end of `as_of`."""

    def pending_payments_of(self, customer_ids: Sequence[int]) -> dict[int, Money]:
        """Payments awaiting bank confirmation, summed per customer (absent: none)."""

    def pending_payments_as_of(self, customer_id: int, as_of: date) -> Money | None:
        """Payments that were awaiting bank confirmation at the end of `as_of`, summed (None:
        none)."""

    def sent_of(self, customer_ids: Sequence[int]) -> dict[int, dict[tuple[int, int], date]]:
        """Reminder levels already sent, per customer: (invoice id, level) -> date."""

    def add_reminder(
        self, message: ReminderMessage, fee_transaction_id: int | None
    ) -> SentReminder:
        """Record a reminder message and each of its lines (a line is sent once)."""

    def reminders_of(self, customer_id: int, limit: int = 50) -> list[SentReminder]:
        """The customer's reminders, newest first."""

    def reminders_on(self, day: date) -> list[SentReminder]:
        """Every reminder recorded for `day`."""

    def to_review(self, day: date) -> list[int]:
        """Customers whose status dunning may change on `day`: active ones with an invoice
        due before `day` or a next block date on or before it, and those dunning blocked."""

    def to_remind(self, day: date, offsets: Sequence[int]) -> list[int]:
        """Customers with an open invoice dated `offset` days before `day` for an offset."""

    def blocked_by_dunning(self, customer_ids: Sequence[int]) -> list[int]:
        """Those of `customer_ids` that dunning blocked."""


class Events(Protocol):
    """The event outbox."""

    def record(
        self,
        type: str,
        *,
        customer_id: int | None,
        object_type: str,
        object_id: int | None,
        occurred_on: date,
        data: Mapping[str, Any],
    ) -> None:
        """Keep an event in the current database transaction."""


class DunningUnitOfWork(BillingUnitOfWork, Protocol):
    """The billing unit of work, with dunning's stores."""

    @property
    def dunning(self) -> DunningStore:
        """Dunning states and reminders."""

    @property
    def events(self) -> Events:
        """The event outbox."""
