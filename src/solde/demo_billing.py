"""The demo's services and billing runs: what an internet provider's customers subscribe to, and
the runs that invoice them on their billing days (SPEC §8).

Every recurring invoice of the demo is made by a billing run, through the same use cases as
the daily cycle (`start_run`, `bill_customer`, `finish_run`), on the dates it would run them.
Events happen in the order of their days (an `Agenda`), so services start before the runs
that bill them, the daily cycle's dunning steps follow the run of their date, and payments
arrive after the invoices they pay.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from solde.billing import runs
from solde.billing import subscriptions as services
from solde.billing.ports import CustomerOutcome, Outcome
from solde.billing.services import Service
from solde.domain.periods import add_months
from solde.ledger.model import TxType
from solde.settlement import usecases as settlement

UowFactory = Callable[[], AbstractContextManager[Any]]

#: What happens first on a day: services start, then the run bills, then dunning reminds and
#: blocks (the rest of the daily cycle), then everything else (payments...).
SERVICES, RUNS, DUNNING, EVENTS = 0, 1, 2, 3
#: The months of history before the demo's today.
HISTORY_MONTHS = 6
#: The billing days of the demo's customers, by customer index (0 stands for the preview's
#: day: the demo's today, or the 28th at the end of a longer month).
BILLING_DAYS = (1, 8, 1, 15, 0)

#: A service on sale: its description and price per billing period excluding tax (20 %).
Offer = dict[str, object]
FIBRE_300: Offer = {"description": "Fibre 300 Mb/s", "unit_price": "29.99"}
FIBRE_1G: Offer = {"description": "Fibre 1 Gb/s", "unit_price": "49.99"}
FIBRE_2G: Offer = {"description": "Business fibre 2 Gb/s", "unit_price": "89.00"}
TV: Offer = {"description": "TV option", "unit_price": "9.99"}
STATIC_IP: Offer = {"description": "Static IP", "unit_price": "5.00"}
VOIP: Offer = {"description": "VoIP line", "unit_price": "9.90"}
# Billed every three months to the customers on quarterly periods.
FIBRE_2G_QUARTER: Offer = {"description": "Business fibre 2 Gb/s", "unit_price": "267.00"}
SUPPORT_QUARTER: Offer = {"description": "Support plan", "unit_price": "120.00"}
STATIC_IP_QUARTER: Offer = {"description": "Static IP", "unit_price": "15.00"}

#: Customers whose story the preview shows: one whose service ends in the previous period
#: (no draft: "missing"), a newcomer ("new"), one who added lines ("changed").
LEAVER, NEWCOMER, UPGRADER = 9, 19, 29
#: A customer who drops the TV option in the middle of a period paid in advance.
DOWNGRADER = 6
#: The subscribers pay each invoice this many days after its date, drawn at random: before
#: its first reminder and any block date.
ON_TIME = (1, 2)


def in_unit(uow_factory: UowFactory, action: Callable[[Any], Any]) -> Any:
    """Run `action` in a unit of work of its own and commit it: what `action` returns."""
    with uow_factory() as uow:
        result = action(uow)
        uow.commit()
    return result


class Agenda:
    """Things that happen on given days, played oldest first, then services before runs
    before the rest, then in the order they were scheduled. What falls after today is
    dropped: it has not happened yet."""

    def __init__(self, today: date) -> None:
        self.today = today
        self._events: list[tuple[date, int, int, Callable[[], object]]] = []
        self._order = itertools.count()

    def at(self, day: date, action: Callable[[], object], *, kind: int = EVENTS) -> None:
        """Have `action` happen on `day`."""
        if day <= self.today:
            heapq.heappush(self._events, (day, kind, next(self._order), action))

    def play(self) -> None:
        """Run every event in order; an event may schedule later ones."""
        while self._events:
            _day, _kind, _order, action = heapq.heappop(self._events)
            action()


@dataclass(frozen=True, slots=True)
class Calendar:
    """The billing dates of the demo's history, up to its today."""

    today: date

    @property
    def preview_day(self) -> date:
        """The date of the billing run that waits for confirmation."""
        return self.today.replace(day=min(self.today.day, 28))

    def billing_day(self, index: int) -> int:
        """The billing day of month of the demo's customer `index`."""
        return BILLING_DAYS[index % len(BILLING_DAYS)] or self.preview_day.day

    @property
    def start(self) -> date:
        """The first day of the demo's history."""
        return add_months(self.today, -HISTORY_MONTHS)

    def dates(self, billing_day: int) -> list[date]:
        """The billing dates of a billing day, from six months ago up to today."""
        start = self.start
        first = start.replace(day=billing_day)
        if first < start:
            first = add_months(first, 1)
        found: list[date] = []
        day = first
        while day <= self.today:
            found.append(day)
            day = add_months(first, len(found))  # from the first: no drift at month ends
        return found

    def run_dates(self) -> list[date]:
        """The dates the demo's completed runs bill: every billing date but the preview's."""
        days = {self.billing_day(i) for i in range(len(BILLING_DAYS))}
        every = {d for day in days for d in self.dates(day)}
        return sorted(every - {self.preview_day})


