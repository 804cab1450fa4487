"""A billing run that is killed again and again still bills every customer exactly once
(SPEC §8: runs are idempotent and resumable; SPEC §1: every invariant holds afterwards).

Two thousand customers are given services (through the use cases), unbilled lines and
payments (through the bulk import); the run of 1 May 2026 is started in a process of its own
(`crash_runner.py`, one worker, once two) and killed with SIGKILL, with its whole process
group, at seeded random points: once while it starts, the other times a few milliseconds after
a random share of the customers is billed, so that the kill falls inside a batch being
written. After each kill the database must take a writer at once: a writer killed while it
held the lock leaves none behind. The last start lets it finish; then every customer has
exactly what one clean run gives: one recurring invoice of the exact amount, one charge per
service up to the end of May, its lines billed once, numbers 1..n without a gap, the run's
counts, and the ledger invariants of SPEC §1.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import billbook
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from solde.billing import subscriptions
from solde.bootstrap import Config, Container
from solde.ledger import usecases as ledger
from solde.settlement.importing import ImportRow, RowKind, import_transactions
from solde.storage.engine import make_engine
from solde.storage.tables import (
    allocations,
    billing_run_customers,
    billing_runs,
    customer_balances,
    document_items,
    documents,
    numbering_sequences,
    service_charges,
    services,
    transactions,
)

pytestmark = pytest.mark.slow

DAY = date(2026, 5, 1)  # billing day 1, monthly, in advance: May is billed
MAY_END = date(2026, 5, 31)
CUSTOMERS = 2_000
SEED = 20260501
RUNNER = Path(__file__).with_name("crash_runner.py")
#: (workers, share of the customers left to bill before the kill; None: kill while starting)
KILLS = ((1, 0.2), (2, 0.25), (1, None), (1, 0.3))
LAST_WORKERS = 1
LIMIT_SECONDS = 300  # a start that takes longer is stuck: killed, and the test fails
CENT = Decimal("0.01")
QUANTITIES = ("1", "2", "0.5", "3")
RATES = ("0", "5.5", "20")


@dataclass
class Line:
    price: Decimal
    rate: Decimal
    day: date
    id: int = 0

    @property
    def gross(self) -> Decimal:
        return self.price + _round(self.price * self.rate / 100)


@dataclass
class Sub:
    """A service and what May's run bills of it: `start`..`last`."""

    price: Decimal
    quantity: Decimal
    rate: Decimal
    start: date
    end: date | None
    id: int = 0

    @property
    def last(self) -> date:
        return MAY_END if self.end is None else min(self.end, MAY_END)

    @property
    def gross(self) -> Decimal:
        exact = Fraction(self.quantity) * Fraction(self.price) * _share(self.start, self.last)
        net = _round(Decimal(exact.numerator) / Decimal(exact.denominator))
        return net + _round(net * self.rate / 100)


@dataclass
class Plan:
    """One customer: what it is given and what the run must do. `kind`: billed (an invoice),
    free (a zero invoice, skipped, its days still covered), bare (no service: skipped),
    other_day (billing day 15) and manual (auto_invoice off): not selected."""

    kind: str
    subs: list[Sub] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    paid: Decimal | None = None
    id: int = 0

    @property
    def selected(self) -> bool:
        return self.kind in ("billed", "free", "bare")

    @property
    def total(self) -> Decimal:
        return sum((s.gross for s in self.subs), Decimal(0)) + sum(
            (x.gross for x in self.lines if x.day <= DAY), Decimal(0)
        )


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _share(first: date, last: date) -> Fraction:
    """Calendar months from `first` to `last`: a whole month counts 1, a part its days over
    the month's days."""
    share, day = Fraction(0), first
    while day <= last:
        month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        upto = min(last, month_end)
        share += Fraction((upto - day).days + 1, month_end.day)
        day = upto + timedelta(days=1)
    return share


# -- the books ------------------------------------------------------------------------------


