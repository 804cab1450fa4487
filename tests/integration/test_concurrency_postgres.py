"""Concurrency hammer on PostgreSQL (issue 2): many workers, the same few customers.

Eight threads, each with its own units of work, post interleaved payments and charges for the
same three customers, as eight API workers would. Balance-changing operations on one customer
must run one after the other (a row lock on PostgreSQL): afterwards every balance, open amount
and allocation must be exactly what the operations the threads recorded add up to, nothing may
be lost, and no lock or serialisation error may reach a caller.

The expected figures are computed here from what each thread asked for (amounts, tax rates),
never read back from the code under test.
"""

from __future__ import annotations

import random
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from sqlalchemy import select, text
from starlette.testclient import TestClient

from solde.api.app import create_app
from solde.bootstrap import Config, Container
from solde.domain.errors import InvalidInput, InvalidState
from solde.ledger import usecases
from solde.settlement import usecases as settlement
from solde.storage.api_keys import Role
from solde.storage.tables import allocations, metadata

pytestmark = pytest.mark.slow

TODAY = date(2026, 3, 10)
THREADS = 8
OPERATIONS = 40  # per thread
CENT = Decimal("0.01")
TAX_RATES = (Decimal(0), Decimal(20), Decimal("5.5"))


@pytest.fixture
def pg(pg_url: str) -> Iterator[Container]:
    """An empty, migrated PostgreSQL database (every table emptied, ids restarted)."""
    container = Container(Config(pg_url))
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with container.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield container
    container.dispose()


# -- what the threads record ------------------------------------------------------------------


@dataclass(frozen=True)
class Posted:
    """A transaction a thread posted: its id and the signed amount it should carry."""

    customer_id: int
    transaction_id: int
    kind: str
    amount: Decimal


@dataclass
class Journal:
    """Everything the threads did, and every error that reached them."""

    posted: list[Posted] = field(default_factory=list)
    allocations: dict[int, tuple[int, str, Decimal]] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _gross(net: Decimal, rate: Decimal) -> Decimal:
    """SPEC §2: tax = net × rate / 100 rounded half-up per line; gross = net + tax."""
    return net + (net * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(100, 6000)) / 100


def _create_customers(container: Container, *, auto_settlement: bool) -> list[int]:
    with container.uow(actor="test:setup") as uow:
        ids = [
            usecases.create_customer(
                uow,
                {
                    "name": f"Customer {n}",
                    "currency": "EUR",
                    "billing": {"auto_settlement": auto_settlement},
                },
            ).id
            for n in range(3)
        ]
        uow.commit()
    return ids


def _payment(container: Container, rng: random.Random, customer_id: int, journal: Journal) -> None:
    amount = _cents(rng)
    with container.uow(actor="test:payments") as uow:
        tx = settlement.record_payment(
            uow, customer_id, {"amount": str(amount), "method": "card"}, on=TODAY
        )
        uow.commit()
    with journal.lock:
        journal.posted.append(Posted(customer_id, tx.id, "credit", amount))


def _charge(container: Container, rng: random.Random, customer_id: int, journal: Journal) -> None:
    net, rate = _cents(rng), rng.choice(TAX_RATES)
    values = {
        "kind": "debit",
        "type": "charge",
        "label": "Usage",
        "unit_price": str(net),
        "tax_rate": str(rate),
        "bill_on_next_invoice": False,
    }
    with container.uow(actor="test:charges") as uow:
        tx = settlement.add_entry(uow, customer_id, values, on=TODAY)
        uow.commit()
    with journal.lock:
        journal.posted.append(Posted(customer_id, tx.id, "debit", _gross(net, rate)))


def _settle(container: Container, _rng: random.Random, customer_id: int, journal: Journal) -> None:
    with container.uow(actor="test:settle") as uow:
        made = settlement.settle(uow, customer_id, on=TODAY)
        uow.commit()
    with journal.lock:
        for a in made:
            journal.allocations[a.id] = (customer_id, "settle", a.amount.amount)


def _allocate(container: Container, rng: random.Random, customer_id: int, journal: Journal) -> None:
    """Allocate by hand between an open credit and an open debit seen a moment ago; another
    thread may have settled them meanwhile, and then the refusal must be a clean 409/422."""
    with container.uow(actor="test:read", write=False) as uow:
        items = uow.transactions.open_items(customer_id)
    credits = [tx for tx in items if tx.kind.value == "credit"]
    debits = [tx for tx in items if tx.kind.value == "debit"]
    if not credits or not debits:
        return
    credit, debit = rng.choice(credits), rng.choice(debits)
    values: dict[str, object] = {"credit_id": credit.id, "debit_id": debit.id}
    if rng.random() < 0.5:
        values["amount"] = "1.00"
    try:
        with container.uow(actor="test:allocate") as uow:
            made = settlement.allocate(uow, customer_id, values, on=TODAY)
            uow.commit()
    except (InvalidState, InvalidInput) as exc:
        if not _raced(exc):
            raise
        with journal.lock:
            journal.refusals.append(f"{type(exc).__name__}: {exc}")
        return
    with journal.lock:
        journal.allocations[made.id] = (customer_id, "manual", made.amount.amount)


