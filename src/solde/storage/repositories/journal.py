"""Read model: the posted transactions as an accounting journal reads them (SPEC §12).

Every posted transaction (state open or closed: what counts in a balance) in the order of its
date, then of its id, read one day at a time and fetched in batches, so that a ledger of
millions of transactions is never held in memory. Each row carries what a journal entry shows:
the customer (id, external reference, name), the amounts, the payment method, the document the
transaction names and, for a reversal, the type and method of the transaction it reverses (a
reversal posts against the same accounts as what it cancels).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, select
from sqlalchemy.sql.elements import BindParameter

from solde.domain.money import Money
from solde.storage import units
from solde.storage.repositories.balances import POSTED
from solde.storage.tables import customer_balances, customers, documents, transactions

#: Transactions read per query.
BATCH = 5_000
#: The states of posted transactions written out in the statement, so that the planner sees
#: the condition of the partial index on posted dates (a bound parameter would hide it, and
#: SQLite would scan the whole table for each day).
_POSTED: BindParameter[str] = bindparam("posted", POSTED, expanding=True, literal_execute=True)

t = transactions.c
c = customers.c
d = documents.c
_reversed = transactions.alias("reversed")
r = _reversed.c


@dataclass(frozen=True, slots=True)
class JournalRow:
    """One posted transaction, with what its journal entry shows."""

    id: int
    customer_id: int
    customer_ref: str | None
    customer_name: str
    date: dt.date
    kind: str  # debit or credit
    type: str
    label: str
    amount: Money  # gross, > 0
    net: Money
    tax: Money
    method: str | None
    reference: str | None
    document_number: str | None  # the invoice or credit note the transaction names
    reverses_id: int | None
    reversed_type: str | None  # for a reversal: the type of what it reverses
    reversed_method: str | None


@dataclass(frozen=True, slots=True)
class OpeningRow:
    """A customer's balance at the end of a day: what a journal starting the next day opens
    with."""

    customer_id: int
    customer_ref: str | None
    customer_name: str
    balance: Money


_COLUMNS = (
    t.id, t.customer_id, c.external_ref, c.name, t.date, t.kind, t.type, t.label, t.currency,
    t.amount, t.net, t.tax, t.method, t.reference, d.number, t.reverses_id, r.type, r.method,
)  # fmt: skip

_FROM = (
    transactions.join(customers, c.id == t.customer_id)
    .outerjoin(documents, and_(d.customer_id == t.customer_id, d.id == t.invoice_id))
    .outerjoin(_reversed, and_(r.customer_id == t.customer_id, r.id == t.reverses_id))
)


class SqlJournal:
    """Read model: the accounting journal export."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def snapshot(self) -> None:
        """Read the rest of this unit of work from one snapshot of the database, so that a
        journal written while others post is the ledger of one moment (PostgreSQL; a SQLite
        read transaction already is). Call it before anything else is read."""
        if self._c.dialect.name == "postgresql":
            self._c.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # every row of a day's cursor is read: plan for all of them, not the first tenth
            # (which walks the id index through the whole table)
            self._c.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1.0")

    def entries(
        self, *, start: dt.date | None = None, end: dt.date | None = None, batch: int = BATCH
    ) -> Iterator[JournalRow]:
        """Every posted transaction dated from `start` through `end` (both included; None: no
        bound), by date then id: one day at a time (the index on posted dates finds it),
        fetched `batch` rows at a time."""
        day = self._next_day(start, end, after=None)
        while day is not None:
            query = (
                select(*_COLUMNS)
                .select_from(_FROM)
                .where(t.state.in_(_POSTED), t.date == day)
                .order_by(t.id)
                .execution_options(yield_per=batch)
            )
            for row in self._c.execute(query):
                yield _entry(row)
            day = self._next_day(start, end, after=day)

    def _next_day(
        self, start: dt.date | None, end: dt.date | None, *, after: dt.date | None
    ) -> dt.date | None:
        """The first day after `after` (from `start`) through `end` with a posted transaction."""
        query = select(t.date).where(t.state.in_(_POSTED)).order_by(t.date).limit(1)
        if after is not None:
            query = query.where(t.date > after)
        if start is not None:
            query = query.where(t.date >= start)
        if end is not None:
            query = query.where(t.date <= end)
        found: dt.date | None = self._c.execute(query).scalar()
        return found

    def openings(self, before: dt.date, *, batch: int = BATCH) -> Iterator[OpeningRow]:
        """Each customer's balance at the end of `before` (posted transactions dated on or
        before it), by customer id, for the customers whose balance then is not zero."""
        signed = case((t.kind == "debit", t.amount), else_=-t.amount)
        last = 0
        while True:
            sums = (
                select(t.customer_id, func.sum(signed).label("balance"))
                .where(t.state.in_(POSTED), t.date <= before, t.customer_id > last)
                .group_by(t.customer_id)
                .order_by(t.customer_id)
                .limit(batch)
                .subquery()
            )
            query = (
                select(sums.c.customer_id, c.external_ref, c.name, c.currency, sums.c.balance)
                .join_from(sums, customers, c.id == sums.c.customer_id)
                .order_by(sums.c.customer_id)
            )
            rows = self._c.execute(query).all()
            for customer_id, ref, name, currency, balance in rows:
                if balance:
                    money = units.from_minor(int(balance), currency)
                    yield OpeningRow(customer_id, ref, name, money)
            if len(rows) < batch:
                return
            last = rows[-1][0]

    def currencies(self) -> list[str]:
        """The currencies of the customers' accounts, in alphabetical order."""
        query = select(customer_balances.c.currency).distinct()
        return sorted(row[0] for row in self._c.execute(query))


def _entry(row: Any) -> JournalRow:
    (
        tx_id, customer_id, ref, name, day, kind, tx_type, label, currency, amount, net, tax,
        method, reference, number, reverses_id, reversed_type, reversed_method,
    ) = row  # fmt: skip
    money = units.from_minor
    return JournalRow(
        id=tx_id,
        customer_id=customer_id,
        customer_ref=ref,
        customer_name=name,
        date=day,
        kind=kind,
        type=tx_type,
        label=label,
        amount=money(amount, currency),
        net=money(net, currency),
        tax=money(tax, currency),
        method=method,
        reference=reference,
        document_number=number,
        reverses_id=reverses_id,
        reversed_type=reversed_type,
        reversed_method=reversed_method,
    )
