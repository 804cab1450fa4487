"""Demonstration data: a few dozen customers with six months of history up to today.

Everything goes through the same use cases as the API, day by day, so the demo database obeys
every rule (balances, settlement, as-of history). Customers subscribe to services, and their
recurring invoices are made by billing runs on their billing days; the latest run waits for
confirmation as a preview. The daily cycle's dunning steps run on every date of the last 13
weeks, so customers who stopped paying were reminded, blocked or deactivated
(`solde.demo_dunning`). The data is generated from a seed, so two loads with the same seed and
date give the same ledger.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from solde.billing import usecases as billing
from solde.billing.documents import Document
from solde.demo_billing import Agenda, Subscribers, UowFactory, in_unit
from solde.demo_dunning import SETTINGS as DUNNING_SETTINGS
from solde.demo_dunning import Dunning
from solde.ledger import usecases as ledger
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.model import Transaction
from solde.ledger.ports import MAX_PAGE, CustomerQuery, TransactionQuery
from solde.settlement import usecases as settlement

FIRST = ["Atelier", "Boulangerie", "Café", "Garage", "Studio", "Cabinet", "Ferme", "Librairie",
         "Pharmacie", "Hôtel", "Nordwind", "Bergmann", "Harbour", "Kestrel", "Juniper", "Maple"]  # fmt: skip
SECOND = ["Martin", "Dubois", "Lefèvre", "Moreau", "Laurent", "GmbH", "& Söhne", "Ltd", "Partners",
          "Coop", "Roux", "Fontaine", "Digital", "Works", "Supply", "Média"]  # fmt: skip
SEGMENTS = ["residential", "business", "wholesale"]
CURRENCIES = ["EUR"] * 6 + ["USD"] * 2 + ["GBP"] * 2
METHODS = ["sepa_debit", "bank_transfer", "card", "sepa_debit", "check"]
EXTRAS = [("Installation", "49.00"), ("Router rental", "5.00"), ("Static IP setup", "3.00"),
          ("On-site visit", "75.00"), ("Extra data 10 GB", "4.50")]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loaded."""

    customers: int
    transactions: int
    documents: int = 0
    services: int = 0
    runs: int = 0
    drafts: int = 0
    reminders: int = 0
    blocked: int = 0
    inactive: int = 0

    def __str__(self) -> str:
        return (
            f"{self.customers} customers, {self.transactions} transactions and lines, "
            f"{self.documents} invoices and credit notes, {self.services} services, "
            f"{self.runs} billing runs ({self.drafts} drafts awaiting confirmation), "
            f"{self.reminders} reminders, {self.blocked} customers blocked and "
            f"{self.inactive} deactivated"
        )


class _Book:
    """Runs one use case per unit of work, on the day it happens."""

    def __init__(self, uow_factory: UowFactory) -> None:
        self.factory = uow_factory
        self.documents = 0

    def _run(self, action: Callable[[Any], Any]) -> Any:
        return in_unit(self.factory, action)

    def customer(self, values: dict[str, object]) -> Customer:
        customer: Customer = self._run(lambda uow: ledger.create_customer(uow, values))
        return customer

    def entry(self, customer: Customer, day: date, **values: object) -> Transaction:
        values.setdefault("date", day.isoformat())
        tx: Transaction = self._run(
            lambda uow: settlement.add_entry(uow, customer.id, values, on=day)
        )
        return tx

    def pay(self, customer: Customer, day: date, **values: object) -> Transaction:
        values.setdefault("date", day.isoformat())
        tx: Transaction = self._run(
            lambda uow: settlement.record_payment(uow, customer.id, values, on=day)
        )
        return tx

    def invoice(self, customer: Customer, day: date, **values: object) -> Document:
        self.documents += 1
        values.setdefault("date", day.isoformat())
        doc: Document = self._run(
            lambda uow: billing.create_invoice(uow, customer.id, values, on=day)
        )
        return doc

    def credit_note(self, invoice: Document, day: date, **values: object) -> Document:
        self.documents += 1
        doc: Document = self._run(
            lambda uow: billing.issue_credit_note(uow, invoice.id, values, on=day)
        )
        return doc

    def settings(self, changes: dict[str, object], day: date) -> None:
        self._run(
            lambda uow: ledger.update_settings(uow, changes, is_timezone=lambda _: True, on=day)
        )

    def fail(self, payment: Transaction, day: date, **values: object) -> None:
        self._run(lambda uow: settlement.fail_payment(uow, payment.id, values, on=day))

    def chargeback(self, payment: Transaction, day: date, **values: object) -> None:
        self._run(lambda uow: settlement.chargeback(uow, payment.id, values, on=day))

    def transactions(self) -> int:
        """How many transactions and lines the customers have."""
        with self.factory() as uow:
            listed = ledger.list_customers(uow, CustomerQuery(limit=MAX_PAGE)).items
            query = partial(TransactionQuery, limit=MAX_PAGE)
            return sum(
                len(ledger.list_transactions(uow, query(customer_id=c.id)).items) for c in listed
            )

    def statuses(self) -> list[CustomerStatus]:
        """The status of each customer."""
        with self.factory() as uow:
            listed = ledger.list_customers(uow, CustomerQuery(limit=MAX_PAGE)).items
            return [c.details.status for c in listed]