def _raced(exc: InvalidState | InvalidInput) -> bool:
    """The refusals a stale pair may meet: more than is open (409), or nothing open left so
    that the default amount is zero (422)."""
    if isinstance(exc, InvalidInput):
        return [(e.field, e.code) for e in exc.errors] == [("amount", "not_positive")]
    return "open" in exc.message


Operation = Callable[[Container, random.Random, int, Journal], None]


def _hammer(
    container: Container, customers: list[int], operations: list[tuple[Operation, int]]
) -> Journal:
    """Run THREADS threads of OPERATIONS operations each, drawn with the given weights."""
    journal = Journal()
    barrier = threading.Barrier(THREADS)
    actions = [op for op, _ in operations]
    weights = [w for _, w in operations]

    def worker(number: int) -> None:
        rng = random.Random(1000 + number)
        barrier.wait()
        for step in range(OPERATIONS):
            action = rng.choices(actions, weights)[0]
            customer_id = rng.choice(customers)
            started = time.perf_counter()
            try:
                action(container, rng, customer_id, journal)
            except Exception as exc:  # every error that reaches a caller is a finding
                with journal.lock:
                    journal.errors.append(
                        f"thread {number} step {step} {action.__name__}({customer_id}): "
                        f"{type(exc).__module__}.{type(exc).__name__}: {exc}\n"
                        + "".join(traceback.format_exception(exc)[-3:])
                    )
            with journal.lock:
                journal.durations.append(time.perf_counter() - started)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker is stuck (deadlock?)"
    return journal


# -- reading the outcome through the API --------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """One customer's balance card and posted transactions, as the API shows them."""

    card: dict[str, Any]
    transactions: list[dict[str, Any]]


def _read(container: Container, customers: list[int]) -> dict[int, Ledger]:
    _key, secret = container.api_keys.create(name="reader", role=Role.VIEWER)
    headers = {"Authorization": f"Bearer {secret}"}
    result = {}
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        for customer_id in customers:
            card = client.get(f"/v1/customers/{customer_id}/balance", headers=headers)
            assert card.status_code == 200, card.text
            listed = client.get(
                f"/v1/customers/{customer_id}/transactions",
                params={"limit": 500},
                headers=headers,
            )
            assert listed.status_code == 200, listed.text
            assert listed.json()["has_more"] is False
            result[customer_id] = Ledger(card.json(), listed.json()["data"])
    return result


def _assert_no_errors(journal: Journal) -> None:
    assert journal.errors == [], "errors reached the callers:\n" + "\n".join(journal.errors)


def _assert_ledger_exact(journal: Journal, ledgers: dict[int, Ledger]) -> None:
    """SPEC §1 invariants, against the amounts the threads recorded."""
    for customer_id, ledger in ledgers.items():
        mine = [p for p in journal.posted if p.customer_id == customer_id]
        txs = ledger.transactions
        # nothing lost, nothing extra: the same ids, kinds and amounts
        assert sorted((t["id"], t["kind"], Decimal(t["amount"])) for t in txs) == sorted(
            (p.transaction_id, p.kind, p.amount) for p in mine
        )
        assert all(t["state"] in ("open", "closed") for t in txs)
        expected = sum((p.amount if p.kind == "debit" else -p.amount for p in mine), Decimal(0))
        open_debit = sum(
            (Decimal(t["open_amount"]) for t in txs if t["kind"] == "debit"), Decimal(0)
        )
        open_credit = sum(
            (Decimal(t["open_amount"]) for t in txs if t["kind"] == "credit"), Decimal(0)
        )
        card = ledger.card
        assert Decimal(card["balance"]) == expected, f"customer {customer_id}"
        assert Decimal(card["debit"]) == open_debit
        assert Decimal(card["credit"]) == -open_credit
        assert open_debit - open_credit == expected
        assert Decimal(card["awaiting_confirmation"]) == 0
        for t in txs:
            amount, open_amount = Decimal(t["amount"]), Decimal(t["open_amount"])
            assert 0 <= open_amount <= amount, t
            assert (t["state"] == "closed") == (open_amount == 0), t
            settled = sum((Decimal(a["amount"]) for a in t["allocations"]), Decimal(0))
            assert settled == amount - open_amount, t


def _allocations_table(container: Container) -> list[tuple[int, int, str, Decimal]]:
    a = allocations.c
    with container.engine.connect() as connection:
        rows = connection.execute(
            select(a.id, a.customer_id, a.source, a.amount).order_by(a.id)
        ).all()
    return [(r.id, r.customer_id, r.source, Decimal(r.amount) / 100) for r in rows]


