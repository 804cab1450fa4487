"""Reading an exported list back as a user's tools would (the csv module, json, openpyxl), so
that the export tests compare what a spreadsheet or a script really gets."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook


def read(content: bytes, fmt: str) -> list[dict[str, Any]]:
    """The rows of an exported file, keyed by its header. CSV cells are text ('' read as
    None); JSON values as JSON has them; XLSX cells as openpyxl reads them (numbers as
    float, dates as date)."""
    if fmt == "csv":
        text = content.decode("utf-8")
        assert not text.startswith("\ufeff"), "CSV starts with a byte-order mark"
        found = list(csv.DictReader(io.StringIO(text, newline="")))
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in found]
    if fmt == "json":
        data = json.loads(content)
        assert isinstance(data, list)
        return data
    book = load_workbook(io.BytesIO(content), read_only=True)
    sheet = book.worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    book.close()
    header = [str(h) for h in lines[0]]
    return [dict(zip(header, (_cell(v) for v in line), strict=True)) for line in lines[1:]]


def _cell(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def header(content: bytes, fmt: str) -> list[str]:
    """The column keys of a CSV or XLSX file in their order (JSON: of its first row)."""
    if fmt == "csv":
        return next(csv.reader(io.StringIO(content.decode("utf-8"))))
    if fmt == "json":
        return list(json.loads(content)[0])
    book = load_workbook(io.BytesIO(content), read_only=True)
    first = next(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [str(h) for h in first]


def amount(value: Any) -> Decimal | None:
    """An amount cell as an exact decimal: text as written; an XLSX number from the shortest
    text of its float, which is the text XlsxWriter wrote for up to 15 digits."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    assert not isinstance(value, bool)
    return Decimal(str(value))


def day(value: Any) -> date | None:
    """A date cell."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def integer(value: Any) -> int | None:
    """An integer cell (ids, counts)."""
    if value is None:
        return None
    if isinstance(value, float):
        assert value == int(value)
    return int(value)


def flag(value: Any) -> bool:
    """A yes/no cell."""
    if isinstance(value, bool):
        return value
    assert value in ("true", "false"), value
    return value == "true"


def text(value: Any) -> str | None:
    """A text cell as the user typed it: a CSV cell's guard quote before = + - @ dropped."""
    if isinstance(value, str) and value[:2] in ("'=", "'+", "'-", "'@"):
        return value[1:]
    return value
