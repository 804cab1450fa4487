"""The columns of each kind of file and how their cells are read (SPEC §13).

A cell left empty is "not given": a new object takes the default, an existing customer keeps
what it has. Numbers are read as exact decimals whatever the locale (`cells.number`), dates
day first or ISO, flags as yes/no.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from solde.domain.errors import InvalidInput
from solde.imports import cells
from solde.imports.csvtext import Record
from solde.imports.report import Faults

#: Reads one cell's text (never empty) for its column; raises `InvalidInput` naming it.
Reader = Callable[[str, str], object]


def text(value: str, column: str) -> object:
    """Text as typed (the use case checks its length and characters)."""
    return value


def choice(value: str, column: str) -> object:
    """A choice (`sepa_debit`, `debit`): case and surrounding spaces do not matter."""
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def currency(value: str, column: str) -> object:
    """An ISO 4217 code in any case."""
    return value.strip().upper()


def decimal(value: str, column: str) -> object:
    """An exact decimal as canonical text, from any locale's writing."""
    return cells.number(value, column)


def integer(value: str, column: str) -> object:
    """A whole number."""
    return cells.whole_number(value, column)


def day(value: str, column: str) -> object:
    """A date, ISO or day first."""
    return cells.day(value, column)


def flag(value: str, column: str) -> object:
    """Yes or no."""
    return cells.flag(value, column)


def customer_id(value: str, column: str) -> object:
    """A customer's id (a positive whole number)."""
    number = cells.whole_number(value, column)
    if number < 1:
        raise InvalidInput.single(column, "not_an_id", f"{value[:40]!r} is not a customer id")
    return number


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns of one kind of file: how each is read, which must be there, and groups of
    which at least one must be there (a customer by reference or by id)."""

    what: str
    readers: Mapping[str, Reader]
    required: frozenset[str] = frozenset()
    alternatives: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """A data row read: its line and its values by column (only the cells given)."""

    line: int
    values: Mapping[str, object]


def read_row(layout: Layout, record: Record, faults: Faults) -> Row | None:
    """The row's values, or None when a cell cannot be read (each fault recorded)."""
    values: dict[str, object] = {}
    ok = True
    for column, raw in record.cells.items():
        try:
            values[column] = layout.readers[column](raw, column)
        except InvalidInput as exc:
            ok = False
            for error in exc.errors:
                faults.add(record.line, column, error.message, error.code)
    return Row(record.line, values) if ok else None


def fault_all(
    faults: Faults, line: int, error: InvalidInput, columns: Callable[[str], str]
) -> None:
    """Record every field error of a use case's `InvalidInput` at `line`, each field named
    by its column (`columns` maps a use case's field path to the file's column)."""
    for item in error.errors:
        faults.add(line, columns(item.field), item.message, item.code)


def last_part(field: str) -> str:
    """The column of a field path: its last part (`billing.billing_day` → `billing_day`)."""
    return field.rsplit(".", 1)[-1]
