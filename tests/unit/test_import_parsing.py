"""Reading CSV files as people write them (SPEC §13): locale numbers as exact decimals,
dates day first or ISO, flags, delimiters, byte-order marks, and the faults with their
physical line and column."""

from __future__ import annotations

import codecs
from datetime import date

import pytest

from solde.domain.errors import InvalidInput
from solde.imports import cells
from solde.imports.csvtext import Header, column_name, decoded, delimiter_of, records
from solde.imports.report import Faults


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234,56", "1234.56"),
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # no-break space
        ("1\u202f234,56", "1234.56"),  # narrow no-break space (French typography)
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("1'234.56", "1234.56"),  # Swiss
        ("1.234.567,89", "1234567.89"),
        ("1,234,567", "1234567"),
        ("1 234 567", "1234567"),
        ("-1 234,50", "-1234.50"),
        ("\u221212,5", "-12.5"),  # the minus sign of word processors
        ("+7", "7"),
        ("0,125", "0.125"),  # a leading zero cannot be thousands
        ("1.234", "1.234"),  # a lone point is always a decimal point
        ("1,5", "1.5"),
        (",5", "0.5"),
        ("120.000000", "120.000000"),  # decimals kept exactly, trailing zeros included
        ("  42  ", "42"),
    ],
)
def test_numbers_of_every_common_locale_read_as_exact_decimal_text(
    text: str, expected: str
) -> None:
    assert cells.number(text, "amount") == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1,234", "ambiguous_number"),  # thousands or decimals?
        ("-5,555", "ambiguous_number"),
        ("1 2345", "not_a_number"),  # groups of three
        ("1,2,3", "not_a_number"),
        ("1.234.5", "not_a_number"),
        ("1,234.567,8", "not_a_number"),
        ("1e3", "not_a_number"),
        ("NaN", "not_a_number"),
        ("", "not_a_number"),
        ("12 €", "not_a_number"),
        ("١٢٣", "not_a_number"),  # digits of other scripts
        ("9" * 61, "not_a_number"),
    ],
)
def test_numbers_that_cannot_be_read_for_sure_are_refused(text: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cells.number(text, "amount")
    assert [(e.field, e.code) for e in caught.value.errors] == [("amount", code)]


def test_an_ambiguous_number_says_how_to_write_it() -> None:
    with pytest.raises(InvalidInput) as caught:
        cells.number("1,234", "amount")
    assert "write 1234 for thousands, or 1.234" in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01", date(2026, 3, 1)),
        ("2026/03/01", date(2026, 3, 1)),
        ("01/03/2026", date(2026, 3, 1)),  # day first
        ("1.3.2026", date(2026, 3, 1)),
        ("31-12-2026", date(2026, 12, 31)),
        (" 29/02/2028 ", date(2028, 2, 29)),
    ],
)
def test_dates_are_iso_or_day_first(text: str, expected: date) -> None:
    assert cells.day(text, "date") == expected


@pytest.mark.parametrize(
    "text", ["03/31/2026", "29/02/2026", "2026-13-01", "1/3/26", "2026-03-01T10:00", "tomorrow"]
)
def test_dates_that_are_not_on_the_calendar_or_not_day_first_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cells.day(text, "date")
    assert caught.value.errors[0].field == "date"


def test_flags_and_whole_numbers() -> None:
    assert [cells.flag(t, "f") for t in ("yes", "TRUE", "1", "y", "On")] == [True] * 5
    assert [cells.flag(t, "f") for t in ("no", "False", "0", "n", "off")] == [False] * 5
    with pytest.raises(InvalidInput):
        cells.flag("maybe", "f")
    assert cells.whole_number("1 000", "n") == 1000
    with pytest.raises(InvalidInput):
        cells.whole_number("2,5", "n")


def test_the_quote_exports_put_before_a_formula_sign_is_dropped() -> None:
    assert [cells.unquoted(t) for t in ("'=SUM(A1)", "'-12.50", "'+1", "'@x", "'abc", "'")] == [
        "=SUM(A1)",
        "-12.50",
        "+1",
        "@x",
        "'abc",
        "'",
    ]


def test_header_names_ignore_case_spaces_hyphens_and_underscores() -> None:
    assert [
        column_name(t) for t in ("Unit Price", "unit-price", " UNIT__PRICE ", "\ufeffname")
    ] == [
        "unit_price",
        "unit_price",
        "unit_price",
        "name",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("a;b;c", ";"), ("a\tb", "\t"), ("a,b", ","), ("name", ","), ('"x;y",b,c', ",")],
)
def test_the_delimiter_is_the_one_the_header_uses_most(header: str, expected: str) -> None:
    assert delimiter_of(header) == expected


def _read(
    text: str,
) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int | None, str | None, str]]]:
    faults = Faults()

    def check(header: Header) -> None:
        header.check({"a": 0, "b": 0}, frozenset({"a"}), (), "a test file", faults)

    found = [(r.line, dict(r.cells)) for r in records(text, faults, check) if not r.bad]
    return found, [(e.line, e.column, e.code) for e in faults.items]


def test_records_carry_the_physical_line_they_start_on() -> None:
    text = 'A;B\n1;x\n\n;;\n2;"two\nlines"\n3;\'=1+1\n'
    assert _read(text) == (
        [
            (2, {"a": "1", "b": "x"}),
            (5, {"a": "2", "b": "two\nlines"}),
            (7, {"a": "3", "b": "=1+1"}),
        ],
        [],
    )


def test_header_faults_are_on_line_1_and_name_the_column() -> None:
    assert _read("b;c;b\n1;2;3\n")[1] == [
        (1, "c", "unknown_column"),
        (1, "b", "duplicate_column"),
        (1, "a", "missing_column"),
    ]


def test_row_faults_name_their_line() -> None:
    found, faults = _read('a,b\n1,2,3\n4,5\n6,"bad"quote\n7,8\n')
    assert found == [(3, {"a": "4", "b": "5"})]
    assert faults == [(2, None, "too_many_values"), (4, None, "bad_csv")]


def test_an_empty_file_is_a_fault_of_line_1() -> None:
    assert _read("")[1] == [(1, None, "empty")]
    assert _read("\n\n")[1] == [(1, None, "empty")]


def test_a_huge_cell_is_a_fault_not_a_crash() -> None:
    found, faults = _read("a,b\n1," + "x" * 200_000 + "\n")
    assert found == []
    assert faults == [(2, None, "bad_csv")]


def test_utf8_with_or_without_bom_and_utf16_are_read_other_encodings_refused() -> None:
    faults = Faults()
    assert decoded(codecs.BOM_UTF8 + "é".encode(), faults) == "é"
    assert decoded("a;é".encode("utf-16"), faults) == "a;é"
    assert not faults
    assert decoded(b"a;b\n1;2\ncaf\xe9\n", faults) is None
    assert [(e.line, e.code) for e in faults.items] == [(3, "bad_encoding")]
    assert "0xE9" in faults.items[0].message