def load_demo(
    uow_factory: UowFactory, *, today: date, seed: int = 7, customers: int = 36
) -> DemoSummary | None:
    """Load the demo into an empty database; None when customers already exist."""
    with uow_factory() as uow:
        if ledger.list_customers(uow, CustomerQuery(limit=1)).items:
            return None
    book = _Book(uow_factory)
    book.settings({"partners": [SELLER], "dunning": DUNNING_SETTINGS}, today)
    subscribers = Subscribers(uow_factory, random.Random(seed), today)
    _special_cases(book, subscribers.agenda)
    for index in range(customers):
        _customer_story(book, subscribers, index)
    dunning = Dunning(uow_factory, subscribers)
    stories = dunning.tell()
    dunning.every_day()
    subscribers.play()
    statuses = book.statuses()
    return DemoSummary(
        customers + 5 + stories,
        book.transactions(),
        book.documents + subscribers.invoices,
        subscribers.services,
        subscribers.runs,
        subscribers.drafts,
        dunning.reminders,
        statuses.count(CustomerStatus.BLOCKED),
        statuses.count(CustomerStatus.INACTIVE),
    )


def _customer_story(book: _Book, subscribers: Subscribers, index: int) -> None:
    name = f"{FIRST[index % len(FIRST)]} {SECOND[(index * 7) % len(SECOND)]}"
    currency = CURRENCIES[index % len(CURRENCIES)]
    country = {"EUR": "FR", "USD": "US", "GBP": "GB"}[currency]
    segment = SEGMENTS[index % len(SEGMENTS)]
    quarterly = index % 12 == 2
    billing: dict[str, object] = {
        "billing_day": subscribers.calendar.billing_day(index),
        "payment_due_days": [14, 30, 7][index % 3],
    }
    if quarterly:
        billing["period_months"] = 3
    customer = book.customer(
        {
            "name": name,
            "currency": currency,
            "segment": segment,
            "email": f"billing{index + 1}@{name.split()[0].lower()}.example",
            "external_ref": f"CUST-{1001 + index}",
            "payment_method": METHODS[index % len(METHODS)],
            "locale": {"EUR": "fr_FR", "USD": "en_US", "GBP": "en_GB"}[currency],
            "billing_address": {
                "line1": f"{index + 3} Main Street",
                "postal_code": f"{69000 + index}",
                "city": {"EUR": "Lyon", "USD": "Boston", "GBP": "Leeds"}[currency],
                "country": country,
            },
            "billing": billing,
        }
    )
    subscribers.subscribe(customer.id, index, segment, quarterly=quarterly)
    today, at = subscribers.today, subscribers.agenda.at
    if index % 4 == 0:
        extra, extra_price = EXTRAS[index % len(EXTRAS)]
        line_day = today + timedelta(days=index % 9)
        at(
            today,
            partial(
                book.entry,
                customer,
                today,
                kind="debit",
                type="charge",
                label=extra,
                unit_price=extra_price,
                tax_rate="20",
                date=line_day.isoformat(),
            ),
        )
    if index % 6 == 1:
        at(
            today,
            partial(
                book.entry,
                customer,
                today,
                kind="credit",
                type="gift",
                label="Goodwill: outage on the 12th",
                unit_price="10.00",
                tax_rate="20",
            ),
        )


def _special_cases(book: _Book, agenda: Agenda) -> None:
    """The customers a tour of the back office should meet (none has services: the runs
    skip them)."""
    at, today = agenda.at, agenda.today
    start = today - timedelta(days=40)
    # in credit, after a refund of part of it
    prepaid = book.customer(
        {
            "name": "Prepaid Tourist SARL",
            "currency": "EUR",
            "segment": "residential",
            "external_ref": "CUST-PREPAID",
            "email": "hello@prepaid.example",
        }
    )
    at(start, partial(book.pay, prepaid, start, amount="300.00", reference="WIRE-7781"))
    at(start, partial(book.entry, prepaid, start, kind="debit", label="Fibre 300 Mb/s — annual",
                      unit_price="99.00", tax_rate="20", bill_on_next_invoice=False))  # fmt: skip
    refund_day = start + timedelta(days=5)
    at(refund_day, partial(book.pay, prepaid, refund_day, amount="-50.00", reference="REFUND-12"))
    # automatic settlement off: debits and credits stay open side by side
    key = book.customer(
        {
            "name": "Key Account Industries",
            "currency": "EUR",
            "segment": "wholesale",
            "external_ref": "CUST-KEY",
            "billing": {"auto_settlement": False, "dunning_enabled": False, "credit_limit": "5000"},
        }
    )
    for offset, amount in ((30, "1200.00"), (20, "800.00")):
        day = today - timedelta(days=offset)
        at(day, partial(book.entry, key, day, kind="debit", label="Transit capacity",
                        unit_price=amount, bill_on_next_invoice=False))  # fmt: skip
    day = today - timedelta(days=10)
    at(day, partial(book.pay, key, day, amount="1500.00", method="bank_transfer",
                    reference="KA-2291"))  # fmt: skip
    _failed_debit(book, agenda)
    _charged_back(book, agenda)
    _installation(book, agenda)


