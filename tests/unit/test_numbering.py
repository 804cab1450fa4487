"""Numbering formats (SPEC §5): what settings accept, how a number is rendered, and which
documents share a sequence (the sequence key)."""

from __future__ import annotations

from datetime import date

import pytest

from solde.domain.errors import InvalidInput
from solde.domain.numbering import NumberFormat, check_number

INVOICE = "{year}{partner_id|2}{next|6}"
CREDIT_NOTE = "CN{year}-{next|5}"
PROFORMA = "PF{year}-{next|5}"


def _fmt(text: str) -> NumberFormat:
    return NumberFormat.parse(text, field="numbering.invoice")


def _fault(text: object) -> tuple[str, str]:
    with pytest.raises(InvalidInput) as caught:
        NumberFormat.parse(text, field="numbering.invoice")
    (error,) = caught.value.errors
    return error.field, error.code


# -- what settings refuse -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("INV-{year}", "missing_next"),  # no sequence at all: every number would be the same
        ("{next}-{next|4}", "missing_next"),  # two sequences
        ("{next|3}{next|3}", "missing_next"),
        ("INV-{invoice}-{next}", "unknown_token"),
        ("{Year}{next}", "unknown_token"),  # tokens are lower case
        ("{next|x}", "unknown_token"),  # a width that is not a number is no token
        ("{next", "unknown_token"),  # unbalanced brace
        ("next}", "unknown_token"),
        ("{next|0}", "bad_width"),
        ("{next|13}", "bad_width"),
        ("{partner_id|0}{next}", "bad_width"),
        ("INV%{next}", "bad_character"),
        ("INV\t{next}", "bad_character"),
        ("INV:{next}", "bad_character"),
        ("", "required"),
        ("   ", "required"),
        (None, "required"),
        (42, "required"),
        ("X" * 58 + "{next}", "too_long"),
    ],
)
def test_a_wrong_format_is_refused_naming_the_setting(text: object, code: str) -> None:
    assert _fault(text) == ("numbering.invoice", code)


@pytest.mark.parametrize(
    "text",
    [
        INVOICE,
        CREDIT_NOTE,
        PROFORMA,
        "{next}",
        "INV/{year}/{month|2}/{day|2}-{customer_id}_{next|12}",
        "F {year}.{next|4} #A",
    ],
)
def test_the_defaults_and_every_token_are_accepted(text: str) -> None:
    assert _fmt(text).text == text


def test_surrounding_spaces_are_trimmed() -> None:
    assert _fmt("  PF{year}-{next|5} ").text == "PF{year}-{next|5}"


# -- rendering ----------------------------------------------------------------------------------


def test_partner_3_first_invoice_of_2027_is_202703000001() -> None:
    number = _fmt(INVOICE).render(day=date(2027, 5, 17), partner_id=3, customer_id=42, next_value=1)
    assert number == "202703000001"


@pytest.mark.parametrize(
    ("text", "next_value", "expected"),
    [
        (CREDIT_NOTE, 7, "CN2027-00007"),
        (PROFORMA, 12345, "PF2027-12345"),
        ("{year}-{month|2}-{day|2}/{next}", 9, "2027-01-05/9"),
        ("{month}-{day}-{next|3}", 4, "1-5-004"),  # no width: no padding
        ("C{customer_id}-{next|2}", 3, "C42-03"),
        ("C{customer_id|6}-{next|2}", 3, "C000042-03"),
        ("P{partner_id}-{next}", 10, "P3-10"),
        ("{next|2}", 123, "123"),  # a sequence outgrowing its width is never cut
    ],
)
def test_tokens_render_from_the_document_date_partner_and_customer(
    text: str, next_value: int, expected: str
) -> None:
    rendered = _fmt(text).render(
        day=date(2027, 1, 5), partner_id=3, customer_id=42, next_value=next_value
    )
    assert rendered == expected


# -- which documents share a sequence -------------------------------------------------------------


def _key(text: str, day: date, partner_id: int = 1, customer_id: int = 1) -> str:
    return _fmt(text).key(day=day, partner_id=partner_id, customer_id=customer_id)


def test_the_invoice_sequence_restarts_each_year_and_counts_per_partner() -> None:
    day = date(2027, 3, 1)
    assert _key(INVOICE, day, 3, 10) == _key(INVOICE, date(2027, 12, 31), 3, 99)
    assert _key(INVOICE, day, 3) != _key(INVOICE, date(2028, 1, 1), 3)
    assert _key(INVOICE, day, 3) != _key(INVOICE, day, 4)


def test_a_format_without_a_token_is_one_sequence_for_everybody() -> None:
    keys = {
        _key("INV-{next|6}", day, partner, customer)
        for day in (date(2026, 1, 1), date(2030, 7, 15))
        for partner in (1, 2)
        for customer in (5, 6)
    }
    assert len(keys) == 1


def test_credit_notes_and_proformas_count_per_year_only() -> None:
    day = date(2027, 3, 1)
    for text in (CREDIT_NOTE, PROFORMA):
        assert _key(text, day, 1, 1) == _key(text, date(2027, 11, 2), 2, 2)
        assert _key(text, day) != _key(text, date(2026, 3, 1))
    assert _key(CREDIT_NOTE, day) != _key(PROFORMA, day)


def test_month_day_and_customer_tokens_split_sequences_as_written() -> None:
    day = date(2027, 3, 1)
    monthly = "{year}{month|2}-{next|4}"
    assert _key(monthly, day) == _key(monthly, date(2027, 3, 31))
    assert _key(monthly, day) != _key(monthly, date(2027, 4, 1))
    daily = "{year}{month|2}{day|2}-{next|4}"
    assert _key(daily, day) != _key(daily, date(2027, 3, 2))
    per_customer = "C{customer_id}-{next|4}"
    assert _key(per_customer, day, customer_id=1) != _key(per_customer, day, customer_id=2)
    assert _key(per_customer, day, partner_id=1) == _key(per_customer, date(2030, 1, 1), 9)


def test_two_kinds_with_the_same_format_share_one_sequence() -> None:
    """The key is the rendering, not the kind: two kinds set to one format cannot repeat a
    number."""
    day = date(2027, 3, 1)
    assert NumberFormat.parse(CREDIT_NOTE, field="a").key(
        day=day, partner_id=1, customer_id=1
    ) == NumberFormat.parse(CREDIT_NOTE, field="b").key(day=day, partner_id=2, customer_id=3)


def test_the_key_never_equals_a_rendered_number() -> None:
    """A sequence key keeps a mark where the number goes, so no rendering is mistaken for a
    key."""
    fmt = _fmt(CREDIT_NOTE)
    day = date(2027, 3, 1)
    key = fmt.key(day=day, partner_id=1, customer_id=1)
    numbers = {fmt.render(day=day, partner_id=1, customer_id=1, next_value=n) for n in (1, 99)}
    assert key not in numbers


# -- a number typed by hand ------------------------------------------------------------------------


def test_a_number_typed_by_hand_is_trimmed() -> None:
    assert check_number("  F-2026-001 ") == "F-2026-001"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "required"),
        ("  ", "required"),
        (None, "required"),
        (7, "required"),
        ("X" * 41, "too_long"),
        ("F-\x00-1", "bad_character"),
        ("F\n1", "bad_character"),
    ],
)
def test_a_bad_number_is_refused(value: object, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_number(value, field="number")
    assert [(e.field, e.code) for e in caught.value.errors] == [("number", code)]
