"""Demonstration data: a few dozen customers with six months of history up to today.

Everything goes through the same use cases as the API, day by day, so the demo database obeys
every rule (balances, settlement, as-of history). The data is generated from a seed, so two
loads with the same seed and date give the same ledger.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from solde.billing import usecases as billing
from solde.billing.documents import Document
from solde.ledger import usecases as ledger
from solde.ledger.customers import Customer
from solde.ledger.model import Transaction
from solde.ledger.ports import CustomerQuery
from solde.settlement import usecases as settlement

UowFactory = Callable[[], AbstractContextManager[Any]]

FIRST = ["Atelier", "Boulangerie", "Café", "Garage", "Studio", "Cabinet", "Ferme", "Librairie",
         "Pharmacie", "Hôtel", "Nordwind", "Bergmann", "Harbour", "Kestrel", "Juniper", "Maple"]  # fmt: skip
SECOND = ["Martin", "Dubois", "Lefèvre", "Moreau", "Laurent", "GmbH", "& Söhne", "Ltd", "Partners",
          "Coop", "Roux", "Fontaine", "Digital", "Works", "Supply", "Média"]  # fmt: skip
SEGMENTS = ["residential", "business", "wholesale"]
CURRENCIES = ["EUR"] * 6 + ["USD"] * 2 + ["GBP"] * 2
METHODS = ["sepa_debit", "bank_transfer", "card", "sepa_debit", "check"]
PLANS = [
    ("Fibre 300", "29.99"),
    ("Fibre 1G", "44.99"),
    ("Business 2G", "89.00"),
    ("VoIP line", "9.90"),
]
EXTRAS = [("Installation", "49.00"), ("Router rental", "5.00"), ("Static IP", "3.00"),
          ("On-site visit", "75.00"), ("Extra data 10 GB", "4.50")]  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo loaded."""

    customers: int
    transactions: int
    documents: int = 0

    def __str__(self) -> str:
        return (
            f"{self.customers} customers, {self.transactions} transactions and lines, "
            f"{self.documents} invoices and credit notes"
        )


class _Book:
    """Runs one use case per unit of work, on the day it happens."""

    def __init__(self, uow_factory: UowFactory) -> None:
        self.factory = uow_factory
        self.written = 0
        self.documents = 0

    def _run(self, action: Callable[[Any], Any]) -> Any:
        with self.factory() as uow:
            result = action(uow)
            uow.commit()
        return result

    def customer(self, values: dict[str, object]) -> Customer:
        customer: Customer = self._run(lambda uow: ledger.create_customer(uow, values))
        return customer

    def entry(self, customer: Customer, day: date, **values: object) -> Transaction:
        self.written += 1
        values.setdefault("date", day.isoformat())
        tx: Transaction = self._run(
            lambda uow: settlement.add_entry(uow, customer.id, values, on=day)
        )
        return tx

    def pay(self, customer: Customer, day: date, **values: object) -> Transaction:
        self.written += 1
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
        self.written += 0 if doc.transaction_id is None else 1  # a proforma posts nothing
        return doc

    def credit_note(self, invoice: Document, day: date, **values: object) -> Document:
        self.documents += 1
        self.written += 1
        doc: Document = self._run(
            lambda uow: billing.issue_credit_note(uow, invoice.id, values, on=day)
        )
        return doc

    def settings(self, changes: dict[str, object], day: date) -> None:
        self._run(
            lambda uow: ledger.update_settings(uow, changes, is_timezone=lambda _: True, on=day)
        )

    def fail(self, payment: Transaction, day: date, **values: object) -> None:
        self.written += 1 if "fee" in values else 0  # the fee is a collection cost
        self._run(lambda uow: settlement.fail_payment(uow, payment.id, values, on=day))

    def chargeback(self, payment: Transaction, day: date, **values: object) -> None:
        self.written += 2 if "fee" in values else 1
        self._run(lambda uow: settlement.chargeback(uow, payment.id, values, on=day))


def load_demo(
    uow_factory: UowFactory, *, today: date, seed: int = 7, customers: int = 36
) -> DemoSummary | None:
    """Load the demo into an empty database; None when customers already exist."""
    with uow_factory() as uow:
        if ledger.list_customers(uow, CustomerQuery(limit=1)).items:
            return None
    rng = random.Random(seed)
    book = _Book(uow_factory)
    book.settings({"partners": [SELLER]}, today)
    for index in range(customers):
        _customer_story(book, rng, index, today)
    _special_cases(book, today)
    return DemoSummary(customers + 5, book.written, book.documents)


