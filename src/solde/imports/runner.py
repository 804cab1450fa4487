"""The one entry to imports that the API, the command line and the back office share.

    report = run(uow, "transactions", data, dry_run=False, on=today)
    if report.kept:
        uow.commit()

The whole file is read in the caller's unit of work. A file with any bad row raises
`ImportRejected` (its `report` lists every fault with its line and column) before the caller
can commit: nothing is kept. A dry run does everything a real import does, database checks
included, and reports what it would create, update and skip; the caller then leaves without
committing (`report.kept` is false), which rolls it all back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from solde.domain.errors import NotFound
from solde.imports import balances, customers, services, transactions
from solde.imports.columns import Layout, Row, read_row
from solde.imports.csvtext import Header, decoded, records
from solde.imports.ports import ImportUnitOfWork
from solde.imports.report import Faults, ImportKind, ImportRejected, ImportReport

Counts = tuple[int, int, int]
_Apply = Callable[[ImportUnitOfWork, Sequence[Row], Faults, date], Counts]

LAYOUTS: dict[ImportKind, Layout] = {
    ImportKind.CUSTOMERS: customers.LAYOUT,
    ImportKind.SERVICES: services.LAYOUT,
    ImportKind.TRANSACTIONS: transactions.LAYOUT,
    ImportKind.BALANCES: balances.LAYOUT,
}
_APPLY: dict[ImportKind, _Apply] = {
    ImportKind.CUSTOMERS: lambda uow, rows, faults, on: customers.import_customers(
        uow, rows, faults
    ),
    ImportKind.SERVICES: lambda uow, rows, faults, on: services.import_services(
        uow, rows, faults, on=on
    ),
    ImportKind.TRANSACTIONS: lambda uow, rows, faults, on: transactions.import_transactions(
        uow, rows, faults, on=on
    ),
    ImportKind.BALANCES: lambda uow, rows, faults, on: balances.import_balances(
        uow, rows, faults, on=on
    ),
}


def kind_of(value: str) -> ImportKind:
    """The kind of import named `value`, or `NotFound`."""
    try:
        return ImportKind(value)
    except ValueError:
        raise NotFound("import kind", value) from None


def run(
    uow: ImportUnitOfWork, kind: ImportKind | str, data: bytes, *, dry_run: bool, on: date
) -> ImportReport:
    """Import a CSV file of `kind` (customers, services, transactions, balances) on business
    date `on`: every row or none. Returns what was (or, in a dry run, would be) created,
    updated and skipped; raises `ImportRejected` listing every bad row when any is bad. The
    caller commits only when `report.kept`."""
    chosen = kind if isinstance(kind, ImportKind) else kind_of(kind)
    layout = LAYOUTS[chosen]
    faults = Faults()
    rows, total = _rows(layout, data, faults)
    # Rows whose cells were read are checked against the database even when others were
    # not: every fault of the file is reported at once. Nothing is written after a fault.
    counts = _APPLY[chosen](uow, rows, faults, on) if rows else (0, 0, 0)
    report = ImportReport(
        chosen,
        dry_run,
        rows=total,
        created=counts[0],
        updated=counts[1],
        skipped=counts[2],
        errors=tuple(sorted(faults.items, key=_place)),
        error_count=faults.count,
    )
    if faults:
        raise ImportRejected(report)
    uow.audit.record(
        f"import.{chosen.value}",
        customer_id=None,
        object_type="import",
        object_id=None,
        details={
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "skipped": report.skipped,
            "bytes": len(data),
        },
    )
    return report


def _rows(layout: Layout, data: bytes, faults: Faults) -> tuple[list[Row], int]:
    """The data rows of the file read by its layout (rows whose cells fail are faults), and
    how many data rows it has."""
    text = decoded(data, faults)
    if text is None:
        return [], 0

    def check(header: Header) -> None:
        header.check(layout.readers, layout.required, layout.alternatives, layout.what, faults)

    found: list[Row] = []
    count = 0
    for record in records(text, faults, check):
        count += 1
        row = None if record.bad else read_row(layout, record, faults)
        if row is not None:
            found.append(row)
    return found, count


def _place(error: object) -> tuple[int, str]:
    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    return (0 if line is None else line, column or "")
