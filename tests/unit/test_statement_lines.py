"""The pure rules of statements (SPEC §11): the period and its defaults, the lines of each
mode with their running balance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.model import Kind, TxType
from solde.ledger.statements import (
    OTHER,
    Period,
    Posting,
    StatementMode,
    statement_lines,
    statement_period,
)

D = dt.date


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def _p(i: int, day: int, kind: Kind, type_: TxType, amount: str, **extra: object) -> Posting:
    return Posting(
        id=i, date=D(2026, 1, day), kind=kind, type=type_, label=f"{type_.value} {i}",
        reference=None, document_number=None, amount=_eur(amount),
        reverses_type=extra.get("reverses"),  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("today", "start", "end", "expected"),
    [
        (D(2026, 12, 15), None, None, Period(D(2026, 9, 1), D(2026, 12, 15))),
        (D(2026, 2, 10), None, None, Period(D(2025, 11, 1), D(2026, 2, 10))),
        (D(2026, 12, 15), None, D(2025, 3, 31), Period(D(2024, 12, 1), D(2025, 3, 31))),
        (D(2026, 12, 15), D(2026, 12, 1), None, Period(D(2026, 12, 1), D(2026, 12, 15))),
        (D(2026, 1, 1), D(2025, 6, 5), D(2025, 6, 5), Period(D(2025, 6, 5), D(2025, 6, 5))),
        (D(2026, 1, 1), D(2016, 1, 2), D(2026, 1, 1), Period(D(2016, 1, 2), D(2026, 1, 1))),
        (D(2026, 1, 1), D(2016, 2, 29), D(2026, 2, 28), Period(D(2016, 2, 29), D(2026, 2, 28))),
        (D(2026, 1, 1), None, D(1900, 2, 1), Period(D(1900, 1, 1), D(1900, 2, 1))),
    ],
)
def test_the_period_and_its_defaults(
    today: dt.date, start: dt.date | None, end: dt.date | None, expected: Period
) -> None:
    assert statement_period(today, start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "field", "code"),
    [
        (D(2026, 2, 1), D(2026, 1, 31), "from", "after_to"),
        (D(2016, 1, 1), D(2026, 1, 1), "to", "too_long"),
        (D(2016, 2, 29), D(2026, 3, 1), "to", "too_long"),
        (D(1899, 12, 31), D(1900, 1, 31), "from", "out_of_range"),
        (D(2999, 1, 1), D(3000, 1, 1), "to", "out_of_range"),
    ],
)
def test_a_bad_period_names_its_field(start: dt.date, end: dt.date, field: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        statement_period(D(2026, 1, 1), start, end)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]


def test_a_start_after_today_with_no_end_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        statement_period(D(2026, 1, 1), D(2026, 2, 1), None)
    assert caught.value.errors[0].field == "from"


POSTINGS = [
    _p(1, 3, Kind.DEBIT, TxType.INVOICE, "100.00"),
    _p(2, 3, Kind.DEBIT, TxType.CHARGE, "5.00"),
    _p(3, 3, Kind.CREDIT, TxType.GIFT, "1.00"),
    _p(4, 3, Kind.DEBIT, TxType.COLLECTION_COST, "2.00"),
    _p(5, 4, Kind.CREDIT, TxType.ADJUSTMENT, "100.00", reverses=TxType.INVOICE),
    _p(6, 4, Kind.CREDIT, TxType.ADJUSTMENT, "0.50"),
    _p(7, 5, Kind.CREDIT, TxType.PAYMENT, "6.00"),
    _p(8, 6, Kind.DEBIT, TxType.CHARGEBACK, "6.00"),
    _p(9, 6, Kind.DEBIT, TxType.REFUND, "0.50"),
]


def test_transactions_mode_lists_every_posting_with_the_balance_after_it() -> None:
    lines = statement_lines(_eur("10.00"), POSTINGS, StatementMode.TRANSACTIONS)
    assert [(x.transaction_ids, str(x.amount), str(x.balance)) for x in lines] == [
        ((1,), "100.00", "110.00"),
        ((2,), "5.00", "115.00"),
        ((3,), "-1.00", "114.00"),
        ((4,), "2.00", "116.00"),
        ((5,), "-100.00", "16.00"),
        ((6,), "-0.50", "15.50"),
        ((7,), "-6.00", "9.50"),
        ((8,), "6.00", "15.50"),
        ((9,), "0.50", "16.00"),
    ]
    assert lines[2].credit == _eur("1.00")
    assert lines[2].debit is None


def test_documents_mode_sums_the_other_postings_of_a_day_by_direction() -> None:
    lines = statement_lines(_eur("10.00"), POSTINGS, StatementMode.DOCUMENTS)
    assert [(x.type, x.label, x.transaction_ids, str(x.amount), str(x.balance)) for x in lines] == [
        ("invoice", "invoice 1", (1,), "100.00", "110.00"),
        (OTHER, "Other debits", (2, 4), "7.00", "117.00"),
        (OTHER, "Other credits", (3,), "-1.00", "116.00"),
        ("adjustment", "adjustment 5", (5,), "-100.00", "16.00"),  # the void of an invoice
        (OTHER, "Other credits", (6,), "-0.50", "15.50"),
        ("payment", "payment 7", (7,), "-6.00", "9.50"),
        ("chargeback", "chargeback 8", (8,), "6.00", "15.50"),
        ("refund", "refund 9", (9,), "0.50", "16.00"),
    ]  # fmt: skip


def test_no_postings_no_lines() -> None:
    assert statement_lines(_eur("-3.00"), [], StatementMode.DOCUMENTS) == ()


_TYPES = {
    Kind.DEBIT: [TxType.INVOICE, TxType.CHARGE, TxType.REFUND, TxType.CHARGEBACK,
                 TxType.COLLECTION_COST, TxType.ADJUSTMENT],
    Kind.CREDIT: [TxType.PAYMENT, TxType.CREDIT_NOTE, TxType.ADJUSTMENT, TxType.GIFT],
}  # fmt: skip


@st.composite
def _postings(draw: st.DrawFn) -> list[Posting]:
    count = draw(st.integers(0, 30))
    found = []
    for i in range(count):
        kind = draw(st.sampled_from([Kind.DEBIT, Kind.CREDIT]))
        type_ = draw(st.sampled_from(_TYPES[kind]))
        cents = draw(st.integers(1, 10**9))
        day = draw(st.integers(1, 5))
        found.append(_p(i + 1, day, kind, type_, str(Decimal(cents).scaleb(-2))))
    return sorted(found, key=lambda p: (p.date, p.id))


@given(_postings(), st.integers(-(10**9), 10**9), st.sampled_from(list(StatementMode)))
def test_every_mode_reconciles_to_the_same_closing_balance(
    postings: list[Posting], opening_cents: int, mode: StatementMode
) -> None:
    opening = Money.from_minor(opening_cents, "EUR")
    lines = statement_lines(opening, postings, mode)
    signed = sum((p.amount if p.kind is Kind.DEBIT else -p.amount for p in postings), opening)
    closing = lines[-1].balance if lines else opening
    assert closing == signed
    assert sorted(i for x in lines for i in x.transaction_ids) == sorted(p.id for p in postings)
    assert [x.date for x in lines] == sorted(x.date for x in lines)
    running = opening
    for line in lines:
        running = running + line.amount
        assert line.balance == running
        assert (line.debit is None) != (line.credit is None)
