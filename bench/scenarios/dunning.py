"""Dunning (issue 7): the dunning part of one daily cycle, and what lifting blocks at once
costs the paths that lower balances.

10. *The day's dunning* on a book where about 10 % of the customers have an overdue invoice,
    2 % are blocked by dunning and 5 % are due a reminder (`bench.dunning_book`): the preview
    of the day (`plan_day`), the invoices that become overdue, the reminder step and the
    review step of the daily cycle (`solde.daily._overdue`, `_remind`, `_review`), each timed
    with its statements and processor time. Each run works on a fresh copy of the book and
    fails unless the cycle blocked, unblocked, deactivated and reminded exactly the customers
    the book was made for, and the preview said so. The baseline reads and writes the same
    rows with the driver, one transaction per customer, its decisions taken from the book.
11. *The before-commit hook* (`solde.bootstrap.before_commit`, which lifts a dunning block
    when a payment or credit lowers a balance): payments recorded one at a time, for customers
    that owe and are not blocked, then for customers blocked by dunning (whose block the hook
    lifts), and a billing run of one worker over the billing run's book; the baseline is the
    same code with the hook disabled (a container whose units of work have no
    `before_commit`).

By hand (`bench/dunning_by_hand.py`): the hook on and off alternated in one process, and every
statement of the day timed with the plans of the slowest.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
from sqlalchemy import Engine, select

from bench import databases, dunning_book, generator
from bench.databases import Database
from bench.dunning_book import DAY, EXPECT, DunningBook
from bench.profiles import Profile
from bench.scenarios import Metrics, Scenario, register
from solde import bootstrap
from solde.billing.ports import Outcome
from solde.bootstrap import Config, Container
from solde.daily import DayReport, _overdue, _remind, _review
from solde.dunning.rules import Action
from solde.dunning.usecases import plan_day
from solde.runs import progress_of, run_billing
from solde.settlement.usecases import record_payment
from solde.storage import units
from solde.storage.migrate import head_revision
from solde.storage.tables import customer_balances, customers, metadata
from solde.storage.unit_of_work import SqlUnitOfWork

ACTOR = "bench"
#: Customers of the dunning book in each profile; 100,000 is the size the issue speaks of.
SIZES = {"tiny": 300, "quick": 10_000, "full": 100_000}
#: Set to give the dunning book another size whatever the profile.
CUSTOMERS_VARIABLE = "SOLDE_BENCH_DUNNING_CUSTOMERS"
#: Scenario 11: payments of each kind (owing, blocked), and customers of the billing run.
HOOK_PAYMENTS = {"tiny": 10, "quick": 200, "full": 1_000}
HOOK_BILLING = {"tiny": 30, "quick": 2_000, "full": 2_000}


def copy_of(book: Database, name: str) -> Database:
    """A fresh copy of a book, made as the billing run's scenario makes its copies."""
    # imported here, not at the top: the package imports this module, and the billing run's
    # module runs as `python -m bench.scenarios.billing_run` (it must not be imported first)
    from bench.scenarios import billing_run

    return billing_run.copy_of(book, name)


@contextmanager
def counting(engine: Engine) -> Iterator[Counter[str]]:
    """Statements sent while inside, by their beginning, as the billing run counts them."""
    from bench.scenarios import billing_run

    with billing_run.counting(engine) as counts:
        yield counts


def schema_mark() -> str:
    """A short fingerprint of solde's tables and columns: a cached book is made again when
    the schema changes, even within one migration revision."""
    columns = sorted(
        f"{table.name}.{column.name}:{column.type!r}:{column.nullable}"
        for table in metadata.sorted_tables
        for column in table.columns
    )
    return hashlib.sha256("\n".join(columns).encode()).hexdigest()[:8]


def customers_of(profile: Profile) -> int:
    """The dunning book's customers: the variable's when set, else the profile's."""
    return int(os.environ.get(CUSTOMERS_VARIABLE) or SIZES[profile.name])


# -- the book, generated once and copied for each run -----------------------------------------


def _exists(database: Database) -> bool:
    if database.backend == "sqlite":
        return database.path.exists()
    with psycopg.connect(databases.PG_ADMIN_URL) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database.name,))
        return found.fetchone() is not None


