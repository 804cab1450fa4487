"""The ledger core's six scenarios (issue: benchmarks), each with its baseline."""

from __future__ import annotations

import random
import shutil
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bench import databases, generator, http_load, journal, raw
from bench.databases import Database
from bench.profiles import Profile
from bench.scenarios import Metrics, Scenario, register
from bench.stats import latency_summary, timed
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.tables import allocations, customers

TODAY = generator.TODAY
POSTING_CUSTOMERS = 200


def _customers(database: Database, count: int, seed: int = 1) -> list[tuple[int, str]]:
    container = database.container()
    made = generator.create_customers(container, count, seed)
    container.dispose()
    return made


# -- 1. posting one at a time through the service layer ---------------------------------------


def _posting_values(index: int) -> tuple[bool, dict[str, object]]:
    """Even operations post a charge, odd ones pay it: every payment settles a debit."""
    return (True, http_load.LINE) if index % 2 == 0 else (False, http_load.PAYMENT)


def posting_solde(backend: str, profile: Profile) -> Metrics:
    """Post lines and payments one per committed unit of work, as the API does."""
    database = databases.fresh(backend, "posting")
    ids = [cid for cid, _ in _customers(database, POSTING_CUSTOMERS)]
    container = database.container()
    latencies = []
    started = time.perf_counter()
    for index in range(profile.posting_ops):
        customer_id = ids[(index // 2) % len(ids)]
        is_line, values = _posting_values(index)
        action = settlement.add_entry if is_line else settlement.record_payment

        def post(
            customer_id: int = customer_id,
            values: dict[str, object] = values,
            action: Callable[..., object] = action,
        ) -> None:
            with container.uow(actor="bench") as uow:
                action(uow, customer_id, values, on=TODAY)
                uow.commit()

        latencies.append(timed(post))
    elapsed = time.perf_counter() - started
    container.dispose()
    return {"ops_per_s": profile.posting_ops / elapsed, **latency_summary(latencies)}


def single_commits(backend: str, profile: Profile) -> Metrics:
    """The same number of rows, each inserted and committed on its own, without solde."""
    database = databases.fresh(backend, "posting_raw")
    _customers(database, POSTING_CUSTOMERS)
    table = raw.create_table(database)
    rows = raw.rows(profile.posting_ops, POSTING_CUSTOMERS)
    insert = raw.insert_statement(backend, table)
    connection = database.raw()
    latencies = []
    started = time.perf_counter()
    for row in rows:

        def commit(row: tuple[Any, ...] = row) -> None:
            if backend == "sqlite":
                connection.execute("BEGIN IMMEDIATE")
            connection.execute(insert, row)
            connection.commit() if backend == "postgresql" else connection.execute("COMMIT")

        latencies.append(timed(commit))
    elapsed = time.perf_counter() - started
    connection.close()
    return {"ops_per_s": len(rows) / elapsed, **latency_summary(latencies)}


register(
    Scenario(
        key="posting",
        title="1. Posting one transaction at a time (service layer, committed)",
        metric="ops_per_s",
        higher_is_better=True,
        solde=posting_solde,
        baseline=single_commits,
        baseline_name="raw single-row durable commits",
        target="≥ 50 % of the raw single-row commit rate",
        passes=lambda s, b: None if b is None else s["ops_per_s"] >= 0.5 * b["ops_per_s"],
    )
)


# -- 2. the same through the HTTP API ---------------------------------------------------------


def http_solde(backend: str, profile: Profile) -> Metrics:
    """uvicorn serving solde; a load generator in another process posts lines and payments."""
    database = databases.fresh(backend, "http")
    ids = [cid for cid, _ in _customers(database, POSTING_CUSTOMERS)]
    return http_load.measure(database, ids, profile)


register(
    Scenario(
        key="http",
        title="2. Posting through the HTTP API (uvicorn, load from another process)",
        metric="saturation_rps",
        higher_is_better=True,
        solde=http_solde,
        baseline=single_commits,
        baseline_name="raw single-row durable commits",
        target="≥ 1,000 writes/s with p99 < 25 ms",
        passes=lambda s, b: s["saturation_rps"] >= 1000 and s["saturation_p99_ms"] < 25,
        baseline_metric="ops_per_s",
    )
)


# -- 3. bulk import ---------------------------------------------------------------------------


def _import_rows(ids: list[tuple[int, str]], count: int) -> list[ImportRow]:
    rng = random.Random(11)
    month = generator._Month(rng, generator.MONTHS - 2, last=False)
    rows = []
    for _ in range(count):
        customer_id, currency = ids[rng.randrange(len(ids))]
        kind, values = month.row(Decimal("39.90"), currency)
        rows.append(ImportRow(customer_id, kind, values))
    return rows


def import_solde(backend: str, profile: Profile) -> Metrics:
    """Import rows through `import_transactions`, one unit of work per batch."""
    database = databases.fresh(backend, "import")
    ids = _customers(database, max(10, profile.import_rows // 20))
    rows = _import_rows(ids, profile.import_rows)
    container = database.container()
    on = generator.month_end(generator.MONTHS - 2)
    started = time.perf_counter()
    for start in range(0, len(rows), profile.import_batch):
        with container.uow(actor="bench") as uow:
            import_transactions(uow, rows[start : start + profile.import_batch], on=on)
            uow.commit()
    elapsed = time.perf_counter() - started
    container.dispose()
    return {"rows_per_s": len(rows) / elapsed, "seconds": elapsed}


def import_raw(backend: str, profile: Profile) -> Metrics:
    """The same number of rows written with `executemany`, one commit per batch."""
    database = databases.fresh(backend, "import_raw")
    customers_made = _customers(database, max(10, profile.import_rows // 20))
    table = raw.create_table(database)
    rows = raw.rows(profile.import_rows, len(customers_made))
    insert = raw.insert_statement(backend, table)
    connection = database.raw()
    started = time.perf_counter()
    for start in range(0, len(rows), profile.import_batch):
        if backend == "sqlite":
            connection.execute("BEGIN IMMEDIATE")
        connection.cursor().executemany(insert, rows[start : start + profile.import_batch])
        connection.commit() if backend == "postgresql" else connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return {"rows_per_s": len(rows) / elapsed, "seconds": elapsed}


register(
    Scenario(
        key="import",
        title="3. Bulk import of transactions",
        metric="rows_per_s",
        higher_is_better=True,
        solde=import_solde,
        baseline=import_raw,
        baseline_name="raw executemany into the same schema",
        target="≥ 100,000 rows/s and ≥ 50 % of raw",
        passes=lambda s, b: (
            s["rows_per_s"] >= 100_000 and (b is None or s["rows_per_s"] >= 0.5 * b["rows_per_s"])
        ),
    )
)


# -- 4. one customer's balance card -----------------------------------------------------------


def _card_latencies(database: Database, reads: int) -> list[float]:
    container = database.container()
    with container.uow(actor="bench", write=False) as uow:
        ids = list(uow.connection.execute(select(customers.c.id)).scalars())
    rng = random.Random(5)
    latencies = []
    for _ in range(reads):
        customer_id = ids[rng.randrange(len(ids))]

        def read(customer_id: int = customer_id) -> None:
            with container.uow(actor="bench", write=False) as uow:
                ledger.get_balance(uow, customer_id, as_of=TODAY)

        latencies.append(timed(read))
    container.dispose()
    return latencies


def card_solde(backend: str, profile: Profile) -> Metrics:
    """Balance cards of random customers, one read unit of work each, short and long history."""
    result: Metrics = {}
    for label, size in (("short", profile.card_small), ("long", profile.card_large)):
        book = databases.book(backend, generator.BookSize(profile.card_customers, size))
        summary = latency_summary(_card_latencies(book, profile.card_reads))
        result |= {f"{label}_{name}": value for name, value in summary.items()}
    return result


def card_raw(backend: str, profile: Profile) -> Metrics:
    """The aggregate row read with the driver, on the long history."""
    book = databases.book(backend, generator.BookSize(profile.card_customers, profile.card_large))
    connection = book.raw()
    ids = [row[0] for row in connection.execute("SELECT id FROM customers").fetchall()]
    mark = "?" if backend == "sqlite" else "%s"
    query = f"SELECT * FROM customer_balances WHERE customer_id = {mark}"
    rng = random.Random(5)
    latencies = []
    for _ in range(profile.card_reads):
        customer_id = ids[rng.randrange(len(ids))]

        def read(customer_id: int = customer_id) -> None:
            connection.execute(query, (customer_id,)).fetchone()

        latencies.append(timed(read))
        if backend == "postgresql":
            connection.rollback()
    connection.close()
    summary = latency_summary(latencies)
    return {f"long_{name}": value for name, value in summary.items()}


register(
    Scenario(
        key="card",
        title="4. Reading one customer's balance card",
        metric="long_p99_ms",
        higher_is_better=False,
        solde=card_solde,
        baseline=card_raw,
        baseline_name="raw read of the aggregate row",
        target="p99 < 2 ms on both history lengths",
        passes=lambda s, b: s["short_p99_ms"] < 2 and s["long_p99_ms"] < 2,
    )
)


# -- 5. balances of all customers -------------------------------------------------------------


def _all_book(backend: str, profile: Profile) -> Database:
    size = generator.BookSize(profile.all_customers, profile.all_transactions)
    return databases.book(backend, size)


def all_solde(backend: str, profile: Profile) -> Metrics:
    """Every customer's balance as domain objects, streamed from the aggregate rows."""
    database = _all_book(backend, profile)
    container = database.container()
    started = time.perf_counter()
    with container.uow(actor="bench", write=False) as uow:
        balances = {b.customer_id: b.balance.amount for b in uow.balances.each()}
    elapsed = time.perf_counter() - started
    container.dispose()
    result = {"seconds": elapsed, "customers": float(len(balances))}
    if shutil.which("ledger"):  # the same figures as ledger, customer by customer
        expected = journal.ledger_balances(journal.journal_of(database))
        agrees = all(balances.get(cid, Decimal(0)) == total for cid, total in expected.items())
        result["agrees_with_ledger"] = float(agrees and len(expected) > 0)
    return result


def all_ledger(backend: str, profile: Profile) -> Metrics:
    """`ledger bal` on the same postings written as a ledger journal."""
    path = journal.journal_of(_all_book(backend, profile))
    started = time.perf_counter()
    totals = journal.ledger_balances(path)
    return {"seconds": time.perf_counter() - started, "customers": len(totals)}


register(
    Scenario(
        key="all_balances",
        title="5. Balances of all customers",
        metric="seconds",
        higher_is_better=False,
        solde=all_solde,
        baseline=all_ledger if shutil.which("ledger") else None,
        baseline_name="`ledger bal` on the same data",
        target="≥ 50× faster than ledger",
        passes=lambda s, b: None if b is None else b["seconds"] >= 50 * s["seconds"],
    )
)


# -- 6. settling many open items at once ------------------------------------------------------


def _open_debits(count: int) -> list[dict[str, object]]:
    return [
        {
            "kind": "debit",
            "type": "charge",
            "label": f"Charge {index + 1}",
            "unit_price": "10.00",
            "date": date(2026, 1, 1 + index % 28).isoformat(),
            "bill_on_next_invoice": False,
        }
        for index in range(count)
    ]


def settle_solde(backend: str, profile: Profile) -> Metrics:
    """One payment settling `open_debits` open charges: the whole call, committed."""
    database = databases.fresh(backend, "settle")
    container = database.container()
    samples = []
    for customer_id, _ in _customers(database, 3):
        with container.uow(actor="bench") as uow:
            rows = [
                ImportRow(customer_id, RowKind.LINE, v) for v in _open_debits(profile.open_debits)
            ]
            import_transactions(uow, rows, on=TODAY)
            uow.commit()
        databases.analyze(database)
        total = Decimal("10.00") * profile.open_debits
        values: dict[str, object] = {
            "amount": str(total),
            "method": "bank_transfer",
            "date": TODAY.isoformat(),
        }

        def pay(customer_id: int = customer_id, values: dict[str, object] = values) -> None:
            with container.uow(actor="bench") as uow:
                settlement.record_payment(uow, customer_id, values, on=TODAY)
                uow.commit()

        samples.append(timed(pay))
    container.dispose()
    return {"ms": sorted(samples)[len(samples) // 2] * 1000}


def settle_raw(backend: str, profile: Profile) -> Metrics:
    """The same writes with the driver: a payment row, the allocations, the debits' updates."""
    database = databases.fresh(backend, "settle_raw")
    _customers(database, 1)
    table = raw.create_table(database)
    allocation_table = raw.create_table(database, allocations)
    count = profile.open_debits
    debits = raw.rows(count * 2, 1)[::2]  # charges only
    connection = database.raw()
    insert = raw.insert_statement(backend, table)
    connection.cursor().executemany(insert, debits)
    connection.commit()
    databases.analyze(database)
    mark = "?" if backend == "sqlite" else "%s"
    started = time.perf_counter()
    if backend == "sqlite":
        connection.execute("BEGIN IMMEDIATE")
    payment = raw.rows(2, 1, first_id=10_000_000)[1]
    connection.execute(insert, payment)
    connection.cursor().executemany(
        f"INSERT INTO {allocation_table} (customer_id, id, credit_id, debit_id, amount, date, "
        f"source, created_at) VALUES ({', '.join([mark] * 8)})",
        [
            (1, i + 1, 10_000_000, row[1], row[7], "2026-11-01", "auto", "2026-11-01")
            for i, row in enumerate(debits)
        ],
    )
    connection.cursor().executemany(
        f"UPDATE {table} SET open_amount = 0, state = 'closed' WHERE customer_id = {mark} "
        f"AND id = {mark}",
        [(1, row[1]) for row in debits],
    )
    connection.commit() if backend == "postgresql" else connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return {"ms": elapsed * 1000}


register(
    Scenario(
        key="settle",
        title="6. One payment settling 1,000 open debits",
        metric="ms",
        higher_is_better=False,
        solde=settle_solde,
        baseline=settle_raw,
        baseline_name="the same writes with the driver",
        target="under 100 ms",
        passes=lambda s, b: s["ms"] < 100,
    )
)
