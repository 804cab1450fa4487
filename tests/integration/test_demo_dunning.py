"""The demo's dunning (SPEC §9), loaded once per database: the daily cycle's dunning steps ran on
every date of the 13 weeks before the demo's today, so customers who stopped paying were
reminded, blocked, deactivated or unblocked by a payment, an operator moved a next block date,
and a customer exempt from dunning owes overdue invoices.

The demo is loaded for Tuesday 17 March 2026 (T) with its default seed. Block dates move off
weekends and French public holidays. Each story (`solde.demo_dunning`) pays two days after each
invoice until it stops, from the latest 1st, 8th or 15th on or before T − n:

    customer          terms  n   stops   due         then
    CUST-BLOCKED-1    14     20  15 Feb  Sun 1 Mar   blocked Mon 2 Mar
    CUST-BLOCKED-2    7      13  1 Mar   Sun 8 Mar   blocked Mon 9 Mar
    CUST-BLOCKED-3    30     36  8 Feb   10 Mar      blocked 11 Mar (GBP: no reminder fee)
    CUST-DEACTIVATED  14     60  15 Jan  29 Jan      blocked 30 Jan; + 30 days is Sunday
                                                     1 Mar: deactivated Monday 2 Mar
    CUST-UNBLOCKED    14     30  15 Feb  Sun 1 Mar   blocked 2 Mar; pays all it owes on
                                                     9 Mar (+22 days)
    CUST-PROMISE      14     20  15 Feb  Sun 1 Mar   on 25 Feb (+10) its next block date is
                                                     moved to 1 Apr (+45)
    CUST-EXEMPT       30     45  15 Jan  14 Feb      dunning off: nothing

Reminder k of an open invoice is due 3, 7 and 14 days after its date, with a fee of 0, 5.00 and
10.00 in EUR. Atelier Lumière (CUST-WORKS) had its installation invoiced on 5 March and partly
paid on 9 March, after its first reminder (8 March) and before its second (12 March, 5.00).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from solde.billing.documents import DocState, DocType, Document
from solde.billing.ports import InvoiceQuery
from solde.bootstrap import Config, Container
from solde.demo import load_demo
from solde.dunning.rules import Action
from solde.dunning.usecases import get_calendar, plan_day
from solde.ledger import usecases as ledger
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.dunning_settings import DunningSettings
from solde.ledger.model import PaymentMethod, TxType
from solde.ledger.ports import MAX_PAGE, CustomerQuery, TransactionQuery
from solde.storage.migrate import upgrade

TODAY = date(2026, 3, 17)
D = Decimal
STATUS_EVENTS = {
    "customer.blocked": CustomerStatus.BLOCKED,
    "customer.unblocked": CustomerStatus.ACTIVE,
    "customer.deactivated": CustomerStatus.INACTIVE,
}


def d(text: str) -> date:
    """A date of the demo's year: "03-02" is 2 March 2026."""
    return date.fromisoformat(f"2026-{text}")


@dataclass
class Demo:
    container: Container

    def uow(self) -> Any:
        return self.container.uow(actor="test", write=False)

    def customers(self) -> list[Customer]:
        with self.uow() as uow:
            return list(ledger.list_customers(uow, CustomerQuery(limit=MAX_PAGE)).items)

    def id_of(self, ref: str) -> int:
        with self.uow() as uow:
            found = uow.customers.id_of_external_ref(ref)
        assert found is not None, ref
        return int(found)

    def invoices(self, ref: str) -> list[Document]:
        """The customer's issued invoices, oldest first."""
        with self.uow() as uow:
            listed = uow.documents.each(InvoiceQuery(as_of=TODAY, customer_id=self.id_of(ref)))
            found = [x.document for x in listed if x.document.state is DocState.ISSUED]
        return sorted((x for x in found if x.type is not DocType.PROFORMA), key=lambda x: x.id)


def _documents(uow: Any) -> list[Document]:
    return [x.document for x in uow.documents.each(InvoiceQuery(as_of=TODAY))]


def _admin(base: str, *statements: str) -> None:
    url = f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Demo]:
    base = own = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    else:
        base, name = str(request.getfixturevalue("pg_url")).rsplit("/", 1)
        own = f"{name}_demo_dunning"
        _admin(base, f'DROP DATABASE IF EXISTS "{own}"', f'CREATE DATABASE "{own}"')
        url = f"{base}/{own}"
    container = Container(Config(url))
    upgrade(container.engine)
    summary = load_demo(lambda: container.uow(actor="demo"), today=TODAY)
    assert summary is not None
    assert (summary.blocked, summary.inactive, summary.reminders) == (3, 1, 25)
    yield Demo(container)
    container.dispose()
    if base is not None:
        _admin(base, f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)')