@dataclass(frozen=True, slots=True)
class Subscription:
    """A service the demo gives a customer: its values, and when it ends if it does (the
    end is set on that day, after the run has billed the period in advance)."""

    values: dict[str, object]
    start: date
    end: date | None = None


def subscriptions(
    index: int, segment: str, dates: Sequence[date], *, quarterly: bool
) -> list[Subscription]:
    """The services of the demo's customer `index`, given its billing dates."""
    start = dates[0] + timedelta(days=9) if index % 7 == 3 else dates[0]  # prorated at first
    if index == NEWCOMER:
        start = dates[-2] + timedelta(days=12)
    wanted = [(values, start) for values in _offers(index, segment, quarterly=quarterly)]
    if index % 7 == 4 and segment != "wholesale":  # added in the middle of a period
        wanted.append((TV, dates[2] + timedelta(days=11)))
    if index == UPGRADER:
        wanted.append(({**VOIP, "quantity": "3"}, dates[-2] + timedelta(days=10)))
    made = [Subscription({**values, "tax_rate": "20"}, day) for values, day in wanted]
    if index == LEAVER:  # moves away: the days paid after leaving come back
        return [replace(s, end=dates[-2] + timedelta(days=19)) for s in made]
    if index == DOWNGRADER:  # drops the TV option: its days paid in advance come back
        tv = TV["description"]
        end = dates[3] + timedelta(days=9)
        return [replace(s, end=end) if s.values["description"] == tv else s for s in made]
    return made


def _offers(index: int, segment: str, *, quarterly: bool) -> list[Offer]:
    """What a customer subscribes to from the start."""
    if quarterly:
        return [FIBRE_2G_QUARTER, SUPPORT_QUARTER, {**STATIC_IP_QUARTER, "quantity": "4"}]
    if segment == "wholesale":
        return [FIBRE_2G, {**STATIC_IP, "quantity": "8"}]
    if segment == "business":
        offers = [FIBRE_1G, {**STATIC_IP, "quantity": str(1 + index % 4)}]
        return [*offers, {**VOIP, "quantity": "2"}] if index % 2 else offers
    return [FIBRE_1G, TV] if index % 2 == 0 else [FIBRE_300]


def bill_day(uow: Any, day: date, *, preview: bool, on: date) -> list[CustomerOutcome]:
    """The billing run of `day` (a preview when asked) with every customer in the same unit
    of work: a demo customer whose billing fails is a bug to see, not one to park. The
    customers' outcomes, in customer order."""
    _day, options = runs.parse_run({"date": day.isoformat(), "preview": preview}, on=on)
    run, todo = runs.start_run(uow, day, options)
    outcomes = [runs.bill_customer(uow, run, customer_id, on=on) for customer_id in todo]
    runs.finish_run(uow, run.id)
    return outcomes


@dataclass(frozen=True, slots=True)
class Payer:
    """How a subscriber pays: each invoice by name, `days` after its date (drawn from the
    range, both included), except the invoices dated from `stops` to `resumes` (excluded),
    which it leaves unpaid. Its payments are referenced PAY-`name`-YYYYMM."""

    name: str
    days: tuple[int, int] = ON_TIME
    stops: date | None = None
    resumes: date | None = None

    def leaves_unpaid(self, day: date) -> bool:
        """True for an invoice dated `day` that this payer does not pay by name."""
        if self.stops is None or day < self.stops:
            return False
        return self.resumes is None or day < self.resumes