def dunning_database(backend: str, size: DunningBook, log: Any = print) -> Database:
    """The dunning book of `size`, generated on first use and kept under a name made of its
    size, its seed, the generators' versions and the schema's revision and columns."""
    revision = head_revision() or "none"
    version = f"g{generator.VERSION}d{dunning_book.VERSION}"
    name = f"dunning_{size.customers}c_s{size.seed}_{version}_r{revision}_{schema_mark()}"
    database = Database(backend, name)
    if _exists(database):
        return database
    log(f"  generating a dunning book of {size.customers:,} customers ...")
    started = time.perf_counter()
    scratch = databases.fresh(backend, f"{name}_making")
    container = scratch.container()
    written = dunning_book.load_dunning(container, size)
    container.dispose()
    connection = scratch.raw()
    connection.execute("ANALYZE")
    if backend == "sqlite":
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        scratch.path.rename(database.path)
        databases.drop(scratch)
    else:
        connection.commit()
        connection.close()
        with psycopg.connect(databases.PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{scratch.name}" RENAME TO "{database.name}"')
    log(f"  generated {written} in {time.perf_counter() - started:.0f} s")
    return database


class Unhooked(Container):
    """A container whose units of work commit without the before-commit step: dunning
    blocks are not lifted when a balance goes down (the baseline of scenario 11)."""

    def uow(self, *, actor: str, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, actor=actor, write=write, before_commit=None)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


@dataclass(slots=True)
class Step:
    """One timed step: wall and processor seconds, statements sent, and the time spent in
    the before-commit hook (none when the container has no hook)."""

    seconds: float = 0.0
    cpu: float = 0.0
    statements: int = 0
    hook_seconds: float = 0.0


@contextmanager
def timed(engine: Engine) -> Iterator[Step]:
    """Time what runs inside, counting its statements (`executemany` once) and timing each
    call of `solde.bootstrap.before_commit` (which `Container.uow` reads when called)."""
    step = Step()
    hook = bootstrap.before_commit

    def timed_hook(uow: SqlUnitOfWork) -> None:
        started = time.perf_counter()
        try:
            hook(uow)
        finally:
            step.hook_seconds += time.perf_counter() - started

    bootstrap.before_commit = timed_hook
    try:
        with counting(engine) as counts:
            cpu = _cpu_seconds()
            started = time.perf_counter()
            yield step
            step.seconds = time.perf_counter() - started
            step.cpu = _cpu_seconds() - cpu
    finally:
        bootstrap.before_commit = hook
    step.statements = sum(counts.values())


# -- 10. the day's dunning ---------------------------------------------------------------------


class Disagreement(AssertionError):
    """The cycle did not do what the book was made for, or what its preview said."""


def _expected(connection: Any) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for customer_id, action in connection.execute(select(EXPECT.c.customer_id, EXPECT.c.action)):
        found[action].add(customer_id)
    return found


def _differences(name: str, wanted: dict[str, set[int]], got: dict[str, set[int]]) -> list[str]:
    found = []
    for action in sorted(set(wanted) | set(got)):
        missing = sorted(wanted.get(action, set()) - got.get(action, set()))
        extra = sorted(got.get(action, set()) - wanted.get(action, set()))
        if missing or extra:
            found.append(f"{action}: {name} lacks {missing[:10]}, has more {extra[:10]}")
    return found


def day_of_dunning(container: Container) -> tuple[Metrics, DayReport]:
    """The preview of `DAY`, then the overdue, reminder and review steps of its cycle; fails
    unless they did what the book expects and the preview said."""
    engine = container.engine
    metrics: Metrics = {}
    with container.uow(actor=ACTOR, write=False) as uow:
        wanted = _expected(uow.connection)
        started = time.perf_counter()
        to_review = uow.dunning.to_review(DAY)
        metrics["to_review_ms"] = (time.perf_counter() - started) * 1000
        offsets = uow.settings.get().dunning.reminder_offsets
        started = time.perf_counter()
        to_remind = uow.dunning.to_remind(DAY, offsets)
        metrics["to_remind_ms"] = (time.perf_counter() - started) * 1000
    reviewed, reminded = len(to_review), len(to_remind)
    metrics["review_customers"] = float(reviewed)
    metrics["remind_customers"] = float(reminded)
    with timed(engine) as plan_step, container.uow(actor=ACTOR, write=False) as uow:
        plan = plan_day(uow, DAY)
    report = DayReport(DAY)
    with timed(engine) as overdue_step:
        report.overdue_invoices = _overdue(container, DAY, actor=ACTOR)
    with timed(engine) as remind_step:
        _remind(container, DAY, report, actor=ACTOR)
    with timed(engine) as review_step:
        _review(container, DAY, report, actor=ACTOR)
    if report.failed:
        raise Disagreement(f"dunning failed for some customers: {dict(report.failed)}")
    done = {
        Action.BLOCK.value: set(report.blocked),
        Action.UNBLOCK.value: set(report.unblocked),
        Action.DEACTIVATE.value: set(report.deactivated),
        "remind": set(),  # the report counts reminders: read them back below
    }
    with container.uow(actor=ACTOR, write=False) as uow:
        done["remind"] = {r.customer_id for r in uow.dunning.reminders_on(DAY)}
    previewed = {
        a.value: {c.standing.customer_id for c in cals} for a, cals in plan.actions.items()
    }
    previewed["remind"] = {m.customer_id for m in plan.messages}
    problems = _differences("the cycle", wanted, done) + _differences(
        "the preview", done, previewed
    )
    if problems or report.reminders != len(plan.messages):
        raise Disagreement("; ".join(problems) or "the reminders differ from the preview's")
    metrics.update(
        plan_seconds=plan_step.seconds,
        plan_cpu_ms=plan_step.cpu * 1000,
        plan_statements=float(plan_step.statements),
        plan_customers_per_s=(reviewed + reminded) / plan_step.seconds,
        overdue_seconds=overdue_step.seconds,
        overdue_invoices=float(len(report.overdue_invoices)),
        remind_seconds=remind_step.seconds,
        remind_per_s=reminded / remind_step.seconds if reminded else 0.0,
        remind_cpu_ms=remind_step.cpu * 1000 / max(reminded, 1),
        remind_statements_per_customer=remind_step.statements / max(reminded, 1),
        reminders=float(report.reminders),
        reminder_fees=float(report.reminder_fees),
        review_seconds=review_step.seconds,
        review_per_s=reviewed / review_step.seconds if reviewed else 0.0,
        review_cpu_ms=review_step.cpu * 1000 / max(reviewed, 1),
        review_statements_per_customer=review_step.statements / max(reviewed, 1),
        blocked=float(len(report.blocked)),
        unblocked=float(len(report.unblocked)),
        deactivated=float(len(report.deactivated)),
        customers_per_s=(reviewed + reminded) / (remind_step.seconds + review_step.seconds),
        agrees_with_book=1.0,
    )
    return metrics, report


def dunning_solde(backend: str, profile: Profile) -> Metrics:
    """The day's dunning on a fresh copy of the book."""
    count = customers_of(profile)
    book = dunning_database(backend, DunningBook(count))
    database = copy_of(book, "dunning_day")
    container = database.container()
    try:
        metrics, _report = day_of_dunning(container)
    finally:
        container.dispose()
        databases.drop(database)
    return {"customers": float(count), **metrics}


# -- 10's baseline: the same rows with the driver ----------------------------------------------

_OPEN_INVOICES = (
    "SELECT d.customer_id, d.id, d.number, d.document_date, d.due_date, t.open_amount, "
    "EXISTS (SELECT 1 FROM transactions p WHERE p.customer_id = d.customer_id "
    "AND p.invoice_id = d.id AND p.type = 'payment' AND p.state = 'pending') AS pending "
    "FROM documents d JOIN transactions t ON t.customer_id = d.customer_id "
    "AND t.id = d.transaction_id WHERE d.state = 'issued' "
    "AND d.type IN ('one_time', 'recurring') AND t.open_amount > 0"
)
_TO_REMIND = (
    f"SELECT DISTINCT customer_id FROM ({_OPEN_INVOICES}) o "
    "WHERE o.document_date IN (?, ?, ?) ORDER BY customer_id"
)
_TO_REVIEW = (
    "SELECT c.id FROM customers c WHERE c.status = 'active' AND (EXISTS "
    f"(SELECT 1 FROM ({_OPEN_INVOICES}) o WHERE o.customer_id = c.id AND o.due_date < ?) "
    "OR EXISTS (SELECT 1 FROM dunning_states s WHERE s.customer_id = c.id "
    "AND s.next_block_date <= ?)) "
    "UNION SELECT id FROM customers WHERE status = 'blocked' AND status_by = 'dunning' "
    "ORDER BY 1"
)
_READS = (
    "SELECT * FROM customers WHERE id = ?",
    "SELECT * FROM customer_balances WHERE customer_id = ?",
    f"SELECT * FROM ({_OPEN_INVOICES}) o WHERE o.customer_id = ? ORDER BY document_date, id",
    "SELECT sum(amount) FROM transactions WHERE customer_id = ? AND type = 'payment' "
    "AND state = 'pending'",
    "SELECT * FROM dunning_states WHERE customer_id = ?",
    "SELECT * FROM reminder_lines WHERE customer_id = ?",
)
_LOCK = "SELECT customer_id FROM customer_balances WHERE customer_id = ? FOR UPDATE"
_STATUS = "UPDATE customers SET status = ?, status_by = 'dunning', updated_at = ? WHERE id = ?"
_STATE = (
    "INSERT INTO dunning_states (customer_id, blocked_on, next_block_date, "
    "next_block_date_set_on, updated_at) VALUES (?, ?, NULL, NULL, ?) "
    "ON CONFLICT (customer_id) DO UPDATE SET blocked_on = excluded.blocked_on, "
    "next_block_date = NULL, updated_at = excluded.updated_at"
)
_AUDIT = (
    "INSERT INTO audit_log (at, actor, action, customer_id, object_type, object_id, details) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_EVENT = (
    "INSERT INTO events (type, customer_id, object_type, object_id, occurred_on, data, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_REMINDER = (
    "INSERT INTO reminders (customer_id, id, date, level, lines, fee_transaction_id, status, "
    "created_at) VALUES (?, ?, ?, ?, ?, ?, 'recorded', ?)"
)
_REMINDER_LINE = (
    "INSERT INTO reminder_lines (customer_id, invoice_id, level, reminder_id, date) "
    "VALUES (?, ?, ?, ?, ?)"
)
_FEE = (
    "INSERT INTO transactions (customer_id, id, kind, type, label, date, currency, amount, net, "
    "tax, tax_rate_e4, quantity_e6, unit_price_e6, state, open_amount, origin, entered_on, "
    "created_at, created_by) VALUES (?, ?, 'debit', 'collection_cost', ?, ?, ?, ?, ?, 0, 0, "
    "1000000, ?, 'open', ?, 'posted', ?, ?, ?)"
)
_BALANCE = (
    "UPDATE customer_balances SET balance = balance + ?, debit = debit + ?, activity = ? "
    "WHERE customer_id = ?"
)
_STATUS_OF = {"block": "blocked", "unblock": "active", "deactivate": "inactive"}
_EVENT_OF = {
    "block": "customer.blocked",
    "unblock": "customer.unblocked",
    "deactivate": "customer.deactivated",
}


class _Driver:
    """SQL of its own through the driver, dates as text on SQLite."""

    def __init__(self, database: Database) -> None:
        self.backend = database.backend
        self.connection = database.raw()
        self.mark = "?" if self.backend == "sqlite" else "%s"
        self.now = datetime.now(UTC)
        self.ids = {
            table: int(self.one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0])
            for table in ("transactions", "reminders")
        }

    def value(self, item: object) -> object:
        if self.backend == "sqlite" and isinstance(item, date | datetime):
            return item.isoformat(sep=" ") if isinstance(item, datetime) else item.isoformat()
        return item

    def run(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self.connection.execute(sql.replace("?", self.mark), [self.value(p) for p in params])

    def one(self, sql: str, params: Sequence[object] = ()) -> Any:
        return self.run(sql, params).fetchone()

    def begin(self) -> None:
        if self.backend == "sqlite":
            self.run("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.connection.commit() if self.backend == "postgresql" else self.run("COMMIT")

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def read(self, customer_id: int) -> list[list[Any]]:
        """Lock the customer and read what dunning reads of it: its row, its aggregate row,
        its open invoices, pending payments, kept state and reminders sent."""
        if self.backend == "postgresql":
            self.run(_LOCK, [customer_id])
        return [self.run(sql, [customer_id]).fetchall() for sql in _READS]

    def tell(self, action: str, customer_id: int, details: dict[str, Any]) -> None:
        self.run(
            _AUDIT,
            [self.now, ACTOR, action, customer_id, "customer", customer_id, json.dumps(details)],
        )
        self.run(
            _EVENT,
            [action, customer_id, "customer", customer_id, DAY, json.dumps(details), self.now],
        )


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def dunning_raw(backend: str, profile: Profile) -> Metrics:
    """The same candidates, reads and writes with the driver, one transaction per customer;
    which customer to block, unblock, deactivate or remind comes from the book."""
    count = customers_of(profile)
    book = dunning_database(backend, DunningBook(count))
    database = copy_of(book, "dunning_raw")
    raw = _Driver(database)
    wanted = defaultdict(set)
    for customer_id, action in raw.run("SELECT customer_id, action FROM bench_dunning_expect"):
        wanted[action].add(customer_id)
    fees = dunning_book.FEES
    offsets = dunning_book.OFFSETS
    started = time.perf_counter()
    dates = [DAY - timedelta(days=n) for n in offsets]
    reminded = [row[0] for row in raw.run(_TO_REMIND, dates).fetchall()]
    remind_started = time.perf_counter()
    for customer_id in reminded:
        raw.begin()
        customer, _balance, invoices, *_ = raw.read(customer_id)
        if customer_id in wanted["remind"]:
            lines = []
            for invoice in invoices:
                late = (DAY - _day(invoice[3])).days
                if late in offsets and not invoice[6]:
                    lines.append((invoice[1], offsets.index(late) + 1))
            level = max(level for _, level in lines)
            currency = customer[0][4]
            fee = int(Decimal(fees[currency][level - 1]) * 100)
            fee_id = None
            if fee:
                fee_id = raw.next_id("transactions")
                raw.run(
                    _FEE,
                    [customer_id, fee_id, f"Reminder fee (level {level})", DAY, currency, fee,
                     fee, fee * 10_000, fee, DAY, raw.now, ACTOR],
                )  # fmt: skip
                raw.run(_BALANCE, [fee, fee, DAY, customer_id])
            reminder_id = raw.next_id("reminders")
            data = [{"invoice_id": i, "level": k} for i, k in lines]
            raw.run(
                _REMINDER,
                [customer_id, reminder_id, DAY, level, json.dumps(data), fee_id, raw.now],
            )
            for invoice_id, line_level in lines:
                raw.run(_REMINDER_LINE, [customer_id, invoice_id, line_level, reminder_id, DAY])
            raw.tell("reminder.due", customer_id, {"reminder_id": reminder_id, "lines": data})
        raw.commit()
    review_started = time.perf_counter()
    reviewed = [row[0] for row in raw.run(_TO_REVIEW, [DAY, DAY]).fetchall()]
    actions = {cid: action for action in _STATUS_OF for cid in wanted[action]}
    for customer_id in reviewed:
        raw.begin()
        state = raw.read(customer_id)[4]
        action = actions.get(customer_id)
        if action is not None:
            blocked_on = state[0][1] if state and action == "deactivate" else None
            raw.run(_STATUS, [_STATUS_OF[action], raw.now, customer_id])
            raw.run(_STATE, [customer_id, DAY if action == "block" else blocked_on, raw.now])
            raw.tell(_EVENT_OF[action], customer_id, {"date": DAY.isoformat()})
        raw.commit()
    ended = time.perf_counter()
    raw.connection.close()
    databases.drop(database)
    return {
        "customers": float(count),
        "remind_customers": float(len(reminded)),
        "review_customers": float(len(reviewed)),
        "remind_seconds": review_started - remind_started,
        "review_seconds": ended - review_started,
        "customers_per_s": (len(reminded) + len(reviewed)) / (ended - started),
    }


register(
    Scenario(
        key="dunning",
        title="10. The day's dunning (preview, reminders, blocks), one transaction a customer",
        metric="customers_per_s",
        higher_is_better=True,
        solde=dunning_solde,
        baseline=dunning_raw,
        baseline_name="the same reads and writes with the driver, a transaction a customer",
        target="none set: reported",
        passes=lambda s, b: None,
    )
)


# -- 11. the before-commit hook ---------------------------------------------------------------


def _owing(container: Container, *, blocked: bool, limit: int) -> list[tuple[int, str]]:
    """Customers that owe (blocked by dunning, or active), with what they owe."""
    c, b = customers.c, customer_balances.c
    status = (
        (c.status == "blocked") & (c.status_by == "dunning") if blocked else c.status == "active"
    )
    query = (
        select(c.id, b.balance, b.currency)
        .join(customer_balances, b.customer_id == c.id)
        .where(status, b.balance > 0)
        .order_by(c.id)
        .limit(limit)
    )
    with container.uow(actor=ACTOR, write=False) as uow:
        rows = uow.connection.execute(query).all()
    return [(row.id, str(units.from_minor(row.balance, row.currency).amount)) for row in rows]


def _pay_each(container: Container, owing: Sequence[tuple[int, str]]) -> Step:
    """Record a payment of each customer's whole balance, a unit of work each."""
    with timed(container.engine) as step:
        for customer_id, amount in owing:
            with container.uow(actor=ACTOR) as uow:
                values = {"amount": amount, "date": DAY.isoformat()}
                record_payment(uow, customer_id, values, on=DAY)
                uow.commit()
    return step


def _still_blocked(container: Container, ids: Sequence[int]) -> int:
    with container.uow(actor=ACTOR, write=False) as uow:
        return len(uow.dunning.blocked_by_dunning(list(ids)))


def payments(book: Database, make: Callable[[Config], Container], count: int) -> Metrics:
    """Payments one at a time on a copy of the dunning book: of owing customers, then of
    customers blocked by dunning."""
    database = copy_of(book, "dunning_payments")
    container = make(Config(database.url))
    try:
        owing = _owing(container, blocked=False, limit=count + 1)
        blocked = _owing(container, blocked=True, limit=count + 1)
        # one payment of each kind first, untimed: the process's first statements are compiled
        _pay_each(container, [owing.pop(), blocked.pop()])
        plain = _pay_each(container, owing)
        lifting = _pay_each(container, blocked)
        left = _still_blocked(container, [cid for cid, _ in blocked])
        if left != (len(blocked) if isinstance(container, Unhooked) else 0):
            raise AssertionError(f"{left} of {len(blocked)} blocks left after their payments")
    finally:
        container.dispose()
        databases.drop(database)
    return {
        "payments_per_s": len(owing) / plain.seconds,
        "payment_cpu_ms": plain.cpu * 1000 / len(owing),
        "payment_statements": plain.statements / len(owing),
        "payment_hook_ms": plain.hook_seconds * 1000 / len(owing),
        "blocked_payments_per_s": len(blocked) / lifting.seconds,
        "blocked_payment_cpu_ms": lifting.cpu * 1000 / len(blocked),
        "blocked_payment_statements": lifting.statements / len(blocked),
        "blocked_payment_hook_ms": lifting.hook_seconds * 1000 / len(blocked),
        "blocks_lifted": float(len(blocked) - left),
        "payments": float(len(owing)),
        "blocked_payments": float(len(blocked)),
    }


def billing(customers_count: int, backend: str, make: Callable[[Config], Container]) -> Metrics:
    """A billing run of one worker over a copy of the billing run's book."""
    from bench.scenarios.billing_run import RUN_DATE, billing_book

    book = billing_book(backend, generator.BillingBook(customers_count))
    database = copy_of(book, "dunning_billing")
    container = make(Config(database.url))
    try:
        with timed(container.engine) as step:
            run = run_billing(
                container, {"date": RUN_DATE.isoformat()}, actor=ACTOR, on=RUN_DATE, workers=1
            )
        _, progress = progress_of(container, run.id)
    finally:
        container.dispose()
        databases.drop(database)
    invoiced = progress.counts.get(Outcome.INVOICED, 0)
    return {
        "billing_invoices_per_s": invoiced / step.seconds,
        "billing_invoice_cpu_ms": step.cpu * 1000 / invoiced,
        "billing_statements_per_invoice": step.statements / invoiced,
        "billing_hook_ms_per_invoice": step.hook_seconds * 1000 / invoiced,
        "billing_invoices": float(invoiced),
    }


def hook_side(backend: str, profile: Profile, *, hooked: bool) -> Metrics:
    """Scenario 11 with the hook (solde as it is) or without it."""
    make: Callable[[Config], Container] = Container if hooked else Unhooked
    book = dunning_database(backend, DunningBook(customers_of(profile)))
    metrics = payments(book, make, HOOK_PAYMENTS[profile.name])
    metrics.update(billing(HOOK_BILLING[profile.name], backend, make))
    return metrics


register(
    Scenario(
        key="dunning_hook",
        title="11. Payments and a billing run with the hook that lifts blocks at once",
        metric="payments_per_s",
        higher_is_better=True,
        solde=lambda backend, profile: hook_side(backend, profile, hooked=True),
        baseline=lambda backend, profile: hook_side(backend, profile, hooked=False),
        baseline_name="the same code with the before-commit hook disabled",
        target="none set: reported",
        passes=lambda s, b: None,
    )
)