def _failed_debit(book: _Book, agenda: Agenda) -> None:
    """A failed direct debit with a bank fee, and a retry awaiting confirmation."""
    at, today = agenda.at, agenda.today
    sepa = book.customer(
        {
            "name": "Rivière Direct Debit",
            "currency": "EUR",
            "segment": "residential",
            "external_ref": "CUST-SEPA",
            "payment_method": "sepa_debit",
        }
    )
    charge_day = today - timedelta(days=15)
    at(charge_day, partial(book.entry, sepa, charge_day, kind="debit", label="Fibre 1 Gb/s",
                           unit_price="49.99", tax_rate="20", bill_on_next_invoice=False))  # fmt: skip
    debit_day, fail_day = charge_day + timedelta(days=2), charge_day + timedelta(days=6)

    def first_try() -> None:
        payment = book.pay(sepa, debit_day, amount="59.99", status="pending")
        at(fail_day, partial(book.fail, payment, fail_day, reason="insufficient funds (AM04)",
                             fee="7.50"))  # fmt: skip

    at(debit_day, first_try)
    at(today, partial(book.pay, sepa, today, amount="67.49", status="pending",
                      reference="SEPA-RETRY"))  # fmt: skip


def _charged_back(book: _Book, agenda: Agenda) -> None:
    """A card payment charged back, with a fee."""
    at, today = agenda.at, agenda.today
    shop = book.customer(
        {
            "name": "Quickstore Online Ltd",
            "currency": "GBP",
            "segment": "business",
            "external_ref": "CUST-DISPUTE",
            "payment_method": "card",
        }
    )
    day = today - timedelta(days=25)
    dispute_day = day + timedelta(days=12)

    def charge_and_card_payment() -> None:
        book.entry(shop, day, kind="debit", label="Business fibre 2 Gb/s", unit_price="89.00",
                   tax_rate="20", bill_on_next_invoice=False)  # fmt: skip
        card = book.pay(shop, day, amount="106.80", method="card")
        at(dispute_day, partial(book.chargeback, card, dispute_day, reason="cardholder dispute",
                                fee="15.00"))  # fmt: skip

    at(day, charge_and_card_payment)


def _installation(book: _Book, agenda: Agenda) -> None:
    """An installation invoiced, partly paid, partly credited after a late technician, and
    a quote (proforma)."""
    at, today = agenda.at, agenda.today
    works = book.customer(
        {
            "name": "Atelier Lumière",
            "currency": "EUR",
            "segment": "business",
            "external_ref": "CUST-WORKS",
            "locale": "fr_FR",
            "billing_address": {"line1": "8 quai Saint-Vincent", "postal_code": "69001",
                                "city": "Lyon", "country": "FR"},
        }
    )  # fmt: skip
    day = today - timedelta(days=12)
    paid_day, credit_day = day + timedelta(days=4), day + timedelta(days=6)

    def installation() -> None:
        invoice = book.invoice(
            works,
            day,
            items=[
                {"description": "Fibre installation", "unit_price": "149.00", "tax_rate": "20"},
                {"description": "Wi-Fi mesh kit", "quantity": "3", "unit_price": "59.90",
                 "tax_rate": "20"},
            ],
            note="Thank you for choosing us.",
        )  # fmt: skip
        at(paid_day, partial(book.pay, works, paid_day, amount="150.00", invoice_id=invoice.id))
        at(credit_day, partial(book.credit_note, invoice, credit_day, amount="30.00",
                               reason="Technician late"))  # fmt: skip

    at(day, installation)
    at(today, partial(book.invoice, works, today, type="proforma",
                      items=[{"description": "Business fibre 2 Gb/s — 12 months",
                              "quantity": "12", "unit_price": "89.00", "tax_rate": "20"}]))  # fmt: skip


#: The selling company printed on the demo's documents.
SELLER: dict[str, object] = {
    "id": 1,
    "name": "Solde Networks SAS",
    "address": "12 rue de la République\n69002 Lyon\nFrance",
    "tax_id": "FR 40 123456789",
    "email": "billing@solde-networks.example",
    "phone": "+33 4 00 00 00 00",
    "website": "solde-networks.example",
    "bank_details": "IBAN FR76 3000 6000 0112 3456 7890 189\nBIC AGRIFRPP",
    "payment_instructions": "Pay by bank transfer with the invoice number as reference.",
    "footer": "Solde Networks SAS — capital 10,000 EUR — RCS Lyon 123 456 789",
}

#: The back-office admin that `solde demo` makes sure exists (named in the README).
DEMO_EMAIL = "admin@example.com"
DEMO_PASSWORD = "solde-demo"  # noqa: S105 - a published demo sign-in, not a secret