class Subscribers:
    """The subscribers' side of the demo: their services start and end on their days, runs
    bill them on their billing dates, and they pay each invoice by name some days later (as
    their `Payer` says). One use case per unit of work."""

    def __init__(self, uow_factory: UowFactory, rng: random.Random, today: date) -> None:
        self.factory, self.rng, self.today = uow_factory, rng, today
        self.calendar = Calendar(today)
        self.agenda = Agenda(today)
        self._payers: dict[int, Payer] = {}  # customer id: how it pays
        self.services = self.runs = self.invoices = self.drafts = 0

    def _run(self, action: Callable[[Any], Any]) -> Any:
        return in_unit(self.factory, action)

    def subscribe(self, customer_id: int, index: int, segment: str, *, quarterly: bool) -> None:
        """Give the demo's customer `index` its services on their start dates."""
        dates = self.calendar.dates(self.calendar.billing_day(index))
        wanted = subscriptions(index, segment, dates, quarterly=quarterly)
        self.give(customer_id, wanted, Payer(str(index + 1)))

    def give(self, customer_id: int, wanted: Sequence[Subscription], payer: Payer) -> None:
        """Start each of `wanted` for the customer on its day; the customer pays as `payer`."""
        self._payers[customer_id] = payer
        for each in wanted:
            start = partial(self._start, customer_id, each)
            self.agenda.at(each.start, start, kind=SERVICES)

    def _start(self, customer_id: int, wanted: Subscription) -> None:
        values = {**wanted.values, "start_date": wanted.start.isoformat()}
        self.services += 1
        service: Service = self._run(
            lambda uow: services.add_service(uow, customer_id, values, on=wanted.start)
        )
        if wanted.end is not None:
            self.agenda.at(wanted.end, partial(self._end, service, wanted.end))

    def _end(self, service: Service, day: date) -> None:
        """End a service: the days billed after `day` come back as a credit line."""
        changes = {"end_date": day.isoformat()}
        self._run(lambda uow: services.update_service(uow, service.id, changes, on=day))

    def play(self) -> None:
        """Everything up to today (with what else is on the agenda), then the preview of the
        latest billing date, which waits for confirmation."""
        for day in self.calendar.run_dates():
            self.agenda.at(day, partial(self._billing_run, day), kind=RUNS)
        self.agenda.play()
        self._bill(self.calendar.preview_day, preview=True, on=self.today)

    def _bill(self, day: date, *, preview: bool, on: date) -> list[CustomerOutcome]:
        self.runs += 1
        outcomes: list[CustomerOutcome] = self._run(
            lambda uow: bill_day(uow, day, preview=preview, on=on)
        )
        self.invoices += sum(o.outcome is Outcome.INVOICED for o in outcomes)
        self.drafts += sum(o.outcome is Outcome.DRAFTED for o in outcomes)
        return outcomes

    def _billing_run(self, day: date) -> None:
        for outcome in self._bill(day, preview=False, on=day):
            if outcome.outcome is not Outcome.INVOICED or outcome.document_id is None:
                continue
            payer = self._payers.get(outcome.customer_id)
            if payer is None or payer.leaves_unpaid(day):
                continue
            low, high = payer.days
            pay_day = day + timedelta(days=low if low == high else self.rng.randint(low, high))
            reference = f"PAY-{payer.name}-{day:%Y%m}"
            pay = partial(self._pay, outcome.customer_id, outcome.document_id, pay_day, reference)
            self.agenda.at(pay_day, pay)

    def _pay(self, customer_id: int, invoice_id: int, day: date, reference: str) -> None:
        """Pay by name what is left to pay on an invoice (nothing when it is settled)."""

        def action(uow: Any) -> None:
            named = uow.transactions.of_invoice(customer_id, invoice_id)
            posted = [t for t in named if t.type is TxType.INVOICE and t.is_posted]
            if posted and posted[0].open_amount.is_positive():
                values = {
                    "amount": str(posted[0].open_amount),
                    "invoice_id": invoice_id,
                    "date": day.isoformat(),
                    "reference": reference,
                }
                settlement.record_payment(uow, customer_id, values, on=day)

        self._run(action)