def _plan(rng: random.Random) -> Plan:
    draw = rng.random()
    kind = (
        "billed"
        if draw < 0.9
        else "free"
        if draw < 0.93
        else "bare"
        if draw < 0.96
        else "other_day"
        if draw < 0.98
        else "manual"
    )
    plan = Plan(kind)
    if kind == "free":
        plan.subs.append(Sub(Decimal(0), Decimal(1), Decimal(0), DAY - timedelta(days=40), None))
        return plan
    if kind != "bare":
        for _ in range(rng.randint(1, 2)):
            cents = rng.randint(100, 9_999)
            price = Decimal(cents) / 100 if rng.random() < 0.9 else Decimal(cents * 37) / 10_000
            start = DAY + timedelta(days=rng.randint(-80, 20))
            end = start + timedelta(days=rng.randint(0, 90)) if rng.random() < 0.25 else None
            quantity, rate = Decimal(rng.choice(QUANTITIES)), Decimal(rng.choice(RATES))
            plan.subs.append(Sub(price, quantity, rate, start, end))
    for _ in range(rng.randint(0, 2)):
        price = Decimal(rng.randint(100, 5_000)) / 100
        day = DAY + timedelta(days=rng.randint(-20, 10))
        plan.lines.append(Line(price, Decimal(rng.choice(RATES)), day))
    if rng.random() < 0.25:
        plan.paid = Decimal(rng.randint(1_000, 8_000)) / 100
    return plan


def _give(uow: Any, number: int, plan: Plan) -> None:
    """Open the customer and its services through the use cases."""
    billing: dict[str, object] = {}
    if plan.kind == "other_day":
        billing["billing_day"] = 15
    elif plan.kind == "manual":
        billing["auto_invoice"] = False
    values = {"name": f"Customer {number}", "currency": "EUR", "billing": billing}
    plan.id = ledger.create_customer(uow, values).id
    for sub in plan.subs:
        wanted: dict[str, object] = {
            "description": "Fibre",
            "unit_price": str(sub.price),
            "quantity": str(sub.quantity),
            "tax_rate": str(sub.rate),
            "start_date": sub.start.isoformat(),
        }
        if sub.end is not None:
            wanted["end_date"] = sub.end.isoformat()
        sub.id = subscriptions.add_service(uow, plan.id, wanted, on=DAY).id


def _rows(plan: Plan) -> list[tuple[ImportRow, Line | None]]:
    """The customer's unbilled lines and payment, as the bulk import takes them."""
    rows: list[tuple[ImportRow, Line | None]] = []
    for line in plan.lines:
        entry: dict[str, object] = {
            "kind": "debit",
            "type": "charge",
            "label": "Installation",
            "date": line.day.isoformat(),
            "unit_price": str(line.price),
            "tax_rate": str(line.rate),
            "bill_on_next_invoice": True,
        }
        rows.append((ImportRow(plan.id, RowKind.LINE, entry), line))
    if plan.paid is not None:
        payment = {"amount": str(plan.paid), "method": "bank_transfer", "date": "2026-04-20"}
        rows.append((ImportRow(plan.id, RowKind.PAYMENT, payment), None))
    return rows


def _books(container: Container) -> list[Plan]:
    """The customers and services through the use cases, 500 to a unit of work; their lines
    and payments through the bulk import."""
    rng = random.Random(SEED)
    plans = [_plan(rng) for _ in range(CUSTOMERS)]
    for first in range(0, CUSTOMERS, 500):
        with container.uow(actor="crash test") as uow:
            for number in range(first, min(first + 500, CUSTOMERS)):
                _give(uow, number, plans[number])
            uow.commit()
    rows = [row for plan in plans for row in _rows(plan)]
    for first in range(0, len(rows), 1_000):
        chunk = rows[first : first + 1_000]
        with container.uow(actor="crash test") as uow:
            made = import_transactions(uow, [row for row, _ in chunk], on=DAY)
            uow.commit()
        for tx_id, (_, line) in zip(made.transaction_ids, chunk, strict=True):
            if line is not None:
                line.id = tx_id
    return plans


# -- killing and starting the run -----------------------------------------------------------


def _outcomes(container: Container) -> int:
    with container.engine.connect() as connection:
        query = select(func.count()).where(billing_run_customers.c.date == DAY)
        return int(connection.execute(query).scalar_one())


