"""A seeded, deterministic book of customers and 24 months of their transactions.

Customers are spread over three currencies (EUR, USD, GBP), three segments and the payment
methods; one in ten settles by hand. Month by month each customer gets what an internet
provider's customers get: a subscription charge, payments that pay it (and so settle it),
occasional one-off charges, collection costs, credit adjustments and gifts, a few forced
refunds; in the last month some payments await bank confirmation and some lines wait for the
next invoice. A few payments are charged back and a few charges reversed at the end.

Everything goes through solde's own service layer: customers through `create_customer`, the
months through the bulk import (one import per month, dated the month's last day, so payments
settle when they were made), the chargebacks and reversals through their use cases. The same
seed and sizes always give the same book.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from solde.bootstrap import Container
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.tables import transactions
from solde.storage.unit_of_work import SqlUnitOfWork

#: Bump when the generated book changes, so that cached data sets are built again.
VERSION = 3
MONTHS = 24
FIRST_MONTH = date(2024, 11, 1)
CURRENCIES = ("EUR", "USD", "GBP")
SEGMENTS = ("residential", "business", "wholesale")
METHODS = ("sepa_debit", "card", "bank_transfer", "check")
PLANS = (Decimal("19.99"), Decimal("29.90"), Decimal("39.90"), Decimal("59.00"), Decimal("89.00"))
TAX = {"EUR": "20", "USD": "0", "GBP": "20"}
CUSTOMERS_PER_UNIT = 2_000
ROWS_PER_UNIT = 20_000
ACTOR = "bench"


@dataclass(frozen=True, slots=True)
class BookSize:
    """How many customers and transactions (lines and payments) to generate."""

    customers: int
    transactions: int
    seed: int = 42


def month_start(index: int) -> date:
    """The first day of month `index` (0 = November 2024)."""
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def month_end(index: int) -> date:
    """The last day of month `index`."""
    return month_start(index + 1) - timedelta(days=1)


#: The day after the book's last month: what the benchmarks take as today.
TODAY = month_start(MONTHS)


def customer_values(index: int, rng: random.Random) -> dict[str, object]:
    """The details of customer number `index`."""
    currency = CURRENCIES[index % len(CURRENCIES)]
    return {
        "name": f"Customer {index + 1:07d}",
        "currency": currency,
        "external_ref": f"B{index + 1:07d}",
        "segment": SEGMENTS[rng.randrange(len(SEGMENTS))],
        "payment_method": METHODS[rng.randrange(len(METHODS))],
        "billing": {"auto_settlement": rng.random() >= 0.1},
    }


def create_customers(books: Container, count: int, seed: int) -> list[tuple[int, str]]:
    """Open `count` customers; returns (id, currency) of each."""
    rng = random.Random(seed)
    made: list[tuple[int, str]] = []
    for start in range(0, count, CUSTOMERS_PER_UNIT):
        with books.uow(actor=ACTOR) as uow:
            for index in range(start, min(count, start + CUSTOMERS_PER_UNIT)):
                customer = ledger.create_customer(uow, customer_values(index, rng))
                made.append((customer.id, customer.currency))
            uow.commit()
    return made


class _Month:
    """Draws one month's rows for one customer."""

    def __init__(self, rng: random.Random, index: int, last: bool) -> None:
        self.rng = rng
        self.start = month_start(index)
        self.last = last

    def day(self) -> str:
        return (self.start + timedelta(days=self.rng.randrange(28))).isoformat()

    def line(
        self, kind: str, tx_type: str, label: str, price: Decimal, currency: str
    ) -> dict[str, object]:
        return {
            "kind": kind,
            "type": tx_type,
            "label": label,
            "date": self.day(),
            "unit_price": str(price),
            "quantity": "1",
            "tax_rate": TAX[currency],
            "bill_on_next_invoice": False,
        }

    def row(self, plan: Decimal, currency: str) -> tuple[RowKind, dict[str, object]]:
        """One row, drawn from the mix of an internet provider's month."""
        draw = self.rng.random()
        gross = (plan * (1 + Decimal(TAX[currency]) / 100)).quantize(Decimal("0.01"))
        if draw < 0.40:
            return RowKind.LINE, self.line("debit", "charge", "Fibre subscription", plan, currency)
        if draw < 0.76:
            values: dict[str, object] = {"amount": str(gross), "date": self.day()}
            if self.last and self.rng.random() < 0.25:
                values["status"] = "pending"
            return RowKind.PAYMENT, values
        if draw < 0.84:
            extra = Decimal(self.rng.randrange(500, 15_000)) / 100
            values = self.line("debit", "charge", "Equipment and one-off services", extra, currency)
            values["bill_on_next_invoice"] = self.last
            return RowKind.LINE, values
        if draw < 0.88:
            return RowKind.LINE, self.line(
                "debit", "collection_cost", "Late payment fee", Decimal("7.50"), currency
            )
        if draw < 0.92:
            return RowKind.LINE, self.line(
                "debit", "adjustment", "Usage adjustment", Decimal("3.20"), currency
            )
        if draw < 0.96:
            return RowKind.LINE, self.line(
                "credit", "adjustment", "Outage compensation", Decimal("5.00"), currency
            )
        if draw < 0.99:
            return RowKind.LINE, self.line("credit", "gift", "Loyalty gift", plan, currency)
        values = {"amount": "-10.00", "date": self.day(), "force": True, "label": "Goodwill"}
        return RowKind.PAYMENT, values


