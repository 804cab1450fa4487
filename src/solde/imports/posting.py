"""Keeping the rows of a transactions or balances file through the bulk import of
`solde.settlement.importing`, which validates each row as the API validates one line or one
payment, and mapping its faults back to the file's lines and columns."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from solde.domain.errors import InvalidInput
from solde.imports.ports import ImportUnitOfWork
from solde.imports.report import Faults
from solde.settlement.importing import ImportRow, import_transactions

_PLACE = re.compile(r"rows\[([0-9]+)\]\.(.*)")


@dataclass(frozen=True, slots=True)
class Keyed:
    """A row ready for the bulk import: its line, and how its fields map to its columns."""

    line: int
    row: ImportRow
    column_of: Callable[[str], str]


def post(
    uow: ImportUnitOfWork, keyed: Sequence[Keyed], faults: Faults, *, on: date
) -> tuple[int, int, int]:
    """Import the rows whose keys are new; (created, updated, skipped). Rows whose
    (customer, external_ref) is already taken are skipped. With any fault (found before or
    by the bulk import) nothing is written."""
    taken = uow.transactions.refs_taken(
        [(k.row.customer_id, k.row.external_ref) for k in keyed if k.row.external_ref]
    )
    fresh = [k for k in keyed if (k.row.customer_id, k.row.external_ref) not in taken]
    # Run even after earlier faults, so that the faults only the bulk import finds (a date
    # after today or in a locked period, a refund beyond the credit) are reported too: what
    # it writes then is rolled back with the rest, since the caller never commits a file
    # with faults (`run` raises).
    try:
        import_transactions(uow, [k.row for k in fresh], on=on)
    except InvalidInput as exc:
        for error in exc.errors:
            match = _PLACE.fullmatch(error.field)
            if match is None:
                faults.add(None, None, error.message, error.code)
                continue
            item = fresh[int(match[1]) - 1]
            faults.add(item.line, item.column_of(match[2]), error.message, error.code)
        return 0, 0, 0
    if faults:
        return 0, 0, 0
    return len(fresh), 0, len(keyed) - len(fresh)
