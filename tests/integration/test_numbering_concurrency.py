"""Document numbers stay unique and gapless under concurrent issuing (SPEC §1 invariant 5, §5).

Eight threads, each with its own units of work, issue invoices, proformas and credit notes
for eight customers of one partner, as eight API workers would. Some units of work are rolled
back on purpose after the document was issued (the request failed later): the number they
took must be given back. Afterwards the committed numbers of each sequence are exactly 1..n,
n is the number of commits the threads saw, and no error but the deliberate ones reached a
caller.
"""

from __future__ import annotations

import random
import re
import shutil
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from solde.billing import usecases as billing
from solde.bootstrap import Config, Container
from solde.ledger import usecases as ledger
from solde.storage.tables import documents, metadata, numbering_sequences

pytestmark = pytest.mark.slow

TODAY = date(2026, 3, 10)
#: The default formats: invoices `{year}{partner_id|2}{next|6}`, credit notes
#: `CN{year}-{next|5}`, proformas `PF{year}-{next|5}`.
SEQUENCES = {
    "invoice": re.compile(r"(202601)(\d{6})"),
    "credit_note": re.compile(r"(CN2026-)(\d{5})"),
    "proforma": re.compile(r"(PF2026-)(\d{5})"),
}


class RolledBack(Exception):
    """Raised inside a unit of work after issuing, so that it rolls back."""


@dataclass
class Journal:
    """What the threads committed, by kind, and every unexpected error."""

    committed: dict[str, list[str]] = field(
        default_factory=lambda: {kind: [] for kind in SEQUENCES}
    )
    invoices: dict[int, list[int]] = field(default_factory=dict)  # customer -> invoice ids
    rolled_back: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Container]:
    """An empty, migrated PostgreSQL database (every table emptied, ids restarted)."""
    container = Container(Config(pg_url))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with container.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield container
    container.dispose()


@pytest.fixture
def lite(sqlite_template: Path, tmp_path: Path) -> Iterator[Container]:
    """An empty, migrated SQLite file database."""
    target = tmp_path / "numbers.db"
    shutil.copyfile(sqlite_template, target)
    container = Container(Config(f"sqlite:///{target}"))
    yield container
    container.dispose()


def _customers(container: Container, count: int) -> list[int]:
    with container.uow(actor="test:setup") as uow:
        ids = [
            ledger.create_customer(
                uow, {"name": f"Customer {n}", "currency": "EUR", "partner_id": 1}
            ).id
            for n in range(count)
        ]
        uow.commit()
    return ids


def _issue(
    container: Container, rng: random.Random, customer_id: int, journal: Journal
) -> tuple[str, str] | None:
    """Issue one document in its own unit of work; one time in five roll it back after the
    document is issued. Returns (kind, number) when committed."""
    with journal.lock:
        mine = list(journal.invoices.get(customer_id, []))
    roll = rng.random()
    kind = "credit_note" if mine and roll < 0.3 else "proforma" if roll < 0.45 else "invoice"
    rollback = rng.random() < 0.2
    cents = rng.randint(100, 9_999)
    try:
        with container.uow(actor="test:numbers") as uow:
            if kind == "credit_note":
                doc = billing.issue_credit_note(
                    uow,
                    rng.choice(mine),
                    {"amount": "0.01", "reason": "goodwill"},
                    on=TODAY,
                )
            else:
                values = {
                    "type": "proforma" if kind == "proforma" else "one_time",
                    "items": [{"description": "Work", "unit_price": f"{cents / 100:.2f}"}],
                }
                doc = billing.create_invoice(uow, customer_id, values, on=TODAY)
            assert doc.number is not None
            if rollback:
                raise RolledBack(doc.number)
            uow.commit()
    except RolledBack:
        with journal.lock:
            journal.rolled_back += 1
        return None
    with journal.lock:
        journal.committed[kind].append(doc.number)
        if kind == "invoice":
            journal.invoices.setdefault(customer_id, []).append(doc.id)
    return kind, doc.number


def _run(container: Container, customers: list[int], threads: int, each: int) -> Journal:
    journal = Journal()
    barrier = threading.Barrier(threads)

    def worker(number: int) -> None:
        rng = random.Random(7_000 + number)
        barrier.wait()
        for step in range(each):
            customer_id = rng.choice(customers)
            try:
                _issue(container, rng, customer_id, journal)
            except Exception as exc:  # every error that reaches a caller is a finding
                with journal.lock:
                    journal.errors.append(
                        f"thread {number} step {step} customer {customer_id}: "
                        f"{type(exc).__name__}: {exc}\n"
                        + "".join(traceback.format_exception(exc)[-3:])
                    )

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=180)
    assert not any(t.is_alive() for t in workers), "a worker is stuck (deadlock?)"
    return journal


def _stored(container: Container) -> dict[str, list[str]]:
    """The numbers kept in the database, by kind of sequence."""
    d = documents.c
    found: dict[str, list[str]] = {kind: [] for kind in SEQUENCES}
    with container.engine.connect() as connection:
        for doc_type, number in connection.execute(select(d.type, d.number)):
            kind = {"credit_note": "credit_note", "proforma": "proforma"}.get(doc_type, "invoice")
            found[kind].append(number)
    return found


def _assert_gapless(journal: Journal, stored: dict[str, list[str]]) -> None:
    assert journal.errors == [], "errors reached the callers:\n" + "\n".join(journal.errors)
    for kind, pattern in SEQUENCES.items():
        numbers = stored[kind]
        assert len(numbers) == len(set(numbers)), f"{kind}: a number was given twice"
        assert sorted(numbers) == sorted(journal.committed[kind]), kind
        values = []
        for number in numbers:
            match = pattern.fullmatch(number)
            assert match is not None, (kind, number)
            values.append(int(match.group(2)))
        assert sorted(values) == list(range(1, len(numbers) + 1)), f"{kind}: gap or repeat"


def _assert_sequences_at_the_last_number(container: Container, journal: Journal) -> None:
    """Each sequence row stands at its last committed number: a rolled-back issue gave its
    value back, so the next document continues without a gap."""
    with container.engine.connect() as connection:
        rows = connection.execute(select(numbering_sequences)).all()
    assert sorted(row.last_value for row in rows) == sorted(
        len(numbers) for numbers in journal.committed.values() if numbers
    )


def test_eight_threads_issue_gapless_numbers_on_postgresql(pg: Container) -> None:
    customers = _customers(pg, 8)
    journal = _run(pg, customers, threads=8, each=25)
    stored = _stored(pg)
    _assert_gapless(journal, stored)
    _assert_sequences_at_the_last_number(pg, journal)
    committed = sum(len(numbers) for numbers in journal.committed.values())
    assert committed + journal.rolled_back == 8 * 25
    assert journal.rolled_back > 0
    assert all(journal.committed[kind] for kind in SEQUENCES)


def test_threads_issue_gapless_numbers_on_sqlite(lite: Container) -> None:
    customers = _customers(lite, 4)
    journal = _run(lite, customers, threads=4, each=10)
    _assert_gapless(journal, _stored(lite))
    _assert_sequences_at_the_last_number(lite, journal)
    committed = sum(len(numbers) for numbers in journal.committed.values())
    assert committed + journal.rolled_back == 4 * 10
