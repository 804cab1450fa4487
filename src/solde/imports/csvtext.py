"""A CSV file as records: decoded, its delimiter found, its header checked, each record with
the physical line it starts on (the header is line 1).

Encodings: UTF-8, with or without a byte-order mark, and UTF-16 with its mark (what
spreadsheets write as "Unicode text"). Anything else is refused with the line of the first
byte that is not UTF-8, rather than guessed: a guess can turn `é` into `Ã©` silently.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from solde.imports.cells import unquoted
from solde.imports.report import MAX_BYTES, MAX_ROWS, Faults

_DELIMITERS = (";", "\t", ",")
_SEPARATORS = re.compile(r"[\s_\-]+")


@dataclass(frozen=True, slots=True)
class Record:
    """One data row: the line it starts on and its non-empty cells by column name."""

    line: int
    cells: Mapping[str, str]
    bad: bool = False  # its faults are recorded: it is counted, never imported


def column_name(text: str) -> str:
    """A header cell as a column name: case, spaces, hyphens and underscores do not matter
    (`Unit price`, `unit-price` and `UNIT_PRICE` are `unit_price`)."""
    return _SEPARATORS.sub("_", text.strip().strip("\ufeff").lower()).strip("_")


def decoded(data: bytes, faults: Faults) -> str | None:
    """The text of the file, or None with the fault recorded."""
    if len(data) > MAX_BYTES:
        faults.add(
            None,
            None,
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it in parts",
            "too_large",
        )
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            faults.add(None, None, "the file is not valid UTF-16 text", "bad_encoding")
            return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        faults.add(
            line,
            None,
            f"is not UTF-8 text (byte 0x{data[exc.start]:02X}): save the file as UTF-8 "
            "(in a spreadsheet: CSV UTF-8)",
            "bad_encoding",
        )
        return None


def delimiter_of(header: str) -> str:
    """The delimiter the header line uses most: `;`, tab or `,` (`,` when none)."""
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class Header:
    """The columns of a file, checked against what its kind knows."""

    def __init__(self, cells: list[str]) -> None:
        self.names = [column_name(cell) for cell in cells]

    def check(
        self,
        known: Mapping[str, object],
        required: frozenset[str],
        alternatives: tuple[frozenset[str], ...],
        what: str,
        faults: Faults,
    ) -> None:
        """Every column known and named once, the required ones present."""
        seen: set[str] = set()
        for name in self.names:
            if not name:
                continue
            if name in seen:
                faults.add(1, name, "appears twice in the header", "duplicate_column")
            elif name not in known:
                faults.add(
                    1,
                    name,
                    f"is not a column of {what} (columns: {', '.join(known)})",
                    "unknown_column",
                )
            seen.add(name)
        for name in sorted(required - seen):
            faults.add(1, name, "is required: add this column", "missing_column")
        for group in alternatives:
            if not group & seen:
                names = " or ".join(sorted(group))
                faults.add(1, None, f"one of the columns {names} is required", "missing_column")


def records(
    text: str,
    faults: Faults,
    header_check: Callable[[Header], None],
) -> Iterator[Record]:
    """The data rows of `text`, after a header that `header_check` accepts. Empty lines and
    rows of empty cells are skipped; a row with more values than the header has columns, a
    cell larger than the csv module's limit, bad quoting, or too many rows are faults (the
    last three end the reading)."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter_of(first_line), strict=True
    )
    header: Header | None = None
    read_to = 0
    count = 0
    try:
        for cells in reader:
            start, read_to = read_to + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = Header(cells)
                header_check(header)
                if faults:
                    return
                continue
            count += 1
            if count > MAX_ROWS:
                faults.add(
                    start, None, f"more than {MAX_ROWS:,} rows: split the file", "too_many_rows"
                )
                return
            yield _record(header, cells, start, faults)
    except csv.Error as exc:
        faults.add(read_to + 1, None, _csv_message(exc), "bad_csv")
        return
    if header is None:
        faults.add(1, None, "the file is empty: its first line must name the columns", "empty")


def _record(header: Header, cells: list[str], line: int, faults: Faults) -> Record:
    names = header.names
    if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
        faults.add(
            line,
            None,
            f"has {len(cells)} values but the header names {len(names)} columns",
            "too_many_values",
        )
        return Record(line, {}, bad=True)
    found: dict[str, str] = {}
    for name, cell in zip(names, cells, strict=False):
        value = unquoted(cell.strip())
        if not value:
            continue
        if not name:
            faults.add(line, None, "has a value under a column without a name", "unnamed_column")
            return Record(line, {}, bad=True)
        found[name] = value
    return Record(line, found)


def _csv_message(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a value is longer than {csv.field_size_limit():,} characters"
    return f"is not valid CSV ({text}): check the quotes"
