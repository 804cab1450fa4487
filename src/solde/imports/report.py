"""What an import says back: how many rows it created, updated and skipped, or every bad row
with its place (SPEC §13)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from solde.domain.errors import FieldError, InvalidInput

#: The largest file an import reads, in bytes.
MAX_BYTES = 50 * 1024 * 1024
#: The most data rows one file may hold (split bigger files: each one is kept whole or not).
MAX_ROWS = 100_000
#: The most row errors a report lists; `error_count` still counts them all.
MAX_ERRORS = 1_000


class ImportKind(StrEnum):
    """What a file holds."""

    CUSTOMERS = "customers"
    SERVICES = "services"
    TRANSACTIONS = "transactions"
    BALANCES = "balances"


@dataclass(frozen=True, slots=True)
class RowError:
    """One fault of a file: `line` is the physical line in the file (the header is line 1;
    None for the file as a whole), `column` the header name of the cell at fault (None for
    the whole row)."""

    line: int | None
    column: str | None
    message: str
    code: str = "invalid"

    def __str__(self) -> str:
        place = "file" if self.line is None else f"line {self.line}"
        if self.column is not None:
            place += f", column {self.column}"
        return f"{place}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The error by its JSON names."""
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do): `rows` data rows read, of which
    `created`, `updated` and `skipped` (already there, unchanged); `errors` lists the bad
    rows (at most `MAX_ERRORS`, `error_count` counts them all): with any error nothing is
    kept."""

    kind: ImportKind
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: tuple[RowError, ...] = ()
    error_count: int = 0

    @property
    def kept(self) -> bool:
        """Whether the entry point commits: no error, and not a dry run."""
        return not self.dry_run and self.error_count == 0

    def as_dict(self) -> dict[str, object]:
        """The report by its JSON names."""
        return {
            "kind": self.kind.value,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "error_count": self.error_count,
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass
class Faults:
    """Collects the faults of a file, keeping the first `MAX_ERRORS` and counting the rest."""

    items: list[RowError] = field(default_factory=list)
    count: int = 0

    def add(
        self, line: int | None, column: str | None, message: str, code: str = "invalid"
    ) -> None:
        """Record one fault."""
        self.count += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append(RowError(line, column, message, code))

    def __bool__(self) -> bool:
        return self.count > 0


class ImportRejected(InvalidInput):
    """A file with bad rows: nothing was kept. `report` lists every fault with its place."""

    code = "invalid_import"
    title = "Invalid import"

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            [_field_error(error) for error in report.errors],
            message=_summary(report),
        )
        self.report = report


def _field_error(error: RowError) -> FieldError:
    place = "file" if error.line is None else f"rows[{error.line}]"
    if error.column is not None:
        place += f".{error.column}"
    return FieldError(place, error.code, error.message)


def _summary(report: ImportReport) -> str:
    first = "; ".join(str(error) for error in report.errors[:3])
    more = report.error_count - min(3, len(report.errors))
    rest = f" (and {more} more)" if more > 0 else ""
    noun = "error" if report.error_count == 1 else "errors"
    return f"{report.error_count} {noun}, nothing imported: {first}{rest}"
