"""The customers list as a download (SPEC §12): every customer matching the list's filters, in
its order, read in keyset batches in one read-only unit of work and written as CSV, JSON or
XLSX while it is read.

The API (`GET /v1/customers?format=`), the CLI (`solde export customers`) and the back office
(the Export buttons of the customers list) all stream this same file.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from solde.bootstrap import Container
from solde.downloads.invoices import consistent
from solde.exports import customers as columns
from solde.exports.tabular import ExportFormat, export, filename
from solde.ledger.ports import CustomerQuery

#: Customers read and written at a time.
BATCH = 1_000


def file_name(today: date, fmt: ExportFormat) -> str:
    """The name the file is saved under: `customers-2026-12-01.csv`."""
    return filename(f"{columns.STEM}-{today.isoformat()}", fmt)


def stream(
    container: Container, query: CustomerQuery, fmt: ExportFormat, *, actor: str
) -> Iterator[bytes]:
    """Every customer matching `query` (its page ignored), in its order, as a file of `fmt`,
    in chunks. Reading starts with the first chunk asked for, in a unit of work of its own
    that lasts until the last one."""
    return export(columns.COLUMNS, _rows(container, query, actor), fmt, sheet=columns.STEM)


def _rows(container: Container, query: CustomerQuery, actor: str) -> Iterator[tuple[Any, ...]]:
    with container.uow(actor=actor, write=False) as uow:
        consistent(uow)
        settings = uow.settings.get()
        for batch in uow.customers.batches(query, size=BATCH):
            balances = uow.balances.get_many([c.id for c in batch])
            for customer in batch:
                yield columns.row(customer, balances[customer.id], settings)
