"""A book for dunning stories: the daily cycle day by day, payments awaiting the bank, the
next block date, and what dunning left behind (status, kept state, reminders, events, audit
entries), through the use cases and the container's units of work as the API calls them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from billbook import BillBook
from sqlalchemy import select

from solde.bootstrap import is_timezone
from solde.daily import DayReport, run_daily
from solde.dunning import usecases as dunning
from solde.dunning.ports import SentReminder
from solde.dunning.rules import Calendar, DunningState
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.storage.tables import audit_log, transactions

ONE_DAY = timedelta(days=1)
SETTINGS_DAY = date(2026, 1, 2)


@dataclass(frozen=True)
class Told:
    """An event of the outbox as a story checks it."""

    type: str
    on: date
    data: dict[str, Any]


class DunningBook(BillBook):
    """`billbook.BillBook` with the daily cycle and dunning's records."""

    def dunning_settings(self, **changes: Any) -> None:
        """Change the company's dunning settings (as `PUT /v1/settings` does)."""
        self(
            ledger.update_settings,
            {"dunning": changes},
            is_timezone=is_timezone,
            on=SETTINGS_DAY,
        )

    # -- the daily cycle -----------------------------------------------------------------------

    def cycle(self, up_to: date) -> list[DayReport]:
        """The daily cycle up to `up_to`, catching up missed dates as the scheduler does."""
        return run_daily(self.container, up_to=up_to, actor="scheduler")

    def day(self, day: date) -> DayReport:
        """The cycle of `day`, which must be the only date left to run."""
        reports = self.cycle(day)
        assert [r.date for r in reports] == [day], reports
        return reports[0]

    def days(self, first: date, last: date) -> dict[date, DayReport]:
        """The cycle of each date from `first` to `last`, one at a time."""
        found = {}
        day = first
        while day <= last:
            found[day] = self.day(day)
            day += ONE_DAY
        return found

    # -- payments awaiting the bank ------------------------------------------------------------

    def pending(self, customer: int, amount: str, *, on: date, **values: Any) -> int:
        """A payment awaiting bank confirmation."""
        return int(self.pay(customer, amount, on=on, status="pending", **values).id)

    def confirm(self, payment: int, *, on: date) -> Any:
        return self(settlement.confirm_payment, payment, {}, on=on)

    def fail(self, payment: int, *, on: date, **values: Any) -> Any:
        return self(settlement.fail_payment, payment, values, on=on)

    # -- statuses and the next block date -----------------------------------------------------

    def status(self, customer: int) -> tuple[str, str | None]:
        """The customer's status and who set it."""
        with self.container.uow(actor="test", write=False) as uow:
            details = ledger.get_customer(uow, customer).details
        return details.status.value, details.status_by

    def set_status(self, customer: int, status: str) -> None:
        """An operator changes the status by hand (PATCH /v1/customers/{id})."""
        self(ledger.update_customer, customer, {"status": status})

    def state(self, customer: int) -> DunningState:
        with self.container.uow(actor="test", write=False) as uow:
            return uow.dunning.states_of([customer]).get(customer, DunningState())

    def calendar(self, customer: int, as_of: date) -> Calendar:
        with self.container.uow(actor="test", write=False) as uow:
            return dunning.get_calendar(uow, customer, as_of=as_of)

    def next_block_date(
        self, customer: int, chosen: date | None, *, on: date, reason: str = "promised to pay"
    ) -> Calendar:
        values = {"date": None if chosen is None else chosen.isoformat(), "reason": reason}
        return self(dunning.set_next_block_date, customer, values, on=on)  # type: ignore[no-any-return]

    def plan(self, day: date) -> dunning.DayPlan:
        with self.container.uow(actor="test", write=False) as uow:
            return dunning.plan_day(uow, day)

    # -- what dunning left behind --------------------------------------------------------------

    def reminders(self, customer: int) -> list[SentReminder]:
        """The customer's recorded reminder messages, oldest first."""
        with self.container.uow(actor="test", write=False) as uow:
            return list(reversed(uow.dunning.reminders_of(customer, limit=100)))

    def reminders_on(self, day: date) -> list[SentReminder]:
        with self.container.uow(actor="test", write=False) as uow:
            return uow.dunning.reminders_on(day)

    def events(self, customer: int, *, prefix: str = "") -> list[Told]:
        """The customer's events, oldest first (only types starting with `prefix`)."""
        with self.container.uow(actor="test", write=False) as uow:
            page = uow.events.search(customer_id=customer, limit=100)
        return [
            Told(e.type, e.occurred_on, dict(e.data))
            for e in reversed(page.items)
            if e.type.startswith(prefix)
        ]

    def changes(self, customer: int) -> list[tuple[str, date]]:
        """The customer's status events (blocked, unblocked, deactivated) with their dates."""
        return [
            (e.type, e.on)
            for e in self.events(customer)
            if e.type in ("customer.blocked", "customer.unblocked", "customer.deactivated")
        ]

    def audit(self, customer: int, *, prefix: str = "") -> list[tuple[str, str, dict[str, Any]]]:
        """The customer's audit entries, oldest first: (action, actor, details)."""
        with self.container.engine.connect() as connection:
            rows = connection.execute(
                select(audit_log)
                .where(audit_log.c.customer_id == customer)
                .order_by(audit_log.c.id)
            )
            return [
                (r.action, r.actor, dict(r.details)) for r in rows if r.action.startswith(prefix)
            ]

    def costs(self, customer: int) -> list[Any]:
        """The customer's collection costs, oldest first (rows of the ledger)."""
        with self.container.engine.connect() as connection:
            return list(
                connection.execute(
                    select(transactions)
                    .where(
                        transactions.c.customer_id == customer,
                        transactions.c.type == "collection_cost",
                    )
                    .order_by(transactions.c.id)
                )
            )
