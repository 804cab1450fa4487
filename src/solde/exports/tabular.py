"""A list as a file: CSV, JSON or XLSX, written row by row (SPEC §12).

Every exporter takes the list's columns and an iterable of rows, and yields the file in chunks
of bytes, so that a list of a million rows never needs a million rows in memory: the rows are
read from the database in batches and written as they come (XLSX goes through a temporary file
first, since an XLSX file is a ZIP archive that can only be finished once every row is in).

Values keep their exact decimals in every format: amounts are written from their `Decimal`
text, never through a binary float. CSV writes them in plain major units (`1234.56`), JSON as
strings (`"1234.56"`, as the API does) and XLSX as numbers, with a number format of the
currency's decimals (`#,##0.00`, `#,##0` for JPY). An XLSX number holds 16 significant digits;
an amount with more is written as text rather than rounded.

CSV is UTF-8 without a byte-order mark, comma-separated, with a header row of the column keys.
A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written after a
single quote, so that a spreadsheet opening the file shows the text instead of running it as a
formula (OWASP's advice on CSV injection); solde's imports drop that quote again.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]

from solde.domain.currency import exponent
from solde.domain.money import Money

#: Bytes per chunk of a streamed file.
CHUNK = 64 * 1024
#: Rows buffered before a CSV or JSON chunk is handed over.
ROWS_PER_CHUNK = 500
#: The longest text an XLSX cell holds (Excel's limit).
XLSX_TEXT_LIMIT = 32_767
#: Significant digits an XLSX number keeps.
XLSX_DIGITS = 16
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    """A file format a list is exported in."""

    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        """The HTTP content type of the file."""
        return _MEDIA_TYPES[self]

    @property
    def extension(self) -> str:
        """The file name extension, without the dot."""
        return self.value


_MEDIA_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSON: "application/json",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Kind(StrEnum):
    """What a column holds, which decides how each format writes it."""

    TEXT = "text"  # str or None
    INTEGER = "integer"  # int (ids, counts)
    MONEY = "money"  # Money: its amount, with the currency's decimals
    DECIMAL = "decimal"  # Decimal (quantities, rates)
    DATE = "date"  # date or None
    BOOLEAN = "boolean"  # bool


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an exported list: its key (the CSV/XLSX header and the JSON field) and
    what it holds. `width` is the XLSX column width in characters."""

    key: str
    kind: Kind = Kind.TEXT
    width: int = 0

    @property
    def xlsx_width(self) -> int:
        """The column's width in the XLSX sheet."""
        if self.width:
            return self.width
        return max(len(self.key) + 2, _WIDTHS[self.kind])


_WIDTHS = {
    Kind.TEXT: 16,
    Kind.INTEGER: 8,
    Kind.MONEY: 14,
    Kind.DECIMAL: 10,
    Kind.DATE: 11,
    Kind.BOOLEAN: 7,
}

Row = Sequence[Any]


def export(
    columns: Sequence[Column], rows: Iterable[Row], fmt: ExportFormat, *, sheet: str = "Export"
) -> Iterator[bytes]:
    """The list as a file of `fmt`, in chunks of bytes. `rows` are read as the chunks are."""
    if fmt is ExportFormat.CSV:
        return csv_chunks(columns, rows)
    if fmt is ExportFormat.JSON:
        return json_chunks(columns, rows)
    return xlsx_chunks(columns, rows, sheet=sheet)


def filename(stem: str, fmt: ExportFormat) -> str:
    """The file name an export is saved under: `balance-by-customer-2026-12-01.csv`."""
    return f"{stem}.{fmt.extension}"


# -- CSV ----------------------------------------------------------------------------------