def _fifo(txs: list[dict[str, Any]]) -> list[tuple[Decimal, Decimal]]:
    """(amount, open) of one kind's transactions, oldest first (all share one date)."""
    return [
        (Decimal(t["amount"]), Decimal(t["open_amount"]))
        for t in sorted(txs, key=lambda t: t["id"])
    ]


def _assert_settled_oldest_first(ledgers: dict[int, Ledger]) -> None:
    """SPEC §6 with automatic settlement: after each posting open credits are matched against
    open debits, oldest first. So a customer never keeps both an open debit and an open credit,
    and on each side the settled items are the oldest: fully closed ones, then at most one
    partly open, then untouched ones."""
    for customer_id, ledger in ledgers.items():
        card = ledger.card
        assert Decimal(card["debit"]) == 0 or Decimal(card["credit"]) == 0, (customer_id, card)
        for kind in ("debit", "credit"):
            items = _fifo([t for t in ledger.transactions if t["kind"] == kind])
            first_open = next((i for i, (_, o) in enumerate(items) if o > 0), len(items))
            assert all(o == 0 for _, o in items[:first_open]), (customer_id, kind, items)
            assert all(o == a for a, o in items[first_open + 1 :]), (customer_id, kind, items)


# -- the tests ------------------------------------------------------------------------------


def test_eight_threads_post_payments_and_charges_for_the_same_customers(pg: Container) -> None:
    customers = _create_customers(pg, auto_settlement=True)
    started = time.perf_counter()
    journal = _hammer(pg, customers, [(_payment, 1), (_charge, 1)])
    elapsed = time.perf_counter() - started

    _assert_no_errors(journal)
    assert len(journal.posted) == THREADS * OPERATIONS
    ledgers = _read(pg, customers)
    _assert_ledger_exact(journal, ledgers)
    _assert_settled_oldest_first(ledgers)
    table = _allocations_table(pg)
    assert {source for _, _, source, _ in table} <= {"auto"}
    for customer_id, ledger in ledgers.items():
        # every euro settled is in exactly one allocation row, seen from both sides
        settled = sum((amount for _, c, _, amount in table if c == customer_id), Decimal(0))
        for kind in ("debit", "credit"):
            assert settled == sum(
                (
                    Decimal(t["amount"]) - Decimal(t["open_amount"])
                    for t in ledger.transactions
                    if t["kind"] == kind
                ),
                Decimal(0),
            )
    print(
        f"\n{THREADS}x{OPERATIONS} payments/charges in {elapsed:.2f}s, "
        f"slowest operation {max(journal.durations) * 1000:.0f} ms"
    )


def test_threads_allocate_and_settle_while_others_post(pg: Container) -> None:
    customers = _create_customers(pg, auto_settlement=False)
    started = time.perf_counter()
    journal = _hammer(pg, customers, [(_payment, 3), (_charge, 3), (_settle, 1), (_allocate, 2)])
    elapsed = time.perf_counter() - started

    _assert_no_errors(journal)
    ledgers = _read(pg, customers)
    _assert_ledger_exact(journal, ledgers)
    # every allocation a caller was told about is stored as told, and no other one exists
    table = _allocations_table(pg)
    assert {row_id: (c, source, amount) for row_id, c, source, amount in table} == (
        journal.allocations
    )
    assert all(amount > 0 for _, _, _, amount in table)
    assert any(source == "manual" for _, _, source, _ in table)
    assert any(source == "settle" for _, _, source, _ in table)
    for customer_id, ledger in ledgers.items():
        settled = sum((amount for _, c, _, amount in table if c == customer_id), Decimal(0))
        for kind in ("debit", "credit"):
            assert settled == sum(
                (
                    Decimal(t["amount"]) - Decimal(t["open_amount"])
                    for t in ledger.transactions
                    if t["kind"] == kind
                ),
                Decimal(0),
            )
    # one last settlement leaves no customer with both an open debit and an open credit
    for customer_id in customers:
        _settle(pg, random.Random(0), customer_id, journal)
    ledgers = _read(pg, customers)
    _assert_ledger_exact(journal, ledgers)
    for customer_id, ledger in ledgers.items():
        card = ledger.card
        assert Decimal(card["debit"]) == 0 or Decimal(card["credit"]) == 0, (customer_id, card)
    table = _allocations_table(pg)
    assert {row_id: (c, source, amount) for row_id, c, source, amount in table} == (
        journal.allocations
    )
    print(
        f"\n{THREADS}x{OPERATIONS} mixed operations in {elapsed:.2f}s "
        f"({len(journal.refusals)} raced allocations refused cleanly), "
        f"slowest operation {max(journal.durations) * 1000:.0f} ms"
    )
