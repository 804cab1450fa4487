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
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from solde.bootstrap import Container
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage import units
from solde.storage.ids import next_ids
from solde.storage.tables import services, transactions
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


def customer_values(
    index: int, rng: random.Random, billing_day: int | None = None
) -> dict[str, object]:
    """The details of customer number `index` (billed on `billing_day` when given)."""
    currency = CURRENCIES[index % len(CURRENCIES)]
    billing: dict[str, object] = {}
    values: dict[str, object] = {
        "name": f"Customer {index + 1:07d}",
        "currency": currency,
        "external_ref": f"B{index + 1:07d}",
        "segment": SEGMENTS[rng.randrange(len(SEGMENTS))],
        "payment_method": METHODS[rng.randrange(len(METHODS))],
        "billing": billing,
    }
    billing["auto_settlement"] = rng.random() >= 0.1  # drawn last, as it always was
    if billing_day is not None:
        billing["billing_day"] = billing_day
    return values


def create_customers(
    books: Container, count: int, seed: int, billing_day: int | None = None
) -> list[tuple[int, str]]:
    """Open `count` customers (billed on `billing_day` when given); returns (id, currency)
    of each."""
    rng = random.Random(seed)
    made: list[tuple[int, str]] = []
    for start in range(0, count, CUSTOMERS_PER_UNIT):
        with books.uow(actor=ACTOR) as uow:
            for index in range(start, min(count, start + CUSTOMERS_PER_UNIT)):
                values = customer_values(index, rng, billing_day)
                customer = ledger.create_customer(uow, values)
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


# -- the book of a billing run ----------------------------------------------------------------

#: Bump when the billing-run book changes, so that cached ones are built again.
BILLING_VERSION = 1
#: The date of the benchmarked billing run: every customer's billing day, the day after the
#: month whose days the older services were billed through.
RUN_DATE = TODAY
#: What an internet provider sells, per month excl. tax.
OFFERS = (
    ("Fibre 300M", Decimal("29.90")),
    ("Fibre 1G", Decimal("39.90")),
    ("Fibre 8G", Decimal("59.00")),
    ("TV option", Decimal("9.99")),
    ("Mobile line", Decimal("14.99")),
    ("Static IP address", Decimal("5.00")),
)
#: The stamp of the services the generator writes (fixed: the same seed gives the same book).
SERVICES_STAMP = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BillingBook:
    """How many customers a billing run's book has."""

    customers: int
    seed: int = 42


def _service_row(rng: random.Random, customer_id: int, currency: str) -> dict[str, object]:
    """One service: most billed through the month before the run by earlier runs; 15 % started
    in that month and never billed (its first days are prorated); 5 % end during the period
    the run bills (their last days are prorated)."""
    description, price = OFFERS[rng.randrange(len(OFFERS))]
    quantity = Decimal(2) if description == "Mobile line" and rng.random() < 0.3 else Decimal(1)
    draw = rng.random()
    billed_through: date | None = RUN_DATE - timedelta(days=1)
    end: date | None = None
    if draw < 0.15:  # new last month: billed from its start to the end of the run's period
        start = RUN_DATE - timedelta(days=rng.randrange(1, 31))
        billed_through = None
    else:
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
        if draw > 0.95:  # ends inside the run's period
            end = RUN_DATE + timedelta(days=rng.randrange(1, 28))
    return {
        "customer_id": customer_id,
        "description": description,
        "unit_price_e6": units.micros(price),
        "quantity_e6": units.micros(quantity),
        "tax_rate_e4": units.rate_units(Decimal(TAX[currency])),
        "start_date": start,
        "end_date": end,
        "billed_through": billed_through,
        "created_at": SERVICES_STAMP,
        "updated_at": SERVICES_STAMP,
    }


def _unbilled_line(rng: random.Random, day: date, currency: str) -> dict[str, object]:
    """A line waiting for the next invoice: equipment, usage over the allowance, or a credit
    for an outage."""
    draw = rng.random()
    kind, tx_type, label = "debit", "charge", "Equipment and one-off services"
    price = Decimal(rng.randrange(500, 15_000)) / 100
    if draw < 0.35:
        tx_type, label, price = "adjustment", "Usage over the allowance", Decimal("3.20")
    elif draw < 0.50:
        kind, tx_type, label, price = "credit", "adjustment", "Outage compensation", Decimal(5)
    return {
        "kind": kind,
        "type": tx_type,
        "label": label,
        "date": day.isoformat(),
        "unit_price": str(price),
        "quantity": "1",
        "tax_rate": TAX[currency],
        "bill_on_next_invoice": True,
    }


def load_billing(books: Container, size: BillingBook) -> dict[str, int]:
    """Generate a billing run's book into an empty database; returns what was written.

    Every customer is billed on `RUN_DATE`'s day, monthly in advance (the defaults), and has
    one service or two (one in three) and 0 to 3 unbilled lines dated in the month before;
    one in five paid in advance during that month, so its invoice is settled from credit.
    The customers go through `create_customer` and the lines and payments through the bulk
    import, as in the main book; the services are written straight into their table (many
    rows a statement) with `billed_through` already set for those billed by earlier runs.
    """
    customers = create_customers(books, size.customers, size.seed, billing_day=RUN_DATE.day)
    rng = random.Random(size.seed + 2)
    last_month = month_start(MONTHS - 1)
    days = (RUN_DATE - last_month).days
    services_rows: list[dict[str, object]] = []
    rows: list[ImportRow] = []
    for customer_id, currency in customers:
        for _ in range(2 if rng.random() < 1 / 3 else 1):
            services_rows.append(_service_row(rng, customer_id, currency))
        for _ in range(rng.randrange(4)):
            day = last_month + timedelta(days=rng.randrange(days))
            rows.append(ImportRow(customer_id, RowKind.LINE, _unbilled_line(rng, day, currency)))
        if rng.random() < 0.2:
            day = last_month + timedelta(days=rng.randrange(days))
            values: dict[str, object] = {
                "amount": str(rng.choice(PLANS) * 2),
                "date": day.isoformat(),
            }
            rows.append(ImportRow(customer_id, RowKind.PAYMENT, values))
    for start in range(0, len(services_rows), ROWS_PER_UNIT):
        chunk = services_rows[start : start + ROWS_PER_UNIT]
        with books.uow(actor=ACTOR) as uow:
            ids = next_ids(uow.connection, services, len(chunk))
            uow.connection.execute(
                insert(services), [{**row, "id": i} for row, i in zip(chunk, ids, strict=True)]
            )
            uow.commit()
    rows.sort(key=lambda row: str(row.values["date"]))
    on = month_end(MONTHS - 1)
    written = 0
    for start in range(0, len(rows), ROWS_PER_UNIT):
        with books.uow(actor=ACTOR) as uow:
            result = import_transactions(uow, rows[start : start + ROWS_PER_UNIT], on=on)
            uow.commit()
        written += len(result.transaction_ids)
    return {"customers": len(customers), "services": len(services_rows), "transactions": written}