def months(
    size: BookSize, customers: list[tuple[int, str]]
) -> Iterator[tuple[date, list[ImportRow]]]:
    """For each month: its last day and its rows (about transactions / 24 of them)."""
    rng = random.Random(size.seed + 1)
    plans = [PLANS[rng.randrange(len(PLANS))] for _ in customers]
    per_month = size.transactions / MONTHS
    produced = 0
    for index in range(MONTHS):
        target = round(per_month * (index + 1)) - produced
        month = _Month(rng, index, last=index == MONTHS - 1)
        rows: list[ImportRow] = []
        for _ in range(target):
            position = rng.randrange(len(customers))
            customer_id, currency = customers[position]
            kind, values = month.row(plans[position], currency)
            rows.append(ImportRow(customer_id, kind, values))
        rows.sort(key=lambda row: str(row.values["date"]))
        produced += target
        yield month_end(index), rows


def load(books: Container, size: BookSize) -> dict[str, int]:
    """Generate the whole book into an empty database; returns what was written."""
    customers = create_customers(books, size.customers, size.seed)
    written = 0
    for on, rows in months(size, customers):
        for start in range(0, len(rows), ROWS_PER_UNIT):
            with books.uow(actor=ACTOR) as uow:
                result = import_transactions(uow, rows[start : start + ROWS_PER_UNIT], on=on)
                uow.commit()
            written += len(result.transaction_ids)
    written += _corrections(books, size)
    return {"customers": len(customers), "transactions": written}


def _corrections(books: Container, size: BookSize) -> int:
    """Charge back a few payments and reverse a few charges, on the last day of the book."""
    on = TODAY
    count = max(1, size.customers // 1_000)
    done = 0
    with books.uow(actor=ACTOR) as uow:
        payments = _some(uow, "payment", count)
        charges = _some(uow, "charge", count)
    for payment_id in payments:
        with books.uow(actor=ACTOR) as uow:
            settlement.chargeback(uow, payment_id, {"reason": "Disputed"}, on=on)
            uow.commit()
        done += 1
    for charge_id in charges:
        with books.uow(actor=ACTOR) as uow:
            settlement.reverse(uow, charge_id, {"reason": "Billed by mistake"}, on=on)
            uow.commit()
        done += 1
    return done


def _some(uow: SqlUnitOfWork, tx_type: str, count: int) -> list[int]:
    """Ids of the first `count` posted transactions of a type, one per customer."""
    t = transactions.c
    query = (
        select(t.customer_id, t.id)
        .where(t.type == tx_type, t.state.in_(["open", "closed"]))
        .order_by(t.id)
        .limit(count * 20)
    )
    chosen: dict[int, int] = {}
    for customer_id, tx_id in uow.connection.execute(query):
        chosen.setdefault(customer_id, tx_id)
    return list(chosen.values())[:count]