def csv_text(value: Any, kind: Kind) -> str:
    """One value as a CSV cell."""
    if value is None:
        return ""
    if kind is Kind.MONEY:
        return str(value.amount if isinstance(value, Money) else value)
    if kind is Kind.BOOLEAN:
        return "true" if value else "false"
    if kind is Kind.DATE:
        return value.isoformat()  # type: ignore[no-any-return]
    text = str(value)
    if kind is Kind.TEXT and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_chunks(columns: Sequence[Column], rows: Iterable[Row]) -> Iterator[bytes]:
    """The list as CSV, a header row then one row per item, in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.key for c in columns])
    kinds = [c.kind for c in columns]
    pending = 0
    for row in rows:
        writer.writerow([csv_text(v, k) for v, k in zip(row, kinds, strict=True)])
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


# -- JSON ---------------------------------------------------------------------------------


def json_value(value: Any, kind: Kind) -> Any:
    """One value as JSON takes it: amounts and decimals as strings, dates in ISO form."""
    if value is None:
        return None
    if kind is Kind.MONEY:
        return str(value.amount if isinstance(value, Money) else value)
    if kind is Kind.DECIMAL:
        return str(value)
    if kind is Kind.DATE:
        return value.isoformat()
    return value


def json_chunks(columns: Sequence[Column], rows: Iterable[Row]) -> Iterator[bytes]:
    """The list as a JSON array of objects keyed by column, in chunks."""
    keys = [c.key for c in columns]
    kinds = [c.kind for c in columns]
    parts: list[str] = ["["]
    first = True
    for row in rows:
        item = {k: json_value(v, kind) for k, v, kind in zip(keys, row, kinds, strict=True)}
        parts.append(("\n" if first else ",\n") + json.dumps(item, ensure_ascii=False))
        first = False
        if len(parts) >= ROWS_PER_CHUNK:
            yield "".join(parts).encode()
            parts.clear()
    parts.append("\n]\n" if not first else "]\n")
    yield "".join(parts).encode()


# -- XLSX ---------------------------------------------------------------------------------


class _Sheet:
    """One worksheet being written in constant memory, with a cell format per need."""

    def __init__(self, book: Any, name: str, columns: Sequence[Column]) -> None:
        self.book = book
        self.sheet = book.add_worksheet(name[:31])
        self.columns = columns
        self.money_formats: dict[int, Any] = {}
        self.date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        header = book.add_format({"bold": True})
        for index, column in enumerate(columns):
            self.sheet.set_column(index, index, column.xlsx_width)
            self.sheet.write_string(0, index, column.key, header)
        self.sheet.freeze_panes(1, 0)

    def money_format(self, places: int) -> Any:
        """The number format of amounts with `places` decimals."""
        found = self.money_formats.get(places)
        if found is None:
            pattern = "#,##0" + ("." + "0" * places if places else "")
            found = self.book.add_format({"num_format": pattern})
            self.money_formats[places] = found
        return found

    def write(self, row_number: int, row: Row) -> None:
        """One row of values."""
        for index, (value, column) in enumerate(zip(row, self.columns, strict=True)):
            if value is None:
                continue
            self._cell(row_number, index, value, column.kind)

    def _cell(self, row: int, col: int, value: Any, kind: Kind) -> None:
        sheet = self.sheet
        if kind is Kind.MONEY:
            amount, places = _amount_and_places(value)
            self._number(row, col, amount, self.money_format(places))
        elif kind is Kind.DECIMAL:
            self._number(row, col, value, None)
        elif kind is Kind.INTEGER:
            sheet.write_number(row, col, value)
        elif kind is Kind.DATE:
            sheet.write_datetime(row, col, value, self.date_format)
        elif kind is Kind.BOOLEAN:
            sheet.write_boolean(row, col, bool(value))
        else:
            sheet.write_string(row, col, str(value)[:XLSX_TEXT_LIMIT])

    def _number(self, row: int, col: int, value: Decimal, cell_format: Any) -> None:
        """A decimal written from its own digits (XlsxWriter formats a `Decimal` as text
        with 16 significant digits, never through a float); text when it has more."""
        if len(value.as_tuple().digits) > XLSX_DIGITS:
            self.sheet.write_string(row, col, str(value))
        else:
            self.sheet.write_number(row, col, value, cell_format)


def _amount_and_places(value: Money | Decimal) -> tuple[Decimal, int]:
    """An amount and its decimals: the currency's for `Money`, its own for a `Decimal`."""
    if isinstance(value, Money):
        return value.amount, exponent(value.currency)
    places = value.as_tuple().exponent
    return value, -places if isinstance(places, int) and places < 0 else 0


def xlsx_chunks(columns: Sequence[Column], rows: Iterable[Row], *, sheet: str) -> Iterator[bytes]:
    """The list as an XLSX workbook of one sheet, in chunks. Rows go to a temporary file as
    they come (XlsxWriter's constant-memory mode); the file is then read back in chunks."""
    with tempfile.TemporaryDirectory(prefix="solde-export-") as folder:
        path = Path(folder) / "export.xlsx"
        book = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "tmpdir": folder, "strings_to_numbers": False}
        )
        writer = _Sheet(book, sheet, columns)
        count = 0
        for count, row in enumerate(rows, start=1):
            writer.write(count, row)
        if columns:
            writer.sheet.autofilter(0, 0, count, len(columns) - 1)
        book.close()
        with path.open("rb") as written:
            while chunk := written.read(CHUNK):
                yield chunk