# -- the company's settings ------------------------------------------------------------------


def test_the_demo_company_reminds_with_fees_in_eur_and_blocks_on_french_working_days(
    demo: Demo,
) -> None:
    with demo.uow() as uow:
        settings = uow.settings.get().dunning
    assert settings == DunningSettings(
        block_on_weekends=False,
        block_on_holidays=False,
        holiday_country="FR",
        reminder_offsets=(3, 7, 14),
        reminder_fees={"EUR": (D("0.00"), D("5.00"), D("10.00"))},
    )


# -- statuses and their events ---------------------------------------------------------------


def test_three_customers_are_blocked_by_dunning_and_one_is_deactivated(demo: Demo) -> None:
    by_ref = {c.details.external_ref: c.details for c in demo.customers()}
    changed = {
        ref: (details.status, details.status_by)
        for ref, details in by_ref.items()
        if details.status is not CustomerStatus.ACTIVE or details.status_by is not None
    }
    assert changed == {
        "CUST-BLOCKED-1": (CustomerStatus.BLOCKED, "dunning"),
        "CUST-BLOCKED-2": (CustomerStatus.BLOCKED, "dunning"),
        "CUST-BLOCKED-3": (CustomerStatus.BLOCKED, "dunning"),
        "CUST-DEACTIVATED": (CustomerStatus.INACTIVE, "dunning"),
        "CUST-UNBLOCKED": (CustomerStatus.ACTIVE, "dunning"),  # dunning lifted its own block
    }
    assert len(by_ref) == 48
    with demo.uow() as uow:
        states = uow.dunning.states_of([demo.id_of(ref) for ref in changed])
        blocked_on = {ref: states[demo.id_of(ref)].blocked_on for ref in changed}
    assert blocked_on == {
        "CUST-BLOCKED-1": d("03-02"),
        "CUST-BLOCKED-2": d("03-09"),
        "CUST-BLOCKED-3": d("03-11"),
        "CUST-DEACTIVATED": d("01-30"),  # kept: the day the block that became a deactivation began
        "CUST-UNBLOCKED": d("03-02"),  # kept after the lift: a failed payment would bring it back
    }


def test_each_change_of_status_and_of_next_block_date_is_an_event_of_its_day(
    demo: Demo,
) -> None:
    refs = {c.id: c.details.external_ref for c in demo.customers()}
    with demo.uow() as uow:
        every = uow.events.search(limit=1000).items
    told = sorted(
        (e.occurred_on, e.type, refs[e.customer_id])
        for e in every
        if e.type.startswith("customer.") and e.customer_id is not None
    )
    assert told == [
        (d("01-30"), "customer.blocked", "CUST-DEACTIVATED"),
        (d("02-25"), "customer.next_block_date_set", "CUST-PROMISE"),
        (d("03-02"), "customer.blocked", "CUST-BLOCKED-1"),
        (d("03-02"), "customer.blocked", "CUST-UNBLOCKED"),
        (d("03-02"), "customer.deactivated", "CUST-DEACTIVATED"),
        (d("03-09"), "customer.blocked", "CUST-BLOCKED-2"),
        (d("03-09"), "customer.unblocked", "CUST-UNBLOCKED"),
        (d("03-11"), "customer.blocked", "CUST-BLOCKED-3"),
    ]
    assert {e.type for e in every} == {
        *STATUS_EVENTS,
        "customer.next_block_date_set",
        "reminder.due",
    }
    # played back oldest first from `active`, each customer's events end at its status now
    status = {customer_id: CustomerStatus.ACTIVE for customer_id in refs}
    for event in sorted(every, key=lambda e: e.id):
        if event.type in STATUS_EVENTS:
            assert event.customer_id is not None
            status[event.customer_id] = STATUS_EVENTS[event.type]
    assert status == {c.id: c.details.status for c in demo.customers()}


