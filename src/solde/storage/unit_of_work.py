"""The unit of work: one database transaction and the repositories working inside it.

    with SqlUnitOfWork(engine, actor="api:key-3", write=True) as uow:
        payment = record_payment(uow, customer_id, values, on=today)
        uow.commit()

Leaving the block without `commit()` rolls everything back, so a failed request changes
nothing. A write unit of work on SQLite starts with BEGIN IMMEDIATE (see `engine`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine

from solde.storage.repositories.allocations import SqlAllocations
from solde.storage.repositories.audit import SqlAuditLog
from solde.storage.repositories.balances import SqlBalances
from solde.storage.repositories.customers import SqlCustomers
from solde.storage.repositories.cycles import SqlCycles
from solde.storage.repositories.documents import SqlDocuments
from solde.storage.repositories.dunning import SqlDunning
from solde.storage.repositories.events import SqlEvents
from solde.storage.repositories.groups import SqlGroups
from solde.storage.repositories.journal import SqlJournal
from solde.storage.repositories.lists import SqlLists
from solde.storage.repositories.numbering import SqlNumbering
from solde.storage.repositories.runs import SqlRuns
from solde.storage.repositories.services import SqlServices
from solde.storage.repositories.settings import SqlSettings
from solde.storage.repositories.statements import SqlStatements
from solde.storage.repositories.transactions import SqlTransactions


class SqlUnitOfWork:
    """Repositories sharing one connection and one transaction."""

    customers: SqlCustomers
    transactions: SqlTransactions
    allocations: SqlAllocations
    balances: SqlBalances
    settings: SqlSettings
    audit: SqlAuditLog
    documents: SqlDocuments
    numbering: SqlNumbering
    groups: SqlGroups
    services: SqlServices
    runs: SqlRuns
    cycles: SqlCycles
    dunning: SqlDunning
    events: SqlEvents
    lists: SqlLists
    statements: SqlStatements
    journal: SqlJournal

    def __init__(
        self,
        engine: Engine,
        *,
        actor: str,
        write: bool = True,
        outer: Connection | None = None,
        before_commit: Callable[[SqlUnitOfWork], None] | None = None,
    ) -> None:
        self.actor = actor
        self._engine = engine
        self._write = write
        self._outer = outer
        self._connection: Connection | None = None
        self._nested: Any = None
        self._committed = False
        self._before_commit = before_commit

    @property
    def connection(self) -> Connection:
        """The connection of this unit of work (for read models in storage)."""
        assert self._connection is not None, "use the unit of work in a with block"
        return self._connection

    def __enter__(self) -> SqlUnitOfWork:
        if self._outer is not None:  # a savepoint inside a transaction that a simulation owns
            connection = self._outer
            self._nested = connection.begin_nested()
        else:
            mode = "IMMEDIATE" if self._write else "DEFERRED"
            connection = self._engine.connect().execution_options(sqlite_begin=mode)
            connection.begin()
        self._connection = connection
        self.customers = SqlCustomers(connection)
        self.transactions = SqlTransactions(connection)
        self.allocations = SqlAllocations(connection)
        self.balances = SqlBalances(connection)
        self.settings = SqlSettings(connection)
        self.audit = SqlAuditLog(connection, self.actor)
        self.documents = SqlDocuments(connection)
        self.numbering = SqlNumbering(connection)
        self.groups = SqlGroups(connection, self.actor)
        self.services = SqlServices(connection)
        self.runs = SqlRuns(connection, self.actor)
        self.cycles = SqlCycles(connection)
        self.dunning = SqlDunning(connection)
        self.events = SqlEvents(connection)
        self.lists = SqlLists(connection)
        self.statements = SqlStatements(connection)
        self.journal = SqlJournal(connection)
        return self

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint: what the block changes is undone alone when it raises."""
        nested = self.connection.begin_nested()
        try:
            yield
        except BaseException:
            nested.rollback()
            self.balances.forget()
            raise
        nested.commit()

    def commit(self) -> None:
        """Make every change of this unit of work durable, after the `before_commit` step
        (the composition root uses it to lift dunning blocks at once when a payment or credit
        changed a balance)."""
        if self._before_commit is not None:
            self._before_commit(self)
        if self._nested is not None:
            self._nested.commit()
        else:
            self.connection.commit()
        self._committed = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self.connection
        if self._nested is not None:
            if not self._committed:
                self._nested.rollback()
            self._nested = None
            self._connection = None
            return
        try:
            if not self._committed:
                connection.rollback()
        finally:
            connection.close()
            self._connection = None
