"""The invoices list as a download (SPEC §12): every document matching the list's filters,
read in batches in one read-only unit of work and written as CSV, JSON or XLSX while it is read.

The API (`GET /v1/invoices?format=`), the CLI (`solde export invoices`) and the back office
(the Export buttons of the invoices list) all stream this same file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import Any, TypeVar

from solde.billing.ports import InvoiceQuery, Listed
from solde.bootstrap import Container
from solde.exports import invoices as columns
from solde.exports.tabular import ExportFormat, export, filename
from solde.storage.repositories import invoice_list
from solde.storage.unit_of_work import SqlUnitOfWork

T = TypeVar("T")
#: Documents read and written at a time.
BATCH = 500


def file_name(today: date, fmt: ExportFormat) -> str:
    """The name the file is saved under: `invoices-2026-12-01.csv`."""
    return filename(f"{columns.STEM}-{today.isoformat()}", fmt)


def check(uow: SqlUnitOfWork, query: InvoiceQuery) -> None:
    """Refuse a list of an unknown customer or invoice group (NotFound), as the list's page
    does, before the file starts."""
    if query.customer_id is not None:
        uow.customers.get(query.customer_id)
    if query.group_id is not None:
        uow.groups.get(query.group_id)


def stream(
    container: Container, query: InvoiceQuery, fmt: ExportFormat, *, actor: str
) -> Iterator[bytes]:
    """Every document matching `query` (its page ignored), newest first, as a file of `fmt`,
    in chunks. Reading starts with the first chunk asked for, in a unit of work of its own
    that lasts until the last one."""
    return export(columns.COLUMNS, _rows(container, query, actor), fmt, sheet=columns.STEM)


def _rows(container: Container, query: InvoiceQuery, actor: str) -> Iterator[tuple[Any, ...]]:
    with container.uow(actor=actor, write=False) as uow:
        consistent(uow)
        for batch in batched(uow.documents.each(query), BATCH):
            yield from _batch_rows(uow, batch, query.as_of)


def _batch_rows(uow: SqlUnitOfWork, batch: list[Listed], as_of: date) -> Iterator[tuple[Any, ...]]:
    """The rows of one batch, with its customers, their balances and the documents' groups
    read in three queries."""
    customer_ids = [item.document.customer_id for item in batch]
    customers = uow.customers.get_many(customer_ids)
    balances = uow.balances.get_many(customer_ids)
    groups = invoice_list.group_names(uow.connection, [item.document.id for item in batch])
    for item in batch:
        doc = item.document
        yield columns.row(
            item,
            customers[doc.customer_id],
            balances[doc.customer_id].balance,
            groups.get(doc.id, ()),
            as_of,
        )


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def consistent(uow: SqlUnitOfWork) -> None:
    """Make every read of `uow` see the database as it was at its first read, so that a file
    read in many batches is one moment's list. SQLite's read transaction already does; on
    PostgreSQL this asks for a repeatable-read, read-only transaction (it must come before the
    unit of work reads anything)."""
    connection = uow.connection
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