def test_a_block_event_names_the_invoice_and_the_balance_behind_it(demo: Demo) -> None:
    """CUST-BLOCKED-1 owed its 15 February invoice (71.87, due Sunday 1 March) and two
    reminder fees (5.00 and 10.00) when it was blocked on Monday 2 March."""
    invoice = next(x for x in demo.invoices("CUST-BLOCKED-1") if x.document_date == d("02-15"))
    with demo.uow() as uow:
        (event,) = uow.events.search(
            type="customer.blocked", customer_id=demo.id_of("CUST-BLOCKED-1")
        ).items
    assert invoice.total.amount == D("71.87")
    assert dict(event.data) == {
        "customer_id": demo.id_of("CUST-BLOCKED-1"),
        "date": "2026-03-02",
        "balance": "86.87",
        "pending_payments": "0.00",
        "credit_limit": "0.00",
        "currency": "EUR",
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "due_date": "2026-03-01",
    }


# -- reminders ---------------------------------------------------------------------------------


def test_reminders_went_to_the_customers_who_stopped_paying_with_their_fees(demo: Demo) -> None:
    """Every reminder due up to yesterday (16 March) on an invoice open that day: levels 1-3
    of each story's first unpaid invoice, and of the next one as far as its dates have come;
    none to the exempt customer nor to the subscribers, who pay within two days."""
    refs = {c.id: c.details.external_ref for c in demo.customers()}
    with demo.uow() as uow:
        sent = [r for customer_id in refs for r in uow.dunning.reminders_of(customer_id)]
        docs = {doc.id: doc for doc in _documents(uow)}
        fees = {
            r.id: uow.transactions.get(r.fee_transaction_id) for r in sent if r.fee_transaction_id
        }
    found = sorted(
        (
            refs[r.customer_id],
            r.date,
            r.level,
            docs[line["invoice_id"]].document_date,
            None if r.id not in fees else fees[r.id].amount.amount,
        )
        for r in sent
        for line in r.lines
    )
    five, ten = D("5.00"), D("10.00")
    assert found == [
        ("CUST-BLOCKED-1", d("02-18"), 1, d("02-15"), None),
        ("CUST-BLOCKED-1", d("02-22"), 2, d("02-15"), five),
        ("CUST-BLOCKED-1", d("03-01"), 3, d("02-15"), ten),
        ("CUST-BLOCKED-2", d("03-04"), 1, d("03-01"), None),
        ("CUST-BLOCKED-2", d("03-08"), 2, d("03-01"), five),
        ("CUST-BLOCKED-2", d("03-15"), 3, d("03-01"), ten),  # blocked since the 9th
        ("CUST-BLOCKED-3", d("02-11"), 1, d("02-08"), None),  # GBP: no fee
        ("CUST-BLOCKED-3", d("02-15"), 2, d("02-08"), None),
        ("CUST-BLOCKED-3", d("02-22"), 3, d("02-08"), None),
        ("CUST-BLOCKED-3", d("03-11"), 1, d("03-08"), None),
        ("CUST-BLOCKED-3", d("03-15"), 2, d("03-08"), None),
        ("CUST-DEACTIVATED", d("01-18"), 1, d("01-15"), None),
        ("CUST-DEACTIVATED", d("01-22"), 2, d("01-15"), five),
        ("CUST-DEACTIVATED", d("01-29"), 3, d("01-15"), ten),
        ("CUST-DEACTIVATED", d("02-18"), 1, d("02-15"), None),  # blocked: still reminded
        ("CUST-DEACTIVATED", d("02-22"), 2, d("02-15"), five),
        ("CUST-DEACTIVATED", d("03-01"), 3, d("02-15"), ten),
        ("CUST-PROMISE", d("02-18"), 1, d("02-15"), None),
        ("CUST-PROMISE", d("02-22"), 2, d("02-15"), five),
        ("CUST-PROMISE", d("03-01"), 3, d("02-15"), ten),
        ("CUST-UNBLOCKED", d("02-18"), 1, d("02-15"), None),
        ("CUST-UNBLOCKED", d("02-22"), 2, d("02-15"), five),
        ("CUST-UNBLOCKED", d("03-01"), 3, d("02-15"), ten),
        ("CUST-WORKS", d("03-08"), 1, d("03-05"), None),
        ("CUST-WORKS", d("03-12"), 2, d("03-05"), five),
    ]
    assert all(len(r.lines) == 1 for r in sent)  # invoices a month apart: nothing to consolidate
    # each fee is a collection cost of the reminder's day, on the customer's account
    assert len(fees) == 13
    for reminder in sent:
        fee = fees.get(reminder.id)
        if fee is not None:
            assert (fee.customer_id, fee.type, fee.date) == (
                reminder.customer_id,
                TxType.COLLECTION_COST,
                reminder.date,
            )
            assert fee.label == f"Reminder fee (level {reminder.level})"
    with demo.uow() as uow:
        events = uow.events.search(type="reminder.due", limit=1000).items
    assert sorted(e.object_id for e in events) == sorted(r.id for r in sent)


