"""The baseline: the same writes straight into the database, without solde.

`raw_transactions` is a copy of solde's `transactions` table (the same columns, constraints and
indexes) in the same database; rows are plain tuples written with the DBAPI driver (sqlite3 or
psycopg), with the same durability as solde (WAL and synchronous=FULL on SQLite).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, Table, create_engine
from sqlalchemy.sql.elements import quoted_name

from bench.databases import Database
from solde.storage.tables import customers, transactions

TABLE = "raw_transactions"
COLUMNS = (
    "customer_id", "id", "kind", "type", "label", "date", "currency", "amount", "net", "tax",
    "tax_rate_e4", "quantity_e6", "unit_price_e6", "state", "open_amount", "origin",
    "entered_on", "reference", "method", "created_at", "created_by",
)  # fmt: skip


def create_table(database: Database, original: Table = transactions) -> str:
    """Create `raw_<name>` like solde's table (foreign key to `customers` included), with its
    indexes and constraints renamed; returns its name."""
    metadata = MetaData()
    customers.to_metadata(metadata)  # what the foreign key refers to (already created)
    copy = original.to_metadata(metadata, name=f"raw_{original.name}")
    for index in copy.indexes:
        index.name = quoted_name(f"raw_{index.name}", quote=None)
    for constraint in copy.constraints:
        if constraint.name and isinstance(constraint.name, str):
            constraint.name = f"raw_{constraint.name}"
    engine = create_engine(database.url)
    copy.drop(engine, checkfirst=True)
    copy.create(engine)
    engine.dispose()
    return copy.name


def insert_statement(backend: str, table: str = TABLE) -> str:
    """The INSERT of one row of `rows()`, in the driver's parameter style."""
    mark = "?" if backend == "sqlite" else "%s"
    marks = ", ".join([mark] * len(COLUMNS))
    return f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({marks})"


def rows(count: int, customers: int, *, first_id: int = 1, seed: int = 7) -> list[tuple[Any, ...]]:
    """`count` posted charges and payments, as solde would store them."""
    rng = random.Random(seed)
    now = datetime.now(UTC).isoformat()
    start = date(2025, 1, 1)
    made = []
    for index in range(count):
        day = (start + timedelta(days=rng.randrange(600))).isoformat()
        amount = rng.randrange(500, 20_000)
        is_charge = index % 2 == 0
        made.append(
            (
                1 + index % customers, first_id + index,
                "debit" if is_charge else "credit", "charge" if is_charge else "payment",
                "Fibre subscription" if is_charge else "Payment", day, "EUR", amount, amount, 0,
                0, 1_000_000, amount * 10_000, "open", amount, "posted", day, None,
                None if is_charge else "card", now, "bench",
            )
        )  # fmt: skip
    return made