def _customer_story(book: _Book, rng: random.Random, index: int, today: date) -> None:
    name = f"{FIRST[index % len(FIRST)]} {SECOND[(index * 7) % len(SECOND)]}"
    currency = CURRENCIES[index % len(CURRENCIES)]
    country = {"EUR": "FR", "USD": "US", "GBP": "GB"}[currency]
    customer = book.customer(
        {
            "name": name,
            "currency": currency,
            "segment": SEGMENTS[index % len(SEGMENTS)],
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
            "billing": {"billing_day": 1 + index % 28, "payment_due_days": [14, 30, 7][index % 3]},
        }
    )
    plan, price = PLANS[index % len(PLANS)]
    late_payer = rng.random() < 0.25
    for months_ago in range(6, 0, -1):
        day = today - timedelta(days=30 * months_ago)
        invoice = book.invoice(
            customer,
            day,
            type="recurring",
            items=[{"description": f"{plan} — {day:%B %Y}", "unit_price": price, "tax_rate": "20"}],
            include_unbilled=True,
            period_start=day.isoformat(),
            period_end=(day + timedelta(days=29)).isoformat(),
        )
        if not late_payer or months_ago > 2:
            pay_day = min(today, day + timedelta(days=rng.randint(3, 20)))
            book.pay(
                customer,
                pay_day,
                amount=str(invoice.total),
                invoice_id=invoice.id,
                reference=f"PAY-{index}-{months_ago}",
            )
    if index % 4 == 0:
        extra, extra_price = EXTRAS[index % len(EXTRAS)]
        line_day = today + timedelta(days=index % 9)
        book.entry(
            customer,
            today,
            kind="debit",
            type="charge",
            label=extra,
            unit_price=extra_price,
            tax_rate="20",
            date=line_day.isoformat(),
        )
    if index % 6 == 1:
        book.entry(
            customer,
            today,
            kind="credit",
            type="gift",
            label="Goodwill: outage on the 12th",
            unit_price="10.00",
            tax_rate="20",
        )


def _special_cases(book: _Book, today: date) -> None:
    """The customers a tour of the back office should meet."""
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
    book.pay(prepaid, start, amount="300.00", reference="WIRE-7781")
    book.entry(
        prepaid,
        start,
        kind="debit",
        label="Fibre 300 — annual",
        unit_price="99.00",
        tax_rate="20",
        bill_on_next_invoice=False,
    )
    book.pay(prepaid, start + timedelta(days=5), amount="-50.00", reference="REFUND-12")
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
        book.entry(
            key,
            today - timedelta(days=offset),
            kind="debit",
            label="Transit capacity",
            unit_price=amount,
            bill_on_next_invoice=False,
        )
    book.pay(
        key,
        today - timedelta(days=10),
        amount="1500.00",
        method="bank_transfer",
        reference="KA-2291",
    )
    # a failed direct debit with a bank fee, and a retry awaiting confirmation
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
    book.entry(
        sepa,
        charge_day,
        kind="debit",
        label="Fibre 1G",
        unit_price="44.99",
        tax_rate="20",
        bill_on_next_invoice=False,
    )
    first_try = book.pay(sepa, charge_day + timedelta(days=2), amount="53.99", status="pending")
    book.fail(
        first_try, charge_day + timedelta(days=6), reason="insufficient funds (AM04)", fee="7.50"
    )
    book.pay(sepa, today, amount="61.49", status="pending", reference="SEPA-RETRY")
    # a card payment charged back, with a fee
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
    book.entry(
        shop,
        day,
        kind="debit",
        label="Business 2G",
        unit_price="89.00",
        tax_rate="20",
        bill_on_next_invoice=False,
    )
    card = book.pay(shop, day, amount="106.80", method="card")
    book.chargeback(card, day + timedelta(days=12), reason="cardholder dispute", fee="15.00")
    # an installation invoiced, partly credited after a late technician, and a quote
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
    book.pay(works, day + timedelta(days=4), amount="150.00", invoice_id=invoice.id)
    book.credit_note(invoice, day + timedelta(days=6), amount="30.00", reason="Technician late")
    book.invoice(
        works,
        today,
        type="proforma",
        items=[{"description": "Business 2G — 12 months", "quantity": "12",
                "unit_price": "89.00", "tax_rate": "20"}],
    )  # fmt: skip


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