def test_the_calendar_of_a_blocked_customer_shows_its_deactivation_date_and_coming_reminders(
    demo: Demo,
) -> None:
    with demo.uow() as uow:
        calendar = get_calendar(uow, demo.id_of("CUST-BLOCKED-1"), as_of=TODAY)
    assert (calendar.billing_due_date, calendar.computed_block_date) == (d("03-01"), d("03-02"))
    assert calendar.next_block_date is None  # blocked already
    assert calendar.next_deactivation_date == d("04-01")  # 30 days after 2 March, a Wednesday
    coming = [(r.date, r.level, r.fee) for r in calendar.reminders if r.sent_on is None]
    # the 15 March invoice's three reminders
    assert [(day, level) for day, level, _fee in coming] == [
        (d("03-18"), 1),
        (d("03-22"), 2),
        (d("03-29"), 3),
    ]
    assert [None if fee is None else fee.amount for _day, _level, fee in coming] == [
        None,
        D("5.00"),
        D("10.00"),
    ]


# -- one story each ----------------------------------------------------------------------------


def test_a_payment_of_all_it_owed_unblocked_a_customer_at_once(demo: Demo) -> None:
    """CUST-UNBLOCKED paid its 15 February invoice (71.98) and its two reminder fees on
    9 March, a week after its block: the block was lifted by the payment itself."""
    customer_id = demo.id_of("CUST-UNBLOCKED")
    with demo.uow() as uow:
        query = TransactionQuery(customer_id=customer_id, limit=MAX_PAGE)
        txs = ledger.list_transactions(uow, query).items
        (event,) = uow.events.search(type="customer.unblocked", customer_id=customer_id).items
        balance = uow.balances.get(customer_id).balance.amount
    (settled,) = [t for t in txs if t.reference == "CUST-UNBLOCKED-SETTLED"]
    assert (settled.type, settled.date, settled.method) == (
        TxType.PAYMENT,
        d("03-09"),
        PaymentMethod.BANK_TRANSFER,
    )
    assert settled.amount.amount == D("71.98") + D("5.00") + D("10.00")
    assert event.occurred_on == d("03-09")
    assert (event.data["balance"], event.data["invoice_id"]) == ("0.00", None)
    # it paid its 15 March invoice on the 17th, as before its trouble
    assert balance == D("0.00")


def test_a_deactivated_customer_is_no_longer_billed(demo: Demo) -> None:
    """CUST-DEACTIVATED (billing day 15) was deactivated on 2 March: the 15 March run
    skipped it; its January and February invoices stay unpaid."""
    invoices = demo.invoices("CUST-DEACTIVATED")
    assert [x.document_date for x in invoices] == [
        date(2025, 11, 15),
        date(2025, 12, 15),
        d("01-15"),
        d("02-15"),
    ]
    with demo.uow() as uow:
        balance = uow.balances.get(demo.id_of("CUST-DEACTIVATED")).balance.amount
    # two invoices of 35.99 and four reminder fees
    assert balance == 2 * D("35.99") + 2 * (D("5.00") + D("10.00"))


def test_an_operator_moved_the_next_block_date_of_a_customer_who_promised_to_pay(
    demo: Demo,
) -> None:
    customer_id = demo.id_of("CUST-PROMISE")
    with demo.uow() as uow:
        calendar = get_calendar(uow, customer_id, as_of=TODAY)
        (event,) = uow.events.search(
            type="customer.next_block_date_set", customer_id=customer_id
        ).items
        state = uow.dunning.states_of([customer_id])[customer_id]
    # overdue since 1 March, still active: the moved date (1 April) holds until it passes
    assert calendar.standing.status is CustomerStatus.ACTIVE
    assert (calendar.billing_due_date, calendar.computed_block_date) == (d("03-01"), d("03-02"))
    assert calendar.next_block_date == calendar.override == d("04-01")
    assert calendar.action is None
    assert (state.next_block_date, state.next_block_date_set_on) == (d("04-01"), d("02-25"))
    assert event.occurred_on == d("02-25")
    assert {k: event.data[k] for k in ("date", "was", "reason")} == {
        "date": "2026-04-01",
        "was": "2026-03-02",
        "reason": "Promised on the phone to pay by 2026-04-01",
    }


