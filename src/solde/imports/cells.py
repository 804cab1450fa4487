"""Reading the cells of a CSV file as people write them in common locales: numbers with a
decimal comma or point and thousands separators (`1 234,56`, `1.234,56`, `1,234.56`), dates
day first (`01/03/2026`, `01.03.2026`) or ISO (`2026-03-01`), yes/no flags.

Numbers become the canonical text of an exact decimal (`"1234.56"`), never a float; what
cannot be read for sure is refused with a message saying how to write it.
"""

from __future__ import annotations

import re
from datetime import date

from solde.domain.errors import InvalidInput

#: Characters that separate thousands besides `.` and `,`: space, no-break space, narrow
#: no-break space, thin space, and the apostrophe of Swiss amounts (`1'234.50`).
_GROUP_MARKS = " \u00a0\u202f\u2009'\u2019"
_MINUS = "-\u2212"  # hyphen-minus, and the minus sign that word processors write
_DIGITS = re.compile(r"[0-9]+")
_DAY_FIRST = re.compile(r"([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})")
_YEAR_FIRST = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")
_TRUE = frozenset({"true", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "off"})
#: Longest number text read (a bound on work, far above any real amount).
_MAX_NUMBER = 60


def _fail(column: str, code: str, message: str) -> InvalidInput:
    return InvalidInput.single(column, code, message)


def number(text: str, column: str) -> str:
    """The exact decimal written in `text`, as canonical text (`"-1234.56"`).

    Rules: a sign may lead (`-`, `+`, `−`); spaces (also no-break and narrow ones) and
    apostrophes separate thousands; when both `.` and `,` appear, the last one is the decimal
    separator and the other separates thousands; a lone `.` is a decimal point; a lone `,` is
    a decimal comma, except before exactly three digits (`1,234`), which is ambiguous and
    refused; the same mark twice or more (`1.234.567`) separates thousands. Thousands groups
    must have three digits.
    """
    raw = text.strip()
    if not raw or len(raw) > _MAX_NUMBER:
        raise _fail(column, "not_a_number", f"{raw[:40]!r} is not a number")
    sign = ""
    if raw[0] in _MINUS or raw[0] == "+":
        sign = "-" if raw[0] in _MINUS else ""
        raw = raw[1:].lstrip()
    for mark in _GROUP_MARKS:
        raw = raw.replace(mark, "\0")
    whole, fraction = _split(raw, text, column)
    if "\0" in whole:
        groups = whole.split("\0")
        if not all(_DIGITS.fullmatch(g) for g in groups) or not _thousands(groups):
            raise _fail(
                column,
                "not_a_number",
                f"{text.strip()[:40]!r}: thousands must be written in groups of three digits",
            )
        whole = "".join(groups)
    if whole == "" and fraction:
        whole = "0"  # `.5`, `,5`
    if not _DIGITS.fullmatch(whole) or (fraction and not _DIGITS.fullmatch(fraction)):
        raise _fail(column, "not_a_number", f"{text.strip()[:40]!r} is not a number")
    return sign + whole + ("." + fraction if fraction else "")


def _thousands(groups: list[str]) -> bool:
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def _split(raw: str, text: str, column: str) -> tuple[str, str]:
    """The whole part (thousands marks as NUL) and the decimals of a number's text."""
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        decimal_mark = "." if raw.rfind(".") > raw.rfind(",") else ","
        group_mark = "," if decimal_mark == "." else "."
        whole, _, fraction = raw.rpartition(decimal_mark)
        if decimal_mark in whole or group_mark in fraction:
            raise _fail(column, "not_a_number", f"{text.strip()[:40]!r} is not a number")
        return whole.replace(group_mark, "\0"), fraction
    mark = "." if dots else ","
    count = dots or commas
    if count == 0:
        return raw, ""
    if count > 1:
        if "\0" in raw:
            raise _fail(column, "not_a_number", f"{text.strip()[:40]!r} is not a number")
        return raw.replace(mark, "\0"), ""
    whole, _, fraction = raw.partition(mark)
    if mark == "," and _ambiguous(whole, fraction):
        raise _fail(
            column,
            "ambiguous_number",
            f"{text.strip()[:40]!r} is ambiguous: write {whole}{fraction} for thousands, "
            f"or {whole}.{fraction} (or {whole},{fraction}0) for decimals",
        )
    return whole, fraction


def _ambiguous(whole: str, fraction: str) -> bool:
    """`1,234`: three digits after a lone comma could be thousands or decimals (`0,125`
    cannot be thousands)."""
    return (
        len(fraction) == 3
        and _DIGITS.fullmatch(fraction) is not None
        and _DIGITS.fullmatch(whole) is not None
        and len(whole) <= 3
        and whole.strip("0") != ""
    )


def day(text: str, column: str) -> date:
    """The date written in `text`: ISO `2026-03-01` (also `2026/03/01`), or day first
    `01/03/2026`, `1.3.2026`, `01-03-2026`. A time after the date is refused."""
    raw = text.strip()
    match = _YEAR_FIRST.fullmatch(raw)
    parts: tuple[str, str, str] | None = None
    if match:
        parts = (match[1], match[2], match[3])
    else:
        match = _DAY_FIRST.fullmatch(raw)
        if match:
            parts = (match[3], match[2], match[1])
    if parts is None:
        raise _fail(
            column,
            "not_a_date",
            f"{raw[:40]!r} is not a date: write 2026-03-31 or 31/03/2026 (day first)",
        )
    year, month, day_ = (int(p) for p in parts)
    try:
        return date(year, month, day_)
    except ValueError:
        raise _fail(
            column,
            "not_a_date",
            f"{raw[:40]!r} is not a date of the calendar (dates are read day first: 31/03/2026)",
        ) from None


def flag(text: str, column: str) -> bool:
    """A yes/no cell: true, yes, y, 1, on / false, no, n, 0, off (any case)."""
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _fail(column, "not_a_boolean", f"{text.strip()[:40]!r} is not true or false (yes/no)")


def whole_number(text: str, column: str) -> int:
    """A whole number (`14`, `-20`); thousands separators allowed, decimals refused."""
    canonical = number(text, column)
    if "." in canonical:
        raise _fail(column, "not_an_integer", f"{text.strip()[:40]!r} is not a whole number")
    return int(canonical)


def unquoted(text: str) -> str:
    """A cell as typed: the `'` that exports put before a leading `=`, `+`, `-` or `@` (so
    that spreadsheets do not run it as a formula) is dropped."""
    if len(text) >= 2 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text
