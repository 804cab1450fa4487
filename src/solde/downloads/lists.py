"""Balance by customer and receivables as downloads (SPEC §12): every customer of the filtered
list, in its order, read by one statement in a read-only unit of work and written as CSV, JSON
or XLSX while it is read.

The API (`GET /v1/lists/...?format=`), the CLI (`solde export balance-by-customer`,
`solde export receivables`) and the back office (the Export buttons of the Lists pages) all
stream these same files.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from solde.bootstrap import Container
from solde.exports import lists as columns
from solde.exports.tabular import ExportFormat, export, filename
from solde.ledger.lists import BalanceListQuery, ReceivablesQuery


def balance_by_customer_name(query: BalanceListQuery, fmt: ExportFormat) -> str:
    """The name the file is saved under: `balance-by-customer-2026-12-01.csv` (its day)."""
    return filename(f"{columns.BALANCE_STEM}-{query.as_of.isoformat()}", fmt)


def receivables_name(query: ReceivablesQuery, fmt: ExportFormat) -> str:
    """The name the file is saved under: `receivables-2026-12-01.xlsx` (its day)."""
    return filename(f"{columns.RECEIVABLES_STEM}-{query.as_of.isoformat()}", fmt)


def balance_by_customer_file(
    container: Container, query: BalanceListQuery, fmt: ExportFormat, *, actor: str
) -> Iterator[bytes]:
    """Every customer of the balance-by-customer list matching `query` (its page ignored), in
    its order, as a file of `fmt`, in chunks. Reading starts with the first chunk asked for,
    in a unit of work of its own that lasts until the last one."""
    return export(
        columns.BALANCE_COLUMNS,
        _balance_rows(container, query, actor),
        fmt,
        sheet=columns.BALANCE_STEM,
    )


def receivables_file(
    container: Container, query: ReceivablesQuery, fmt: ExportFormat, *, actor: str
) -> Iterator[bytes]:
    """Every customer of the receivables list matching `query` (its page ignored), in its
    order, as a file of `fmt`, in chunks (customer rows only: the totals per currency are in
    the API's page)."""
    return export(
        columns.RECEIVABLE_COLUMNS,
        _receivable_rows(container, query, actor),
        fmt,
        sheet=columns.RECEIVABLES_STEM,
    )


def _balance_rows(
    container: Container, query: BalanceListQuery, actor: str
) -> Iterator[tuple[Any, ...]]:
    with container.uow(actor=actor, write=False) as uow:
        for row in uow.lists.each_balance(query):
            yield columns.balance_row(row)


def _receivable_rows(
    container: Container, query: ReceivablesQuery, actor: str
) -> Iterator[tuple[Any, ...]]:
    with container.uow(actor=actor, write=False) as uow:
        for row in uow.lists.each_receivable(query):
            yield columns.receivable_row(row)
