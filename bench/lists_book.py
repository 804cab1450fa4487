"""The books the lists and exports are measured on (scenarios 12 and 13).

*The lists book* is the generated book of scenario 4's long history (full profile: 100,000
customers, 2,000,000 transactions; its cached copy is reused) with, added on a copy of it
through solde's own use cases, what the two lists need to have something in every column:

- unbilled lines waiting for the next invoice, dated over the last three months, for one
  customer in five (1 to 4 each): the generated book has unbilled lines in its last month only;
- one-time invoices with a due date, for one customer in five, dated over the 150 days before
  the book's last day and due 30 days later, so that unpaid ones fall in every ageing bucket
  (not due, 1-30, 31-60, 61-90, over 90 days past due); existing credit pays some at once.

*The million book* holds N customers (full profile: 1,000,000) each with one unbilled line and
nothing else: the longest list solde can be asked to export, built in minutes. Each customer
and line is made by solde's own rules (`new_customer`, `parse_entry`, `line_transaction`,
`unbilled_added`) and written many rows a statement (the bulk import would take about 20
minutes a database for a million lines; audit entries are left out).

Both are kept between runs under a name made of their sizes, seed, this module's version, the
generator's version and the schema's revision, like the other books.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import time
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import insert

from bench import databases, generator
from bench.databases import Database
from solde.billing import usecases as billing
from solde.bootstrap import Container
from solde.ledger.balance import BalanceDelta, unbilled_added
from solde.ledger.customers import CustomerDetails, new_customer
from solde.ledger.entries import Entry, line_transaction, parse_entry
from solde.ledger.model import NewTransaction, Transaction
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.migrate import head_revision
from solde.storage.repositories.customers import details_row
from solde.storage.tables import customer_balances, customers

#: Bump when what this module adds changes, so that cached books are built again.
VERSION = 1
TODAY = generator.TODAY
#: The book's last day, when its corrections were posted: the day the additions are made.
ON = TODAY
DUE_DAYS = 30
INVOICE_SPAN_DAYS = 150
LINE_SPAN_DAYS = 90
INVOICES_PER_UNIT = 500
STAMP = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
_NEW_FIELDS = tuple(f.name for f in fields(NewTransaction))


@dataclass(frozen=True, slots=True)
class ListsBook:
    """The generated book the additions are made to, by its sizes."""

    customers: int
    transactions: int
    seed: int = 42

    @property
    def base(self) -> generator.BookSize:
        """The generated book: the same sizes and seed, so a cached one is reused."""
        return generator.BookSize(self.customers, self.transactions, self.seed)


def _admin(sql: str) -> None:
    with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql)


def _exists(database: Database) -> bool:
    """A book under its final name is complete: it is moved there once made."""
    if database.backend == "sqlite":
        return database.path.exists()
    if databases.postgres_problem() is not None:
        return False
    with psycopg.connect(databases.PG_ADMIN_URL) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database.name,))
        return found.fetchone() is not None


def _finish(scratch: Database, database: Database) -> None:
    """Analyse the scratch database (PostgreSQL: vacuum it too) and move it under its final
    name."""
    connection = scratch.raw()
    connection.execute("ANALYZE")
    if scratch.backend == "sqlite":
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.move(scratch.path, database.path)
        databases.drop(scratch)
    else:
        connection.commit()
        connection.close()
        databases.vacuum(scratch)
        _admin(f'ALTER DATABASE "{scratch.name}" RENAME TO "{database.name}"')


# -- the lists book ---------------------------------------------------------------------------


def lists_book(backend: str, size: ListsBook, log: Any = print) -> Database:
    """The lists book of `size`, made on first use from a copy of the generated book."""
    revision = head_revision() or "none"
    name = (
        f"bench_lists_{size.customers}c_{size.transactions}t_s{size.seed}"
        f"_v{VERSION}_g{generator.VERSION}_r{revision}"
    )
    database = Database(backend, name)
    if _exists(database) or _upgraded(database, log):
        return database
    base = _base(backend, size.base, log)
    log(f"  adding unbilled lines and invoices to a copy of {base.name} ...")
    started = time.perf_counter()
    scratch = Database(backend, f"{name}_making")
    databases.drop(scratch)
    if backend == "sqlite":
        shutil.copyfile(base.path, scratch.path)
    else:
        _admin(f'CREATE DATABASE "{scratch.name}" TEMPLATE "{base.name}"')
    container = scratch.container()
    container.migrate()  # a book of an earlier schema is brought up to date on the copy
    made = add_lines_and_invoices(container, size)
    container.dispose()
    _finish(scratch, database)
    log(f"  added {made} in {time.perf_counter() - started:.0f} s")
    return database


def _upgraded(database: Database, log: Any) -> bool:
    """Make `database` from the same book of an earlier schema, if there is one: a copy of it,
    migrated (its rows are those the current code would write: the sizes, seed and versions
    are the same). Whether it was made."""
    prefix = database.name.rsplit("_r", 1)[0] + "_r"
    older = sorted(_names(database.backend, prefix), reverse=True)
    if not older:
        return False
    log(f"  {older[0]} is migrated to the current schema ...")
    scratch = Database(database.backend, f"{database.name}_making")
    databases.drop(scratch)
    if database.backend == "sqlite":
        shutil.copyfile(Database("sqlite", older[0]).path, scratch.path)
    else:
        _admin(f'CREATE DATABASE "{scratch.name}" TEMPLATE "{older[0]}"')
    container = scratch.container()
    container.migrate()
    container.dispose()
    _finish(scratch, database)
    return True


def _base(backend: str, size: generator.BookSize, log: Any) -> Database:
    """The generated book of `size`: the current schema's, else a complete one of an earlier
    schema (its copy is migrated: generating 2,000,000 transactions again takes a long time
    and gives the same rows), else generated now."""
    prefix = f"book_{size.customers}c_{size.transactions}t_s{size.seed}_g{generator.VERSION}_r"
    current = Database(backend, prefix + (head_revision() or "none"))
    if _exists(current) and _complete(current):
        return current
    for name in sorted(_names(backend, prefix), reverse=True):
        older = Database(backend, name)
        if _complete(older):
            log(f"  the book of an earlier schema is used: {name}")
            return older
    return databases.book(backend, size, log)


def _complete(database: Database) -> bool:
    """Whether the generator finished the book (it marks it done last)."""
    try:
        connection = database.raw()
    except (sqlite3.Error, psycopg.Error):
        return False
    try:
        row = connection.execute("SELECT done FROM bench_book").fetchone()
    except (sqlite3.Error, psycopg.Error):
        return False
    finally:
        connection.close()
    return bool(row and row[0])


def _names(backend: str, prefix: str) -> list[str]:
    """Databases whose name starts with `prefix` (scratch ones left out)."""
    if backend == "sqlite":
        found = [path.stem for path in databases.WORK.glob(f"{prefix}*.db")]
    elif databases.postgres_problem() is not None:
        return []
    else:
        with psycopg.connect(databases.PG_ADMIN_URL) as admin:
            rows = admin.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (prefix,)
            ).fetchall()
        found = [str(row[0]) for row in rows]
    return [name for name in found if not name.endswith("_making")]


def add_lines_and_invoices(books: Container, size: ListsBook) -> dict[str, int]:
    """The additions, drawn from the seed: unbilled lines through the bulk import, then the
    invoices one by one through `create_invoice`, in date order, a unit of work per 500."""
    rng = random.Random(size.seed + 12)
    with books.uow(actor=generator.ACTOR, write=False) as uow:
        found = uow.connection.execute(customers.select().order_by(customers.c.id))
        people = [(row.id, row.currency) for row in found]
    rows: list[ImportRow] = []
    invoices: list[tuple[date, int, dict[str, object]]] = []
    for customer_id, currency in people:
        if rng.random() < 0.2:
            for _ in range(rng.randrange(1, 5)):
                day = ON - timedelta(days=rng.randrange(1, LINE_SPAN_DAYS))
                rows.append(ImportRow(customer_id, RowKind.LINE, _line(rng, day, currency)))
        if rng.random() < 0.2:
            day = ON - timedelta(days=rng.randrange(1, INVOICE_SPAN_DAYS))
            invoices.append((day, customer_id, _invoice(rng, day, currency)))
    rows.sort(key=lambda row: str(row.values["date"]))
    for start in range(0, len(rows), generator.ROWS_PER_UNIT):
        with books.uow(actor=generator.ACTOR) as uow:
            import_transactions(uow, rows[start : start + generator.ROWS_PER_UNIT], on=ON)
            uow.commit()
    invoices.sort(key=lambda item: (item[0], item[1]))
    for start in range(0, len(invoices), INVOICES_PER_UNIT):
        with books.uow(actor=generator.ACTOR) as uow:
            for _day, customer_id, values in invoices[start : start + INVOICES_PER_UNIT]:
                billing.create_invoice(uow, customer_id, values, on=ON)
            uow.commit()
    return {"unbilled_lines": len(rows), "invoices": len(invoices)}


def _line(rng: random.Random, day: date, currency: str) -> dict[str, object]:
    """An unbilled line: equipment, usage over the allowance, or an outage credit."""
    draw = rng.random()
    kind, tx_type, label = "debit", "charge", "Equipment and one-off services"
    price = Decimal(rng.randrange(500, 15_000)) / 100
    if draw < 0.35:
        tx_type, label, price = "adjustment", "Usage over the allowance", Decimal("3.20")
    elif draw < 0.45:
        kind, tx_type, label, price = "credit", "adjustment", "Outage compensation", Decimal(5)
    return {
        "kind": kind,
        "type": tx_type,
        "label": label,
        "date": day.isoformat(),
        "unit_price": str(price),
        "quantity": "1",
        "tax_rate": generator.TAX[currency],
        "bill_on_next_invoice": True,
    }


def _invoice(rng: random.Random, day: date, currency: str) -> dict[str, object]:
    """A one-time invoice of one or two typed items, due `DUE_DAYS` after its date."""
    items = [
        {
            "description": rng.choice(("Installation", "Router", "On-site repair", "Cabling")),
            "quantity": str(rng.randrange(1, 3)),
            "unit_price": str(Decimal(rng.randrange(2_000, 40_000)) / 100),
            "tax_rate": generator.TAX[currency],
        }
        for _ in range(rng.randrange(1, 3))
    ]
    due = day + timedelta(days=DUE_DAYS)
    return {"date": day.isoformat(), "due_date": due.isoformat(), "items": items}


# -- the million book -------------------------------------------------------------------------


def million_book(backend: str, count: int, log: Any = print, seed: int = 42) -> Database:
    """`count` customers with one unbilled line each, made on first use."""
    revision = head_revision() or "none"
    name = f"bench_million_{count}c_s{seed}_v{VERSION}_r{revision}"
    database = Database(backend, name)
    if _exists(database) or _upgraded(database, log):
        return database
    log(f"  making {count:,} customers with one unbilled line each ...")
    started = time.perf_counter()
    scratch = databases.fresh(backend, f"{name.removeprefix('bench_')}_making")
    container = scratch.container()
    fill_million(container, count, seed)
    container.dispose()
    _finish(scratch, database)
    log(f"  made in {time.perf_counter() - started:.0f} s")
    return database


def fill_million(books: Container, count: int, seed: int) -> None:
    """Each customer validated by `new_customer` (once per distinct set of settings, then only
    its name and reference change), its line by `parse_entry` and `line_transaction` (once per
    distinct line and day), its aggregate row from `unbilled_added`, as the import counts it;
    written 20,000 customers a unit of work, each table in one statement."""
    rng = random.Random(seed)
    chunk = generator.ROWS_PER_UNIT
    with books.uow(actor=generator.ACTOR, write=False) as uow:
        settings = uow.settings.get()
    kept: dict[tuple[object, ...], CustomerDetails] = {}
    entries: dict[tuple[object, ...], Entry] = {}
    for start in range(0, count, chunk):
        rows, aggregates, lines = [], [], []
        for index in range(start, min(count, start + chunk)):
            customer_id = index + 1
            values = generator.customer_values(index, rng)
            billing = values["billing"]
            assert isinstance(billing, dict)
            key = (values["currency"], values["segment"], values["payment_method"],
                   *sorted(billing.items()))  # fmt: skip
            details = kept.get(key)
            if details is None:
                details = kept[key] = new_customer(values, settings)
            details = replace(
                details, name=str(values["name"]), external_ref=str(values["external_ref"])
            )
            rows.append({**details_row(details), "id": customer_id, "created_at": STAMP,
                         "updated_at": STAMP})  # fmt: skip
            line = _line(rng, ON - timedelta(days=1 + customer_id % 60), details.currency)
            line["unit_price"] = f"{customer_id % 20 * 7 + 3}.{customer_id % 10}0"  # 20 prices
            entry_key = (details.currency, *sorted(line.items()))
            entry = entries.get(entry_key)
            if entry is None:
                entry = entries[entry_key] = parse_entry(line, on=ON)
            new = line_transaction(customer_id, details.currency, entry, on=ON)
            tx = Transaction(id=customer_id, created_by=generator.ACTOR,
                             **{n: getattr(new, n) for n in _NEW_FIELDS})  # fmt: skip
            lines.append(tx)
            aggregates.append(_aggregate(customer_id, unbilled_added(tx, ON)))
        with books.uow(actor=generator.ACTOR) as uow:
            uow.connection.execute(insert(customers), rows)
            uow.connection.execute(insert(customer_balances), aggregates)
            uow.transactions.add_many(lines)
            uow.commit()
    if books.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
        with books.uow(actor=generator.ACTOR) as uow:
            for table in ("customers", "transactions"):
                uow.connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            uow.commit()


def _aggregate(customer_id: int, delta: BalanceDelta) -> dict[str, object]:
    """The aggregate row of a customer whose only transaction is one unbilled line."""
    assert delta.unbilled_net is not None
    assert delta.unbilled_gross is not None
    (day,) = delta.unbilled_dates
    return {
        "customer_id": customer_id,
        "currency": delta.currency,
        "balance": 0,
        "debit": 0,
        "credit": 0,
        "awaiting": 0,
        "unbilled_count": delta.unbilled_count,
        "unbilled_net": delta.unbilled_net.minor,
        "unbilled_gross": delta.unbilled_gross.minor,
        "unbilled_first": day,
        "unbilled_last": day,
        "activity": delta.activity,
    }
