"""The demo's dunning (SPEC §9): the company's dunning settings, the daily cycle's dunning steps
on every date of the last 13 weeks, and seven customers whose stories show what they do.

The steps are the daily cycle's (`remind`, then `review`, one customer per unit of work) on
every date of the last 13 weeks up to the day before the demo's today, after the billing run
of the date and before the payments of the day. Today's steps have not run: the dunning list
of today shows what they would do. Before those 13 weeks every invoice was paid within two
days of its date, before its first reminder and any block date: the steps had nothing to do.

The demo's subscribers pay each invoice within two days, so dunning leaves them alone. The
customers below, subscribers for two months before their story, pay two days after each
invoice until the billing date (a 1st, 8th or 15th) their story stops at, chosen back from
today far enough for the rules to have acted. A block date is the due date + 1 moved by at
most three days to a working day (weekends and French public holidays), so whatever the
demo's today, at that today:

- CUST-BLOCKED-1, -2 and -3 (terms of 14, 7 and 30 days, the last in GBP: reminders without a
  fee) stopped paying between 52 and 13 days ago; dunning blocked them 21 to 2 days ago, less
  than the 30 days after which it deactivates;
- CUST-DEACTIVATED stopped 76 to 60 days ago: blocked 61 to 42 days ago, deactivated 31 to 9
  days ago; its invoices stop there (a run skips an inactive customer);
- CUST-UNBLOCKED stopped 46 to 30 days ago, was blocked, and 22 days after it stopped paid all
  it owed (reminder fees included): the payment lifted the block at once; it pays again since;
- CUST-PROMISE stopped 36 to 20 days ago; ten days later, before its block date, an operator
  moved its next block date 45 days after it stopped (9 to 25 days from today): it owes overdue
  invoices and is still active;
- CUST-EXEMPT (dunning off: a town hall that pays on its own schedule) stopped 61 to 45 days ago
  and is neither reminded nor blocked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from solde.demo_billing import (
    DUNNING,
    FIBRE_1G,
    FIBRE_2G,
    FIBRE_300,
    STATIC_IP,
    TV,
    VOIP,
    Offer,
    Payer,
    Subscribers,
    Subscription,
    UowFactory,
    in_unit,
)
from solde.domain.periods import add_months
from solde.dunning.usecases import plan_day, remind, review, set_next_block_date
from solde.ledger import usecases as ledger
from solde.ledger.customers import Customer
from solde.settlement import usecases as settlement

ONE_DAY = timedelta(days=1)

#: The demo company's dunning settings: three reminders 3, 7 and 14 days after an invoice's
#: date, free then 5.00 and 10.00 EUR (no fee in other currencies), and block dates moved off
#: weekends and French public holidays.
SETTINGS: dict[str, object] = {
    "reminder_offsets": [3, 7, 14],
    "reminder_fees": {"EUR": ["0.00", "5.00", "10.00"]},
    "holiday_country": "FR",
    "block_on_weekends": False,
}

#: The billing days of the customers whose stories dunning tells: the latest of these days far
#: enough back is at most 16 days earlier still (15th to the next 1st).
STORY_DAYS = (1, 8, 15)
#: The customers of the stories pay their invoices this many days after their date, before
#: the first reminder, until they stop.
PROMPT = (2, 2)
#: The customers of the stories subscribed this many months before they stop paying.
CUSTOMER_MONTHS = 2
#: The dunning steps run on each of this many days before today (a story stops paying 76 days
#: before today at most; its first reminder is 3 days later).
STEP_DAYS = 91


@dataclass(frozen=True, slots=True)
class Story:
    """A customer who stops paying its invoices by name, and what follows."""

    ref: str
    name: str
    currency: str
    offers: tuple[Offer, ...]
    due_days: int
    #: stops paying from the latest billing date (a 1st, 8th or 15th) this many days back
    stops_before: int
    #: pays all it owes this many days after it stopped, then pays again (None: never)
    settles_after: int | None = None
    #: an operator moves its next block date: on this many days after it stopped, to that many
    promise: tuple[int, int] | None = None
    dunning_enabled: bool = True


STORIES = (
    Story("CUST-BLOCKED-1", "Pizzeria Bella Vista", "EUR", (FIBRE_1G, VOIP), 14, 20),
    Story("CUST-BLOCKED-2", "Garage du Centre", "EUR", (FIBRE_1G, STATIC_IP), 7, 13),
    Story("CUST-BLOCKED-3", "Thornbury Design Ltd", "GBP", (FIBRE_2G,), 30, 36),
    Story("CUST-DEACTIVATED", "Salon Élégance", "EUR", (FIBRE_300,), 14, 60),
    Story("CUST-UNBLOCKED", "Restaurant Le Zinc", "EUR", (FIBRE_1G, TV), 14, 30, settles_after=22),
    Story("CUST-PROMISE", "Imprimerie Moderne", "EUR", (FIBRE_2G, STATIC_IP), 14, 20,
          promise=(10, 45)),
    Story("CUST-EXEMPT", "Mairie de Saint-Genis", "EUR", (FIBRE_2G, {**STATIC_IP, "quantity": "8"}),
          30, 45, dunning_enabled=False),
)  # fmt: skip


def stops_on(story: Story, today: date) -> date:
    """The billing date from which the story's customer stops paying."""
    day = today - timedelta(days=story.stops_before)
    while day.day not in STORY_DAYS:
        day -= ONE_DAY
    return day


