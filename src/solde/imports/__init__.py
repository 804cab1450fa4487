"""CSV imports (SPEC §13): customers, services, transactions and opening balances, every bad
row reported with its line and column, all rows kept or none.

`run` is the one entry the API, the command line and the back office call; see `runner`.
"""

from solde.imports.report import (
    MAX_BYTES,
    MAX_ERRORS,
    MAX_ROWS,
    ImportKind,
    ImportRejected,
    ImportReport,
    RowError,
)
from solde.imports.runner import kind_of, run

__all__ = [
    "MAX_BYTES",
    "MAX_ERRORS",
    "MAX_ROWS",
    "ImportKind",
    "ImportRejected",
    "ImportReport",
    "RowError",
    "kind_of",
    "run",
]