def _start(url: str, workers: int, log: Path) -> subprocess.Popen[str]:
    with log.open("a") as errors:
        return subprocess.Popen(
            [sys.executable, str(RUNNER), url, DAY.isoformat(), str(workers)],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            start_new_session=True,  # its own process group: the workers die with it
        )


def _kill_at(
    container: Container, process: subprocess.Popen[str], target: int | None, delay: float
) -> None:
    """SIGKILL the whole group once `target` customers have an outcome (None: once loaded),
    `delay` seconds later so that the kill falls inside a customer's transaction."""
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "started", line
    if target is not None:
        while _outcomes(container) < target:
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.02)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()


def _finish(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    out = process.stdout.read()
    process.wait()
    process.stdout.close()
    last = out.strip().splitlines()[-1]
    word, run_id, status = last.split()
    assert (word, status) == ("finished", "completed"), out[-500:]
    return int(run_id)


def _assert_writable(url: str) -> None:
    """A killed writer leaves no lock behind: a new writer gets in at once."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database), timeout=2, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
        finally:
            connection.close()
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            connection.execute(text("SELECT id FROM customers FOR UPDATE")).all()
    finally:
        engine.dispose()


def _watchdog(watched: list[subprocess.Popen[str]]) -> threading.Timer:
    """Kill what still runs after `LIMIT_SECONDS`: a stuck run fails the test, never hangs
    it."""

    def stop() -> None:
        for process in watched:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(LIMIT_SECONDS, stop)
    timer.start()
    return timer


def _crash_and_finish(container: Container, url: str, selected: int, tmp: Path) -> int:
    """Start, kill and start again as `KILLS` says, then let the run finish: its id."""
    rng = random.Random(SEED + 1)
    log = tmp / "runner.log"
    watchdog: list[subprocess.Popen[str]] = []
    timer = _watchdog(watchdog)
    try:
        for workers, share in KILLS:
            before = _outcomes(container)
            target = None if share is None else before + max(1, int((selected - before) * share))
            process = _start(url, workers, log)
            watchdog[:] = [process]
            _kill_at(container, process, target, rng.uniform(0, 0.05 if share else 0.4))
            assert process.returncode == -signal.SIGKILL, log.read_text()[-2_000:]
            after = _outcomes(container)
            assert before <= after < selected, (before, after)
            _assert_writable(url)
        process = _start(url, LAST_WORKERS, log)
        watchdog[:] = [process]
        return _finish(process)
    finally:
        timer.cancel()


# -- what must be true afterwards -----------------------------------------------------------


def _table(container: Container, table: Any) -> list[Any]:
    with container.engine.connect() as connection:
        return list(connection.execute(select(table)))


def _check_invoices(container: Container, plans: list[Plan]) -> dict[int, int]:
    """Each billed customer: one issued recurring invoice dated D, of the exact amount; nobody
    else has a document. Returns the invoice of each customer."""
    docs = _table(container, documents)
    for doc in docs:
        assert (doc.type, doc.state, doc.document_date) == ("recurring", "issued", DAY), doc
    count = Counter(d.customer_id for d in docs)
    total = {d.customer_id: Decimal(d.total) / 100 for d in docs}
    for plan in plans:
        assert count[plan.id] == (plan.kind == "billed"), plan
        if plan.kind == "billed":
            assert total[plan.id] == plan.total, plan
    return {d.customer_id: d.id for d in docs}


def _check_service_days(
    container: Container, plans: list[Plan], invoice_of: dict[int, int]
) -> None:
    """Each service of a selected customer: one charge, its start to the end of May (or its
    end), naming the invoice (none for a skipped zero invoice); the others: none."""
    charges: dict[int, list[Any]] = {}
    for charge in _table(container, service_charges):
        charges.setdefault(charge.service_id, []).append(charge)
    through = {s.id: s.billed_through for s in _table(container, services)}
    for plan in plans:
        for sub in plan.subs:
            if not plan.selected:
                assert (charges.get(sub.id), through[sub.id]) == (None, None), plan
                continue
            (charge,) = charges[sub.id]
            assert (charge.first_day, charge.last_day) == (sub.start, sub.last), plan
            assert charge.document_id == invoice_of.get(plan.id), plan
            assert through[sub.id] == sub.last, plan


def _check_lines(container: Container, plans: list[Plan], invoice_of: dict[int, int]) -> None:
    """A billed customer's lines dated up to D are on its invoice; every other line waits."""
    rows = {r.id: r for r in _table(container, transactions)}
    for plan in plans:
        for line in plan.lines:
            row = rows[line.id]
            if plan.kind == "billed" and line.day <= DAY:
                assert (row.state, row.invoice_id) == ("billed", invoice_of[plan.id]), row
            else:
                assert (row.state, row.invoice_id) == ("unbilled", None), row


def _check_numbers(container: Container, count: int) -> None:
    """Invoice numbers (`{year}{partner|2}{next|6}`) are 1..n in one sequence, no gap."""
    numbers = sorted(d.number for d in _table(container, documents))
    assert len(numbers) == len(set(numbers)) == count
    assert {n[:6] for n in numbers} == {"202601"}
    assert [int(n[6:]) for n in numbers] == list(range(1, count + 1))
    assert [r.last_value for r in _table(container, numbering_sequences)] == [count]


def _check_run(container: Container, run_id: int, plans: list[Plan]) -> None:
    """One run for the date, completed; its outcomes and counts are each customer's."""
    runs = [r for r in _table(container, billing_runs) if r.date == DAY]
    assert [(r.id, r.status, r.preview) for r in runs] == [(run_id, "completed", False)]
    outcomes = {o.customer_id: o for o in _table(container, billing_run_customers)}
    expected = {p.id: "invoiced" if p.kind == "billed" else "skipped" for p in plans if p.selected}
    assert {c: o.outcome for c, o in outcomes.items()} == expected
    why = {"free": "the invoice total is zero", "bare": "no active service"}
    for plan in plans:
        if plan.kind in why:
            assert outcomes[plan.id].reason.startswith(why[plan.kind]), outcomes[plan.id]
    with container.uow(actor="crash test", write=False) as uow:
        progress = uow.runs.progress(run_id)
    kinds = Counter(expected.values())
    assert progress.counts == dict(kinds)
    assert progress.total == progress.done == len(expected)


def _check_books(container: Container) -> None:
    """SPEC §1 for every customer and invariant 6 for every service: the checks of
    `billbook.check_books`, given one customer's rows (one service's) at a time so that they
    take linear time over thousands of customers."""
    txs, links = _table(container, transactions), _table(container, allocations)
    docs = {d.id: d for d in _table(container, documents)}
    items = _table(container, document_items)
    aggregates = {a.customer_id: a for a in _table(container, customer_balances)}
    rows_of: dict[int, list[Any]] = {c: [] for c in aggregates}
    links_of: dict[int, list[Any]] = {c: [] for c in aggregates}
    items_of: dict[int, list[Any]] = {}
    for row in txs:
        rows_of[row.customer_id].append(row)
    for link in links:
        links_of[link.customer_id].append(link)
    for item in items:
        items_of.setdefault(item.service_id, []).append(item)
    for customer_id, aggregate in aggregates.items():
        billbook._check_ledger(
            rows_of[customer_id], links_of[customer_id], {customer_id: aggregate}
        )
    billbook._check_documents(docs, items, {r.id: r for r in txs})
    with container.uow(actor="crash test", write=False) as uow:
        for held in uow.services.of_customers(list(aggregates)).values():
            for service in held:
                charges = uow.services.charges_of(service.id)
                billbook._check_charges(service, charges, docs, items_of.get(service.id, []))


def test_a_run_killed_at_random_points_bills_every_customer_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    container = Container(Config(database_url))
    try:
        plans = _books(container)
        selected = sum(p.selected for p in plans)
        run_id = _crash_and_finish(container, database_url, selected, tmp_path)

        invoice_of = _check_invoices(container, plans)
        _check_service_days(container, plans, invoice_of)
        _check_lines(container, plans, invoice_of)
        _check_numbers(container, sum(p.kind == "billed" for p in plans))
        _check_run(container, run_id, plans)
        _check_books(container)
    finally:
        container.dispose()