class Dunning:
    """The daily cycle's dunning steps over the demo's history, and the customers of the
    stories. One use case per unit of work."""

    def __init__(self, uow_factory: UowFactory, subscribers: Subscribers) -> None:
        self.factory, self.subscribers = uow_factory, subscribers
        self.agenda, self.calendar = subscribers.agenda, subscribers.calendar
        self.reminders = 0

    def tell(self, stories: Sequence[Story] = STORIES) -> int:
        """Open the stories' customers and give them their services and payers: how many."""
        for story in stories:
            self._story(story)
        return len(stories)

    def every_day(self) -> None:
        """The dunning steps of each date of the last `STEP_DAYS` days, up to yesterday."""
        day = max(self.calendar.start, self.calendar.today - timedelta(days=STEP_DAYS))
        while day < self.calendar.today:
            self.agenda.at(day, partial(self._day, day), kind=DUNNING)
            day += ONE_DAY

    def _day(self, day: date) -> None:
        """The reminders due on `day`, then blocking, unblocking and deactivation, as the
        daily cycle does them; the customers concerned are read first, as the dunning list
        of the date shows them."""
        with self.factory() as uow:
            plan = plan_day(uow, day)
        for message in plan.messages:
            if in_unit(self.factory, partial(remind, customer_id=message.customer_id, day=day)):
                self.reminders += 1
        changed = sorted(c.standing.customer_id for found in plan.actions.values() for c in found)
        for customer_id in changed:
            in_unit(self.factory, partial(review, customer_id=customer_id, day=day))

    def _story(self, story: Story) -> None:
        stop = stops_on(story, self.calendar.today)
        customer = self._customer(story, billing_day=stop.day)
        first = max(self.calendar.dates(stop.day)[0], add_months(stop, -CUSTOMER_MONTHS))
        wanted = [Subscription({**offer, "tax_rate": "20"}, first) for offer in story.offers]
        resumes = None
        if story.settles_after is not None:
            settle_day = stop + timedelta(days=story.settles_after)
            resumes = settle_day + ONE_DAY
            self.agenda.at(settle_day, partial(self._settle, customer, settle_day))
        if story.promise is not None:
            on, to = (stop + timedelta(days=n) for n in story.promise)
            self.agenda.at(on, partial(self._promise, customer, on, to))
        name = story.ref.removeprefix("CUST-")
        payer = Payer(name, days=PROMPT, stops=stop, resumes=resumes)
        self.subscribers.give(customer.id, wanted, payer)

    def _customer(self, story: Story, *, billing_day: int) -> Customer:
        british = story.currency == "GBP"
        values = {
            "name": story.name,
            "currency": story.currency,
            "segment": "business",
            "email": f"accounts@{story.ref.lower()}.example",
            "external_ref": story.ref,
            "payment_method": "bank_transfer",
            "locale": "en_GB" if british else "fr_FR",
            "billing_address": {
                "line1": "4 Wellington Street" if british else "21 rue Mercière",
                "postal_code": "LS1 4DL" if british else "69002",
                "city": "Leeds" if british else "Lyon",
                "country": "GB" if british else "FR",
            },
            "billing": {
                "billing_day": billing_day,
                "payment_due_days": story.due_days,
                "dunning_enabled": story.dunning_enabled,
            },
        }
        customer: Customer = in_unit(self.factory, lambda uow: ledger.create_customer(uow, values))
        return customer

    def _settle(self, customer: Customer, day: date) -> None:
        """Pay everything the customer owes (invoices and reminder fees) by bank transfer."""

        def action(uow: Any) -> None:
            owed = uow.balances.get(customer.id).balance
            values = {
                "amount": str(owed.amount),
                "date": day.isoformat(),
                "method": "bank_transfer",
                "reference": f"{customer.details.external_ref}-SETTLED",
            }
            settlement.record_payment(uow, customer.id, values, on=day)

        in_unit(self.factory, action)

    def _promise(self, customer: Customer, on: date, to: date) -> None:
        """The customer promised to pay by `to`: an operator moves its next block date."""
        values = {"date": to.isoformat(), "reason": f"Promised on the phone to pay by {to}"}
        in_unit(self.factory, lambda uow: set_next_block_date(uow, customer.id, values, on=on))
