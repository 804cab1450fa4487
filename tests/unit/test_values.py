"""Checks on values typed by users: text, e-mail, dates, flags, whole numbers, choices, and the
reader that reports every bad field of a command at once."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import pytest

from solde.domain.errors import InvalidInput
from solde.domain.values import (
    MAX_DATE,
    MIN_DATE,
    InputReader,
    as_bool,
    as_choice,
    as_date,
    as_int,
    check_date,
    check_email,
    clean_text,
)


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def fault(exc: pytest.ExceptionInfo[InvalidInput]) -> tuple[str, str]:
    (error,) = exc.value.errors
    return error.field, error.code


def faults(exc: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


# -- clean_text -------------------------------------------------------------------------------


def test_clean_text_trims_surrounding_white_space() -> None:
    assert clean_text("  Acme SAS \n", field="name", max_length=20) == "Acme SAS"


def test_clean_text_keeps_tabs_and_line_breaks_inside() -> None:
    assert clean_text("a\tb\nc\r\nd", field="note", max_length=20) == "a\tb\nc\r\nd"


def test_clean_text_keeps_unicode_letters() -> None:
    assert clean_text("Zoë Ørsted 東京 🙂", field="name", max_length=20) == "Zoë Ørsted 東京 🙂"


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"])
def test_clean_text_refuses_control_characters_and_surrogates(text: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_text(text, field="label", max_length=50)
    assert fault(exc) == ("label", "bad_character")


def test_clean_text_length_is_counted_after_trimming() -> None:
    assert clean_text("  " + "x" * 10 + "  ", field="name", max_length=10) == "x" * 10
    with pytest.raises(InvalidInput) as exc:
        clean_text("x" * 11, field="name", max_length=10)
    assert fault(exc) == ("name", "too_long")


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_clean_text_gives_none_for_empty_optional_text(value: object) -> None:
    assert clean_text(value, field="segment", max_length=10) is None


@pytest.mark.parametrize("value", [None, "", "  "])
def test_clean_text_refuses_empty_required_text(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_text(value, field="name", max_length=10, required=True)
    assert fault(exc) == ("name", "required")


@pytest.mark.parametrize("value", [12, 1.5, True, ["a"], {"a": 1}, b"abc"])
def test_clean_text_refuses_values_that_are_not_text(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_text(value, field="name", max_length=10)
    assert fault(exc) == ("name", "not_text")


# -- e-mail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["ana@example.com", "ana.b+billing@mail.example.co.uk", "a@b.io"]
)
def test_check_email_accepts_usual_addresses(address: str) -> None:
    assert check_email(address) == address


@pytest.mark.parametrize(
    "address",
    ["ana", "ana@", "@example.com", "ana@example", "ana@@example.com", "ana b@example.com",
     "ana@example.com.", "ana@exa mple.com"],
)  # fmt: skip
def test_check_email_refuses_other_shapes(address: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_email(address, field="contact.email")
    assert fault(exc) == ("contact.email", "invalid_email")


def test_check_email_refuses_addresses_longer_than_254_characters() -> None:
    local = "a" * 64
    address = f"{local}@{'b' * 185}.com"
    assert len(address) == 254
    assert check_email(address) == address
    with pytest.raises(InvalidInput) as exc:
        check_email(f"{local}@{'b' * 186}.com")
    assert fault(exc) == ("email", "invalid_email")


def test_check_email_lets_none_through() -> None:
    assert check_email(None) is None


# -- dates ------------------------------------------------------------------------------------


def test_date_limits_are_1900_and_2999() -> None:
    assert date(1900, 1, 1) == MIN_DATE
    assert date(2999, 12, 31) == MAX_DATE
    assert check_date(date(1900, 1, 1), field="date") == date(1900, 1, 1)
    assert check_date(date(2999, 12, 31), field="date") == date(2999, 12, 31)


@pytest.mark.parametrize("day", [date(1899, 12, 31), date(3000, 1, 1), date(1, 1, 1)])
def test_check_date_refuses_dates_outside_the_limits(day: date) -> None:
    with pytest.raises(InvalidInput) as exc:
        check_date(day, field="date")
    assert fault(exc) == ("date", "out_of_range")


@pytest.mark.parametrize(
    ("value", "day"),
    [("2026-03-10", date(2026, 3, 10)), (" 2024-02-29 ", date(2024, 2, 29)),
     (date(2026, 1, 31), date(2026, 1, 31))],
)  # fmt: skip
def test_as_date_reads_iso_text_and_dates(value: object, day: date) -> None:
    assert as_date(value, field="date") == day


@pytest.mark.parametrize(
    "value",
    ["2026-02-30", "2025-02-29", "2026-13-01", "10/03/2026", "2026-3-10", "20260310",
     "2026-03-10T00:00:00", "", "yesterday", 20260310, None, 1.5],
)  # fmt: skip
def test_as_date_refuses_what_is_not_a_date(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_date(value, field="date")
    assert fault(exc) == ("date", "not_a_date")


@pytest.mark.parametrize("value", ["2026-W10-2", "2026-W01-1"])
def test_as_date_refuses_iso_week_dates(value: str) -> None:
    # The contract is YYYY-MM-DD; Python 3.11's date.fromisoformat also reads week dates of
    # the same length (2026-W10-2 is 3 March 2026), which a client never means.
    with pytest.raises(InvalidInput) as exc:
        as_date(value, field="date")
    assert fault(exc) == ("date", "not_a_date")


@pytest.mark.parametrize("value", ["1899-12-31", "3000-01-01"])
def test_as_date_refuses_text_dates_outside_the_limits(value: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_date(value, field="date")
    assert fault(exc) == ("date", "out_of_range")


# -- flags, numbers, choices ------------------------------------------------------------------


def test_as_bool_accepts_booleans_only() -> None:
    assert as_bool(True, field="flag") is True
    assert as_bool(False, field="flag") is False


@pytest.mark.parametrize("value", ["true", 1, 0, "yes", None])
def test_as_bool_refuses_look_alikes(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_bool(value, field="force")
    assert fault(exc) == ("force", "not_a_boolean")


def test_as_int_accepts_whole_numbers_within_bounds_inclusive() -> None:
    assert as_int(1, field="n", low=1, high=28) == 1
    assert as_int(28, field="n", low=1, high=28) == 28


@pytest.mark.parametrize("value", [0, 29, -1])
def test_as_int_refuses_values_out_of_bounds(value: int) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_int(value, field="billing_day", low=1, high=28)
    assert fault(exc) == ("billing_day", "out_of_range")


@pytest.mark.parametrize("value", [True, "10", 10.0, None])
def test_as_int_refuses_what_is_not_an_integer(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_int(value, field="n", low=0, high=100)
    assert fault(exc) == ("n", "not_an_integer")


def test_as_choice_returns_the_enumeration_member() -> None:
    assert as_choice("green", field="colour", choices=Colour) is Colour.GREEN


@pytest.mark.parametrize("value", ["GREEN", "blue", "", 1, None])
def test_as_choice_refuses_other_values_listing_the_choices(value: object) -> None:
    with pytest.raises(InvalidInput) as exc:
        as_choice(value, field="colour", choices=Colour)
    assert fault(exc) == ("colour", "invalid_choice")
    assert "red, green" in exc.value.errors[0].message


# -- InputReader ------------------------------------------------------------------------------


def _day(value: object, field: str) -> date:
    return as_date(value, field=field)


def _count(value: object, field: str) -> int:
    return as_int(value, field=field, low=1, high=10)


def test_reader_returns_checked_values_and_defaults() -> None:
    reader = InputReader({"date": "2026-03-01", "count": None}, allowed={"date", "count"}, what="x")
    assert reader.read("date", _day, date(2000, 1, 1)) == date(2026, 3, 1)
    assert reader.read("count", _count, 5) == 5  # null is absent
    assert reader.read("flag", lambda v, f: as_bool(v, field=f), True) is True
    reader.done()


def test_reader_collects_every_fault_before_raising() -> None:
    reader = InputReader(
        {"date": "2026-02-30", "count": 11, "colour": "blue", "extra": 1},
        allowed={"date", "count", "colour", "name"},
        what="a test",
    )
    assert reader.read("date", _day, date(2000, 1, 1)) == date(2000, 1, 1)
    assert reader.read("count", _count, 1) == 1
    reader.read("colour", lambda v, f: as_choice(v, field=f, choices=Colour), Colour.RED)
    reader.required("name", lambda v, f: clean_text(v, field=f, max_length=5), "")
    reader.fail("count", "too_many", "is too many for this colour")
    with pytest.raises(InvalidInput) as exc:
        reader.done()
    assert faults(exc) == [
        ("extra", "unknown_field"),
        ("date", "not_a_date"),
        ("count", "out_of_range"),
        ("colour", "invalid_choice"),
        ("name", "required"),
        ("count", "too_many"),
    ]
    assert "a test" in exc.value.errors[0].message


def test_reader_required_field_given_as_null_is_reported() -> None:
    reader = InputReader({"name": None}, allowed={"name"}, what="x")
    assert reader.required("name", lambda v, f: clean_text(v, field=f, max_length=5), "?") == "?"
    with pytest.raises(InvalidInput) as exc:
        reader.done()
    assert faults(exc) == [("name", "required")]


def test_reader_required_field_checked_when_present() -> None:
    reader = InputReader({"name": "toolong"}, allowed={"name"}, what="x")
    reader.required("name", lambda v, f: clean_text(v, field=f, max_length=5), "")
    with pytest.raises(InvalidInput) as exc:
        reader.done()
    assert faults(exc) == [("name", "too_long")]


def test_invalid_input_under_prefixes_field_paths() -> None:
    error = InvalidInput.single("billing_day", "out_of_range", "must be between 1 and 28")
    assert [(e.field, e.code) for e in error.under("billing.").errors] == [
        ("billing.billing_day", "out_of_range")
    ]
    assert "billing_day" in str(error)
