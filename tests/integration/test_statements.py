"""Statements on both databases (SPEC §11): every figure is recomputed in the test from the
raw `transactions` rows of a ledger holding every transaction type."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from statements_book import Raw, StatementBook, posted_rows

from solde.downloads import statements as downloads
from solde.ledger.statements import OTHER, Period, Statement, StatementMode

TODAY = date(2025, 4, 1)
DOCUMENT_TYPES = {"invoice", "credit_note", "payment", "refund", "chargeback"}

PERIODS = [
    Period(date(2025, 1, 1), date(2025, 1, 31)),
    Period(date(2025, 2, 1), date(2025, 2, 28)),
    Period(date(2025, 1, 1), date(2025, 3, 31)),
    Period(date(2025, 1, 10), date(2025, 1, 15)),  # both ends on posting days
    Period(date(2025, 1, 11), date(2025, 1, 14)),  # nothing posted inside
    Period(date(2025, 2, 10), date(2025, 2, 10)),  # a single day
    Period(date(2024, 1, 1), date(2024, 12, 31)),  # before the first transaction
    Period(date(2025, 6, 1), date(2025, 6, 30)),  # after the last one
]


@pytest.fixture
def ledger(api: Any) -> tuple[Any, int, dict[str, Any]]:
    book = StatementBook(api)
    cid = book.customer(external_ref="ST-1")
    made = book.every_type(cid)
    return api.container, cid, made


def _read(container: Any, cid: int, period: Period, mode: StatementMode) -> Statement:
    return downloads.read(container, cid, period, mode, on=TODAY, actor="test")


def _money(value: Any) -> Decimal:
    return Decimal(str(value))


def _sum(rows: list[Raw]) -> Decimal:
    return sum((r.signed for r in rows), Decimal("0.00"))


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_every_transaction_with_its_running_balance(ledger: Any, period: Period) -> None:
    container, cid, _made = ledger
    raw = posted_rows(container, cid)
    inside = [r for r in raw if period.start <= r.date <= period.end]
    opening = _sum([r for r in raw if r.date < period.start])
    st = _read(container, cid, period, StatementMode.TRANSACTIONS)
    assert st.opening_balance.amount == opening
    assert [line.transaction_ids for line in st.lines] == [(r.id,) for r in inside]
    running = opening
    for line, row in zip(st.lines, inside, strict=True):
        running += row.signed
        assert line.balance.amount == running
        assert line.amount.amount == row.signed
        assert line.date == row.date
        assert line.type == row.type
        assert (line.debit is None) == (row.kind == "credit")
    debit = sum((r.signed for r in inside if r.kind == "debit"), Decimal(0))
    credit = -sum((r.signed for r in inside if r.kind == "credit"), Decimal(0))
    assert (st.total_debit.amount, st.total_credit.amount) == (debit, credit)
    closing = _sum([r for r in raw if r.date <= period.end])
    assert st.closing_balance.amount == closing
    assert opening + debit - credit == closing


@pytest.mark.parametrize("period", PERIODS, ids=str)
def test_documents_mode_sums_the_other_postings_of_a_day(ledger: Any, period: Period) -> None:
    container, cid, _made = ledger
    raw = [r for r in posted_rows(container, cid) if period.start <= r.date <= period.end]
    st = _read(container, cid, period, StatementMode.DOCUMENTS)
    whole = _read(container, cid, period, StatementMode.TRANSACTIONS)
    assert st.opening_balance == whole.opening_balance
    assert st.closing_balance == whole.closing_balance
    assert (st.total_debit, st.total_credit) == (whole.total_debit, whole.total_credit)
    by_id = {r.id: r for r in raw}
    listed = sorted(i for line in st.lines for i in line.transaction_ids)
    assert listed == sorted(by_id)  # every posting once, on one line
    running = st.opening_balance.amount
    for line in st.lines:
        parts = [by_id[i] for i in line.transaction_ids]
        running += _sum(parts)
        assert line.balance.amount == running
        assert line.amount.amount == _sum(parts)
        assert {p.date for p in parts} == {line.date}
        assert len({p.kind for p in parts}) == 1
        if line.type == OTHER:
            assert line.label in ("Other debits", "Other credits")
            others = [
                r for r in raw
                if r.date == line.date and r.kind == parts[0].kind and r.id in _other_ids(st)
            ]  # fmt: skip
            assert sorted(p.id for p in parts) == sorted(r.id for r in others)
        else:
            assert len(parts) == 1
    assert running == st.closing_balance.amount


def _other_ids(st: Statement) -> set[int]:
    return {i for line in st.lines if line.type == OTHER for i in line.transaction_ids}


def test_what_documents_mode_lists_one_by_one(ledger: Any) -> None:
    container, cid, made = ledger
    st = _read(container, cid, Period(date(2025, 1, 1), date(2025, 3, 31)), StatementMode.DOCUMENTS)
    own = [(line.date.isoformat(), line.type, line.document_number, line.reference)
           for line in st.lines if line.type != OTHER]  # fmt: skip
    invoice, voided, note = made["invoice"], made["voided"], made["note"]
    assert own == [
        ("2025-01-05", "invoice", invoice["number"], invoice["number"]),
        ("2025-01-15", "payment", None, "BANK-1"),
        ("2025-01-20", "chargeback", None, "BANK-1"),
        ("2025-02-01", "invoice", voided["number"], voided["number"]),
        ("2025-02-03", "adjustment", voided["number"], voided["number"]),  # the void
        ("2025-02-05", "credit_note", note["number"], note["number"]),
        ("2025-02-11", "payment", None, "BANK-2"),
        ("2025-02-12", "refund", None, "REFUND-1"),
        ("2025-02-25", "payment", None, "DD-7"),
    ]
    others = [(line.date.isoformat(), line.label, str(line.amount.amount))
              for line in st.lines if line.type == OTHER]  # fmt: skip
    assert others == [
        ("2025-01-02", "Other debits", "2.50"),
        ("2025-01-10", "Other debits", "25.00"),
        ("2025-02-10", "Other credits", "-10.00"),
        ("2025-02-26", "Other debits", "4.00"),
        ("2025-03-01", "Other debits", "11.00"),
        ("2025-03-02", "Other credits", "-11.00"),
    ]


def test_pending_payments_and_unbilled_lines_are_not_on_a_statement(ledger: Any) -> None:
    container, cid, made = ledger
    st = _read(
        container, cid, Period(date(2025, 2, 1), date(2025, 2, 28)), StatementMode.TRANSACTIONS
    )
    ids = {i for line in st.lines for i in line.transaction_ids}
    assert made["pending"]["id"] not in ids
    labels = [line.label for line in st.lines]
    assert "Waiting" not in labels
    assert [line.amount.amount for line in st.lines if line.type == "payment"] == [
        Decimal("-300.00"),
        Decimal("-25.00"),
    ]  # the confirmed direct debit, on the day it was confirmed; not the failed one


def test_the_closing_balance_is_the_balance_as_of_the_last_day(ledger: Any) -> None:
    container, cid, _made = ledger
    day = date(2024, 12, 30)
    while day <= date(2025, 3, 5):
        st = _read(container, cid, Period(day, day), StatementMode.DOCUMENTS)
        with container.uow(actor="test", write=False) as uow:
            assert st.closing_balance == uow.balances.as_of(cid, day).balance
            before = uow.balances.as_of(cid, day - timedelta(days=1)).balance
        assert st.opening_balance == before
        day += timedelta(days=1)


def test_a_past_statement_reads_the_same_after_later_postings(api: Any) -> None:
    book = StatementBook(api)
    cid = book.customer()
    book.invoice(cid, "10.00", "2025-01-05")
    period = Period(date(2025, 1, 1), date(2025, 1, 31))
    first = _read(api.container, cid, period, StatementMode.TRANSACTIONS)
    book.pay(cid, "12.00", "2025-02-02")
    book.posted(cid, "debit", "charge", "3.00", "2025-02-03")
    assert _read(api.container, cid, period, StatementMode.TRANSACTIONS) == first
    assert first.closing_balance.amount == Decimal("12.00")


def test_an_empty_customer_has_an_empty_statement(api: Any) -> None:
    cid = StatementBook(api).customer(currency="JPY")
    st = _read(
        api.container, cid, Period(date(2025, 1, 1), date(2025, 1, 31)), StatementMode.DOCUMENTS
    )
    assert st.lines == ()
    assert str(st.opening_balance) == str(st.closing_balance) == "0"
    assert st.currency == "JPY"
    assert (st.customer_name, st.external_ref) == ("Statement Ltd", None)
