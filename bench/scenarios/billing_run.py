"""A billing run over a whole book (issue: services and billing runs): every customer's
billing day, one or two services and a few unbilled lines each, billed by
`solde.runs.run_billing` with one worker and with two, invoices per second.

Each run bills a fresh copy of a cached book (a run changes what it bills), so every run of
every side does the same work. The sizes are the profile's (`SIZES`) unless
`python3 tasks.py bench --customers N` sets them.

    python -m bench.scenarios.billing_run --customers 2000     # where the time goes (cProfile)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import psycopg
from sqlalchemy import Engine, event

from bench import databases, generator
from bench.databases import Database
from bench.profiles import Profile
from bench.scenarios import Metrics, Scenario, register
from solde.billing.ports import Outcome
from solde.runs import BATCH, progress_of, run_billing
from solde.storage.migrate import head_revision

RUN_DATE = generator.RUN_DATE
ACTOR = "bench"
#: Customers of the book in each profile; 100,000 is the size the issue speaks of.
SIZES = {"tiny": 30, "quick": 2_000, "full": 100_000}
#: Set by `--customers`: the book's customers whatever the profile.
CUSTOMERS_VARIABLE = "SOLDE_BENCH_BILLING_CUSTOMERS"
WORKERS = (1, 2)
#: The beginning of a statement that names it in the profile's list.
STATEMENT_SHOWN = 110
#: Savepoints are numbered; counted as one statement whatever their number.
SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+")
TARGET = 2_000  # invoices per second on SQLite


class IncompleteRun(AssertionError):
    """The run did not invoice every customer of the book."""


def customers_of(profile: Profile) -> int:
    """The book's customers: `--customers` when given, else the profile's."""
    return int(os.environ.get(CUSTOMERS_VARIABLE) or SIZES[profile.name])


# -- the book, generated once and copied for each run -----------------------------------------


def _admin(sql: str) -> None:
    with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql)


def _exists(database: Database) -> bool:
    """A book under its final name is complete: it is moved there once generated."""
    if database.backend == "sqlite":
        return database.path.exists()
    with psycopg.connect(databases.PG_ADMIN_URL) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database.name,))
        return found.fetchone() is not None


def billing_book(backend: str, size: generator.BillingBook, log: Any = print) -> Database:
    """The book of `size`, generated on first use and kept under a name made of its size, its
    seed, the generator's version and the schema's revision."""
    revision = head_revision() or "none"
    name = f"billing_{size.customers}c_s{size.seed}_g{generator.BILLING_VERSION}_r{revision}"
    database = Database(backend, name)
    if _exists(database):
        return database
    log(f"  generating a billing book of {size.customers:,} customers ...")
    started = time.perf_counter()
    scratch = databases.fresh(backend, f"{name}_making")
    container = scratch.container()
    written = generator.load_billing(container, size)
    container.dispose()
    connection = scratch.raw()
    connection.execute("ANALYZE")
    if backend == "sqlite":
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.move(scratch.path, database.path)
        databases.drop(scratch)
    else:
        connection.commit()
        connection.close()
        _admin(f'ALTER DATABASE "{scratch.name}" RENAME TO "{database.name}"')
    log(f"  generated {written} in {time.perf_counter() - started:.0f} s")
    return database


def copy_of(book: Database, name: str) -> Database:
    """A fresh copy of the book to bill (a file copy; a database made from it as a template)."""
    database = Database(book.backend, f"bench_{name}")
    databases.drop(database)
    if book.backend == "sqlite":
        shutil.copyfile(book.path, database.path)
    else:
        _admin(f'CREATE DATABASE "{database.name}" TEMPLATE "{book.name}"')
    return database


# -- one run ----------------------------------------------------------------------------------


@contextmanager
def counting(engine: Engine) -> Iterator[Counter[str]]:
    """Statements sent to the database while inside, by their beginning (`executemany` once)."""
    counts: Counter[str] = Counter()

    def count(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _ctx: Any, many: bool
    ) -> None:
        text = SAVEPOINT_NAME.sub("sa_savepoint_N", " ".join(statement.split()))[:STATEMENT_SHOWN]
        counts[f"{text} [many]" if many else text] += 1

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", count)


@dataclass(frozen=True, slots=True)
class Measured:
    """What one run of the book did and how long it took."""

    seconds: float
    cpu_seconds: float  # of this process and of the run's worker processes
    invoiced: int
    skipped: int
    statements: Counter[str]

    @property
    def per_second(self) -> float:
        """Invoices issued per second of the whole run."""
        return self.invoiced / self.seconds


def _cpu_seconds() -> float:
    """Processor time used by this process and its finished children (the run's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bill_book(book: Database, workers: int, customers: int) -> Measured:
    """Bill a fresh copy of the book with `workers` processes, timed from the call to
    `run_billing` to its return; fails unless every customer was invoiced or skipped."""
    database = copy_of(book, f"billing_run_{workers}w")
    container = database.container()
    with counting(container.engine) as statements:
        cpu = _cpu_seconds()
        started = time.perf_counter()
        run = run_billing(
            container, {"date": RUN_DATE.isoformat()}, actor=ACTOR, on=RUN_DATE, workers=workers
        )
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu
    _, progress = progress_of(container, run.id)
    container.dispose()
    databases.drop(database)
    invoiced = progress.counts.get(Outcome.INVOICED, 0)
    skipped = progress.counts.get(Outcome.SKIPPED, 0)
    if invoiced + skipped != customers or invoiced < customers * 0.99:
        raise IncompleteRun(
            f"the run of {customers} customers with {workers} worker(s) on {book.backend} "
            f"ended with {dict(progress.counts)}"
        )
    return Measured(seconds, cpu, invoiced, skipped, statements)


def billing_solde(backend: str, profile: Profile) -> Metrics:
    """The run with one worker, then with two, each on its own copy of the book."""
    customers = customers_of(profile)
    book = billing_book(backend, generator.BillingBook(customers))
    results: Metrics = {"customers": float(customers)}
    for workers in WORKERS:
        measured = bill_book(book, workers, customers)
        results[f"w{workers}_invoices_per_s"] = measured.per_second
        results[f"w{workers}_run_seconds"] = measured.seconds
        # processor time per invoice, of every process: what the disk's speed does not change
        results[f"w{workers}_invoice_cpu_ms"] = measured.cpu_seconds * 1000 / measured.invoiced
        if workers == 1:  # the workers of a run of two are other processes: not counted
            results["invoices"] = float(measured.invoiced)
            total = sum(measured.statements.values())
            results["statements_per_invoice"] = total / measured.invoiced
    results["invoices_per_s"] = max(results[f"w{w}_invoices_per_s"] for w in WORKERS)
    return results


# -- the baseline: the same rows written with the driver -------------------------------------

#: Per customer: read its services, unbilled lines and open credits; write the invoice's
#: debit, the billed lines, the document, its items and number, the services' new
#: billed-through dates and their charges, the settlement from credit, the aggregate row, the
#: outcome and an audit entry. A commit every `BATCH` customers, as the run commits.
_SERVICES_SQL = (
    "SELECT id, description, unit_price_e6, quantity_e6, tax_rate_e4, start_date, end_date, "
    "billed_through FROM services WHERE customer_id = ? ORDER BY id"
)
_UNBILLED_SQL = (
    "SELECT id, kind, net, tax, amount FROM transactions "
    "WHERE customer_id = ? AND state = 'unbilled' AND date <= ? ORDER BY date, id"
)
_CREDITS_SQL = (
    "SELECT id, open_amount FROM transactions "
    "WHERE customer_id = ? AND kind = 'credit' AND state = 'open' ORDER BY date, id"
)
_TAKE_SQL = (
    "UPDATE numbering_sequences SET last_value = last_value + 1 WHERE key = ? RETURNING last_value"
)
_POST_SQL = (
    "INSERT INTO transactions (customer_id, id, kind, type, label, date, currency, amount, net, "
    "tax, tax_rate_e4, quantity_e6, unit_price_e6, state, open_amount, origin, entered_on, "
    "allocated_on, reference, invoice_id, created_at, created_by) VALUES (?, ?, 'debit', "
    "'invoice', ?, ?, ?, ?, ?, ?, 0, 1000000, ?, ?, ?, 'posted', ?, ?, ?, ?, ?, ?)"
)
_BILLED_SQL = (
    "UPDATE transactions SET state = 'billed', invoice_id = ?, resolved_on = ? "
    "WHERE customer_id = ? AND id = ?"
)
_DOCUMENT_SQL = (
    "INSERT INTO documents (customer_id, id, type, state, number, document_date, due_date, "
    "currency, net, tax, total, period_start, period_end, transaction_id, account_balance, "
    "paid_from_balance, custom_fields, partner_id, issued_on, created_at, created_by) "
    "VALUES (?, ?, 'recurring', 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?, ?)"
)
_ITEM_SQL = (
    "INSERT INTO document_items (customer_id, document_id, position, description, quantity_e6, "
    "unit_price_e6, tax_rate_e4, net, tax, gross, period_start, period_end, transaction_id, "
    "service_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_NUMBER_SQL = "INSERT INTO document_numbers (number, customer_id, document_id) VALUES (?, ?, ?)"
_SERVICE_SQL = "UPDATE services SET billed_through = ? WHERE customer_id = ? AND id = ?"
_CHARGE_SQL = (
    "INSERT INTO service_charges (customer_id, service_id, first_day, last_day, document_id, "
    "unit_price_e6, quantity_e6, tax_rate_e4) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_ALLOCATION_SQL = (
    "INSERT INTO allocations (customer_id, id, credit_id, debit_id, amount, date, source, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, 'auto', ?)"
)
_SETTLED_SQL = (
    "UPDATE transactions SET open_amount = ?, state = ?, allocated_on = ? "
    "WHERE customer_id = ? AND id = ?"
)
_BALANCE_SQL = (
    "UPDATE customer_balances SET balance = balance + ?, debit = debit + ?, credit = credit + ?, "
    "unbilled_count = 0, unbilled_net = 0, unbilled_gross = 0, unbilled_first = NULL, "
    "unbilled_last = NULL, activity = ? WHERE customer_id = ? RETURNING balance"
)
_OUTCOME_SQL = (
    "INSERT INTO billing_run_customers (customer_id, run_id, date, outcome, document_id, total, "
    "currency, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)"
)
_AUDIT_SQL = (
    "INSERT INTO audit_log (at, actor, action, customer_id, object_type, object_id, details) "
    "VALUES (?, ?, 'invoice.issued', ?, 'document', ?, ?)"
)
_RUN_SQL = (
    "INSERT INTO billing_runs (date, preview, skip_zero_invoices, balance_only_accounts, status, "
    "total, created_at, created_by) VALUES (?, FALSE, TRUE, FALSE, 'running', 0, ?, ?) "
    "RETURNING id"
)
_TODO_SQL = (
    "SELECT id, currency, partner_id FROM customers WHERE billing_day = ? "
    "AND status <> 'inactive' ORDER BY id"
)
_DONE_SQL = "UPDATE billing_runs SET status = 'completed', total = ? WHERE id = ?"
_BALANCE_OF_SQL = "SELECT balance FROM customer_balances WHERE customer_id = ?"
_SEQUENCE = "bench-baseline"
#: The last day the run bills: the end of its month (monthly periods, in advance).
PERIOD_END = generator.month_end(generator.MONTHS)


class _Raw:
    """A billing run written with the driver: SQL of its own, amounts in integers."""

    def __init__(self, database: Database) -> None:
        self.backend = database.backend
        self.connection = database.raw()
        self.mark = "?" if self.backend == "sqlite" else "%s"
        self.now = datetime.now(UTC)
        self.statements = 0
        ids = {}
        for table in ("transactions", "documents", "allocations"):
            ids[table] = int(self.one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0])
        self.ids = ids

    def value(self, item: object) -> object:
        """Dates and stamps as text for sqlite3, as themselves for psycopg."""
        if self.backend == "sqlite" and isinstance(item, date | datetime):
            return item.isoformat(sep=" ") if isinstance(item, datetime) else item.isoformat()
        return item

    def run(self, sql: str, params: Sequence[object] = ()) -> Any:
        self.statements += 1
        return self.connection.execute(sql.replace("?", self.mark), [self.value(p) for p in params])

    def one(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self.run(sql, params).fetchone()

    def many(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        if rows:
            self.statements += 1
            cursor = self.connection.cursor()
            cursor.executemany(
                sql.replace("?", self.mark), [[self.value(p) for p in row] for row in rows]
            )

    def begin(self) -> None:
        if self.backend == "sqlite":
            self.run("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.connection.commit() if self.backend == "postgresql" else self.run("COMMIT")

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def bill(self, run_id: int, customer_id: int, currency: str, partner_id: int) -> bool:
        """One customer's invoice; False when its total is not above zero."""
        services_rows = self.run(_SERVICES_SQL, [customer_id]).fetchall()
        lines = self.run(_UNBILLED_SQL, [customer_id, RUN_DATE]).fetchall()
        doc_id, tx_id = self.next_id("documents"), self.next_id("transactions")
        items, charges, billed = [], [], []
        for position, row in enumerate(services_rows, 1):
            item = _service_item(row, customer_id, doc_id, position)
            if item is not None:
                items.append(item)
                charges.append([customer_id, row[0], item[10], item[11], doc_id, *row[2:5]])
                billed.append([item[11], customer_id, row[0]])
        for line in lines:
            sign = 1 if line[1] == "debit" else -1
            net, tax, gross = (sign * int(v) for v in line[2:5])
            position = len(items) + 1
            items.append(
                [customer_id, doc_id, position, "Line", 1_000_000, net * 10_000, 0, net, tax,
                 gross, None, None, line[0], None]
            )  # fmt: skip
        net, tax = sum(int(i[7]) for i in items), sum(int(i[8]) for i in items)
        total = net + tax
        outcome = "invoiced" if total > 0 else "skipped"
        if total > 0:
            self._issue(customer_id, currency, partner_id, doc_id, tx_id, items, (net, tax))
            self.many(_BILLED_SQL, [[doc_id, RUN_DATE, customer_id, x[0]] for x in lines])
            self.many(_SERVICE_SQL, billed)
            self.many(_CHARGE_SQL, charges)
        self.run(
            _OUTCOME_SQL,
            [customer_id, run_id, RUN_DATE, outcome, doc_id if total > 0 else None,
             total if total > 0 else None, currency, self.now],
        )  # fmt: skip
        return total > 0

    def _issue(
        self,
        customer_id: int,
        currency: str,
        partner_id: int,
        doc_id: int,
        tx_id: int,
        items: list[list[Any]],
        amounts: tuple[int, int],
    ) -> None:
        net, tax = amounts
        total = net + tax
        value = int(self.one(_TAKE_SQL, [_SEQUENCE])[0])
        number = f"RAW-{value:07d}"
        settled = self._settle(customer_id, tx_id, total)
        left = total - settled
        self.run(
            _POST_SQL,
            [customer_id, tx_id, f"Invoice {number}", RUN_DATE, currency, total, net, tax,
             net * 10_000, "open" if left else "closed", left, RUN_DATE,
             RUN_DATE if settled else None, number, doc_id, self.now, ACTOR],
        )  # fmt: skip
        debit = total - settled  # the debit left open; the credit used is `settled`
        balance = self.one(_BALANCE_SQL, [total, debit, settled, RUN_DATE, customer_id])[0]
        periods = [i[10] for i in items if i[10] is not None]
        ends = [i[11] for i in items if i[11] is not None]
        self.run(
            _DOCUMENT_SQL,
            [customer_id, doc_id, number, RUN_DATE, RUN_DATE + timedelta(days=14), currency, net,
             tax, total, min(periods, default=None), max(ends, default=None), tx_id, balance,
             left == 0, partner_id, RUN_DATE, self.now, ACTOR],
        )  # fmt: skip
        self.many(_ITEM_SQL, items)
        self.run(_NUMBER_SQL, [number, customer_id, doc_id])
        self.run(
            _AUDIT_SQL, [self.now, ACTOR, customer_id, doc_id, json.dumps({"lines": len(items)})]
        )

    def _settle(self, customer_id: int, tx_id: int, total: int) -> int:
        """Pay the invoice from the customer's open credits, oldest first."""
        balance = self.one(_BALANCE_OF_SQL, [customer_id])[0]
        if int(balance) >= 0:
            return 0
        settled, allocations, credits = 0, [], []
        for credit_id, open_amount in self.run(_CREDITS_SQL, [customer_id]).fetchall():
            amount = min(int(open_amount), total - settled)
            if amount <= 0:
                break
            settled += amount
            left = int(open_amount) - amount
            allocations.append(
                [customer_id, self.next_id("allocations"), credit_id, tx_id, amount, RUN_DATE,
                 self.now]
            )  # fmt: skip
            credits.append([left, "open" if left else "closed", RUN_DATE, customer_id, credit_id])
        self.many(_ALLOCATION_SQL, allocations)
        self.many(_SETTLED_SQL, credits)
        return settled


def _service_item(
    row: Sequence[Any], customer_id: int, doc_id: int, position: int
) -> list[Any] | None:
    """A service's line: from its first unbilled day to the end of the run's month (or its
    end), priced by days / 30 (near solde's daily proration, not to the cent: the baseline
    writes the same rows, it does not check solde's amounts); None when nothing is due."""
    service_id, description, price, quantity, rate, start, end, through = row
    last = PERIOD_END if end is None else min(_day(end), PERIOD_END)
    first = _day(start) if through is None else _day(through) + timedelta(days=1)
    if first > last:
        return None
    days = Fraction((last - first).days + 1, 30)
    net = round(Fraction(int(price) * int(quantity), 10**10) * days)
    tax = round(Fraction(net * int(rate), 1_000_000))
    return [
        customer_id, doc_id, position, description, quantity, price, rate, net, tax, net + tax,
        first, last, None, service_id,
    ]  # fmt: skip


def _day(value: object) -> date:
    """A date as psycopg reads it, or as sqlite3 reads it (text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def billing_raw(backend: str, profile: Profile) -> Metrics:
    """The same run with the driver, one process: a transaction per batch of customers."""
    customers = customers_of(profile)
    book = billing_book(backend, generator.BillingBook(customers))
    database = copy_of(book, "billing_run_raw")
    raw = _Raw(database)
    cpu = _cpu_seconds()
    started = time.perf_counter()
    raw.begin()
    raw.run("INSERT INTO numbering_sequences (key, last_value) VALUES (?, 0)", [_SEQUENCE])
    run_id = int(raw.one(_RUN_SQL, [RUN_DATE, raw.now, ACTOR])[0])
    todo = raw.run(_TODO_SQL, [RUN_DATE.day]).fetchall()
    raw.commit()
    invoiced = 0
    for start in range(0, len(todo), BATCH):
        raw.begin()
        invoiced += sum(raw.bill(run_id, *row) for row in todo[start : start + BATCH])
        raw.commit()
    raw.begin()
    raw.run(_DONE_SQL, [len(todo), run_id])
    raw.commit()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    raw.connection.close()
    databases.drop(database)
    return {
        "invoices_per_s": invoiced / seconds,
        "run_seconds": seconds,
        "invoice_cpu_ms": cpu * 1000 / invoiced,
        "invoices": float(invoiced),
        "statements_per_invoice": raw.statements / invoiced,
    }


register(
    Scenario(
        key="billing_run",
        title="9. Billing run (every customer's billing day, 1 and 2 workers)",
        metric="invoices_per_s",
        higher_is_better=True,
        solde=billing_solde,
        baseline=billing_raw,
        baseline_name=f"the same rows written with the driver, {BATCH} customers a commit",
        target=f"≥ {TARGET:,} invoices/s",
        passes=lambda s, b: s["invoices_per_s"] >= TARGET,
    )
)


# -- where the time goes ----------------------------------------------------------------------


#: Where a run spends its time: (what, module path, function), the cumulative time of each
#: read from the profile; indented lines are part of the line above them. A run bills its
#: customers in batches, one transaction each: the plain ones of a batch together, the others
#: (credit to settle, a credit line to split, a zero invoice) one at a time in a savepoint.
PHASES = (
    ("the whole run (every batch)", "solde/runs.py", "_bill_each"),
    ("  begin a batch's unit of work", "storage/unit_of_work.py", "__enter__"),
    ("  the plain customers of a batch together, of which:", "billing/batch.py", "bill_together"),
    ("    lock the customers", "storage/repositories/customers.py", "lock_many"),
    ("    read their services", "storage/repositories/services.py", "of_customers"),
    ("    read their unbilled lines", "storage/repositories/transactions.py", "unbilled_of"),
    ("    read their balances", "storage/repositories/balances.py", "get_many"),
    ("    write their invoices, of which:", "billing/batch.py", "_issue_all"),
    ("      take their numbers", "billing/batch.py", "_numbers"),
    ("      insert the debits", "storage/repositories/transactions.py", "add_many"),
    ("      mark the lines billed", "storage/repositories/transactions.py", "replace_many"),
    ("      change the balances", "storage/repositories/balances.py", "apply_many"),
    ("      insert the documents and items", "storage/repositories/documents.py", "add_many"),
    (
        "      advance the services, keep the charges",
        "storage/repositories/services.py",
        "bill_many",
    ),
    ("      audit", "storage/repositories/audit.py", "record_many"),
    ("    record their outcomes", "storage/repositories/runs.py", "record_many"),
    ("  customers billed one at a time, of which:", "solde/runs.py", "_one"),
    ("    issue the invoice", "billing/usecases.py", "issue"),
    ("      settle from credit", "settlement/allocating.py", "auto_settle"),
    ("  commit", "storage/unit_of_work.py", "commit"),
    (
        "planning, in both ways (services priced, lines composed)",
        "billing/recurring.py",
        "plan_customer",
    ),
    ("every statement through SQLAlchemy", "sqlalchemy/engine/base.py", "execute"),
    ("  of which sqlite3 runs them", "~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
    ("  and many rows each", "~", "<method 'executemany' of 'sqlite3.Cursor' objects>"),
    ("  of which psycopg runs them", "psycopg/cursor.py", "execute"),
    ("  and many rows each", "psycopg/cursor.py", "executemany"),
    ("sqlite3's commits", "~", "<method 'commit' of 'sqlite3.Connection' objects>"),
    ("psycopg's commits", "psycopg/connection.py", "commit"),
)


def phases(stats: pstats.Stats, invoices: int) -> list[tuple[str, int, float]]:
    """Each phase: what, calls, cumulative milliseconds per invoice."""
    found = []
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for what, path, function in PHASES:
        calls, seconds = 0, 0.0
        for (filename, _line, name), (_cc, count, _tt, cumulative, _callers) in table.items():
            if name == function and filename.endswith(path):
                calls, seconds = calls + count, seconds + cumulative
        if calls:  # the other database's driver, or a function the code no longer has
            found.append((what, calls, seconds * 1000 / invoices))
    return found


def profile_run(backend: str, customers: int, top: int) -> str:
    """Bill a copy of the book with one worker under cProfile; the report as text."""
    book = billing_book(backend, generator.BillingBook(customers))
    database = copy_of(book, "billing_run_profile")
    container = database.container()
    profiler = cProfile.Profile()
    with counting(container.engine) as statements:
        started = time.perf_counter()
        profiler.enable()
        run = run_billing(container, {"date": RUN_DATE.isoformat()}, actor=ACTOR, on=RUN_DATE)
        profiler.disable()
        seconds = time.perf_counter() - started
    _, progress = progress_of(container, run.id)
    container.dispose()
    databases.drop(database)
    invoiced = progress.counts.get(Outcome.INVOICED, 0)
    out = io.StringIO()
    out.write(
        f"{customers:,} customers on {backend}: {dict(progress.counts)} in {seconds:.2f} s "
        f"under the profiler ({invoiced / seconds:,.0f} invoices/s, "
        f"{seconds * 1000 / invoiced:.2f} ms an invoice)\n\n"
    )
    stats = pstats.Stats(profiler, stream=out)
    out.write("ms per invoice (cumulative, under the profiler), calls:\n")
    for what, calls, ms in phases(stats, invoiced):
        out.write(f"  {ms:7.3f}  {calls:8,}  {what}\n")
    by_word: Counter[str] = Counter()
    for text, count in statements.items():
        by_word[text.split(None, 1)[0]] += count
    out.write(
        f"\nstatements per invoice: {sum(statements.values()) / invoiced:.2f} ("
        + ", ".join(f"{k} {v / invoiced:.2f}" for k, v in by_word.most_common())
        + ")\n"
    )
    for text, count in statements.most_common():
        out.write(f"  {count / invoiced:5.2f}  {text}\n")
    out.write("\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scenarios.billing_run",
        description="Profile a billing run of one worker (cProfile, statements per invoice).",
    )
    parser.add_argument("--backend", choices=databases.BACKENDS, default="sqlite")
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--top", type=int, default=40, help="functions listed")
    args = parser.parse_args(argv)
    databases.WORK.mkdir(parents=True, exist_ok=True)
    print(profile_run(args.backend, args.customers, args.top))


if __name__ == "__main__":
    main(sys.argv[1:])