def test_a_customer_exempt_from_dunning_owes_an_overdue_invoice_and_is_left_alone(
    demo: Demo,
) -> None:
    customer_id = demo.id_of("CUST-EXEMPT")
    with demo.uow() as uow:
        settings = uow.settings.get()
        customer = uow.customers.get(customer_id)
        calendar = get_calendar(uow, customer_id, as_of=TODAY)
        told = uow.events.search(customer_id=customer_id).items
        reminded = uow.dunning.reminders_of(customer_id)
    assert customer.billing_settings(settings).dunning_enabled is False
    assert calendar.standing.over_limit
    overdue = [i for i in calendar.standing.invoices if i.due_date < TODAY]
    assert [i.due_date for i in overdue] == [d("02-14")]  # the 15 January invoice, 30 days
    assert calendar.standing.balance.amount == 3 * D("154.80")  # January to March
    assert calendar.next_block_date is calendar.next_deactivation_date is None
    assert calendar.reminders == ()
    assert (told, reminded) == ((), [])
    assert customer.details.status is CustomerStatus.ACTIVE


# -- the subscribers, the cycle of today, the books --------------------------------------------


def test_the_subscribers_pay_within_two_days_and_dunning_leaves_them_alone(demo: Demo) -> None:
    """Every invoice of the 36 subscribers is paid by name within two days of its date (or
    not due yet): before any reminder, so the dunning steps had nothing to do for them,
    including before the 13 weeks they ran."""
    with demo.uow() as uow:
        for ref in range(1001, 1037):
            customer_id = demo.id_of(f"CUST-{ref}")
            query = TransactionQuery(customer_id=customer_id, limit=MAX_PAGE)
            paid = {
                t.invoice_id: t.date
                for t in ledger.list_transactions(uow, query).items
                if t.type is TxType.PAYMENT
            }
            for invoice in demo.invoices(f"CUST-{ref}"):
                if invoice.total.amount > 0 and invoice.document_date <= TODAY - timedelta(days=2):
                    assert paid[invoice.id] - invoice.document_date <= timedelta(days=2)
            assert uow.dunning.reminders_of(customer_id) == []
            assert uow.events.search(customer_id=customer_id).items == ()


def test_the_dunning_steps_are_done_up_to_yesterday(demo: Demo) -> None:
    """Today's cycle would change no status: what was due is done. Nor would it remind
    anyone: no invoice is dated 3, 10 or 14 March (today − 14, 7 and 3 days)."""
    with demo.uow() as uow:
        plan = plan_day(uow, TODAY)
    assert all(plan.actions[action] == [] for action in Action)
    assert plan.messages == []


def test_the_books_obey_the_ledger_invariants_with_the_reminder_fees(demo: Demo) -> None:
    zero = D(0)
    with demo.uow() as uow:
        for customer in demo.customers():
            query = TransactionQuery(customer_id=customer.id, limit=MAX_PAGE)
            posted = [t for t in ledger.list_transactions(uow, query).items if t.is_posted]
            balance = uow.balances.get(customer.id).balance.amount
            assert balance == sum((t.signed().amount for t in posted), zero)
            assert balance == sum((t.signed(t.open_amount).amount for t in posted), zero)
            links = uow.allocations.links(customer.id, [t.id for t in posted])
            for t in posted:
                assert zero <= t.open_amount.amount <= t.amount.amount
                allocated = sum((link.amount.amount for link in links.get(t.id, [])), zero)
                assert allocated == t.amount.amount - t.open_amount.amount, t


def test_every_customer_who_owes_past_its_block_date_is_blocked_unless_exempt_or_promised(
    demo: Demo,
) -> None:
    """SPEC §9, read from the books: an active customer over its credit limit whose block
    date has passed is one that dunning leaves alone (exempt) or whose date was moved."""
    overdue: dict[str, list[date]] = defaultdict(list)
    with demo.uow() as uow:
        for customer in demo.customers():
            calendar = get_calendar(uow, customer.id, as_of=TODAY)
            block = calendar.computed_block_date
            if calendar.standing.over_limit and block is not None and block <= TODAY:
                overdue[str(customer.details.external_ref)].append(block)
                if customer.details.status is CustomerStatus.ACTIVE:
                    assert calendar.standing.exempt or calendar.override is not None
    assert sorted(overdue) == [
        "CUST-BLOCKED-1",
        "CUST-BLOCKED-2",
        "CUST-BLOCKED-3",
        "CUST-DEACTIVATED",
        "CUST-EXEMPT",
        "CUST-PROMISE",
    ]
