"""Importing many lines and payments at once, through the service layer, on both databases.

An import keeps every row or none; what it keeps leaves the same balances as posting the rows
one by one through `add_entry` and `record_payment` (SPEC §4, §6, §13).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import books
import pytest
from sqlalchemy import func, select

from solde.bootstrap import Container, is_timezone
from solde.domain.errors import InvalidInput
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement
from solde.settlement.importing import ImportResult, ImportRow, RowKind, import_transactions
from solde.storage.tables import allocations, audit_log, metadata, transactions

ON = books.ON


def line(
    customer: int,
    price: str,
    day: str,
    *,
    kind: str = "debit",
    type: str = "charge",
    unbilled: bool = False,
    quantity: str = "1",
    tax_rate: str = "0",
) -> ImportRow:
    """A row holding a line, with the fields of the API's line body."""
    values = {
        "kind": kind,
        "type": type,
        "label": f"{type} of {price}",
        "date": day,
        "unit_price": price,
        "quantity": quantity,
        "tax_rate": tax_rate,
        "bill_on_next_invoice": unbilled,
    }
    return ImportRow(customer, RowKind.LINE, values)


def payment(customer: int, amount: str, day: str, **fields: object) -> ImportRow:
    """A row holding a payment (a refund when `amount` is negative), confirmed unless told."""
    values = {"amount": amount, "method": "bank_transfer", "date": day, **fields}
    return ImportRow(customer, RowKind.PAYMENT, values)


Card = tuple[Decimal, Decimal, Decimal, Decimal, int, Decimal, Decimal]


class Book(books.Book):
    """`books.Book`, with imports and what they leave behind."""

    def import_(self, rows: Sequence[ImportRow], on: date = ON) -> ImportResult:
        result: ImportResult = self(import_transactions, rows, on=on)
        return result

    def one_by_one(self, rows: Sequence[ImportRow], on: date = ON) -> list[int]:
        """Post each row on its own, as the API's line and payment endpoints do."""
        ids = []
        for row in rows:
            action = settlement.add_entry if row.kind is RowKind.LINE else settlement.record_payment
            ids.append(int(self(action, row.customer_id, row.values, on=on).id))
        return ids

    def card(self, customer: int, as_of: date = ON) -> Card:
        """Balance, debit, credit, awaiting confirmation, unbilled count, net and gross."""
        with self.container.uow(actor="test", write=False) as uow:
            b = ledger.get_balance(uow, customer, as_of=as_of)
        return (
            b.balance.amount,
            b.debit.amount,
            b.credit.amount,
            b.awaiting_confirmation.amount,
            b.unbilled.count,
            b.unbilled.net.amount,
            b.unbilled.gross.amount,
        )

    def count(self, table: Any) -> int:
        with self.container.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

    def rows(self, table: Any) -> list[Any]:
        with self.container.engine.connect() as connection:
            return list(connection.execute(select(table).order_by(*table.primary_key)))

    def everything(self) -> tuple[Any, ...]:
        """Every stored row, to show that nothing changed."""
        return tuple(tuple(self.rows(table)) for table in metadata.sorted_tables)


@pytest.fixture
def book(container: Container) -> Book:
    return Book(container)


def story(a: int, b: int, c: int) -> list[ImportRow]:
    """Three customers' rows, interleaved; `a` and `b` settle automatically, `c` does not."""
    return [
        line(a, "120.00", "2026-03-01", tax_rate="20"),  # 144.00
        payment(b, "80.00", "2026-03-02"),
        line(c, "70.00", "2026-03-01"),
        line(a, "50.00", "2026-03-03", quantity="2"),  # 100.00
        line(b, "25.00", "2026-03-04"),
        payment(c, "30.00", "2026-03-02"),
        line(a, "30.00", "2026-03-20", unbilled=True, tax_rate="20"),  # 36.00 on the invoice
        payment(b, "-40.00", "2026-03-06"),  # a refund
        line(c, "5.00", "2026-03-03", kind="credit", type="adjustment"),
        payment(a, "200.00", "2026-03-05"),
        line(b, "10.00", "2026-03-12", kind="credit", type="gift", unbilled=True),
        line(c, "12.50", "2026-03-09", unbilled=True, tax_rate="5.5"),  # 13.19 gross
        payment(a, "44.00", "2026-03-08", method="sepa_debit", status="pending"),
        payment(b, "-5.00", "2026-03-09", status="pending"),
    ]


def test_an_import_leaves_the_balances_posting_the_rows_one_by_one_leaves(book: Book) -> None:
    imported = [book.customer(), book.customer(), book.customer(auto_settlement=False)]
    posted = [book.customer(), book.customer(), book.customer(auto_settlement=False)]
    result = book.import_(story(*imported))
    one_by_one = book.one_by_one(story(*posted))

    a, b, c = imported
    assert book.card(a) == (
        Decimal("44.00"),
        Decimal("44.00"),
        Decimal("0.00"),
        Decimal("-44.00"),
        1,
        Decimal("30.00"),
        Decimal("36.00"),
    )
    assert book.card(b) == (
        Decimal("-15.00"),
        Decimal("0.00"),
        Decimal("-15.00"),
        Decimal("5.00"),
        1,
        Decimal("-10.00"),
        Decimal("-10.00"),
    )
    assert book.card(c) == (
        Decimal("35.00"),
        Decimal("70.00"),
        Decimal("-35.00"),
        Decimal("0.00"),
        1,
        Decimal("12.50"),
        Decimal("13.19"),
    )
    for mine, theirs in zip(imported, posted, strict=True):
        assert book.card(mine) == book.card(theirs)
    opens = [book.open_amount(tx) for tx in result.transaction_ids]
    assert opens == [book.open_amount(tx) for tx in one_by_one]
    assert opens[:4] == [Decimal("0.00"), Decimal("15.00"), Decimal("70.00"), Decimal("44.00")]


def test_the_result_lists_the_new_transactions_in_row_order_and_counts_what_was_kept(
    book: Book,
) -> None:
    a, b, c = book.customer(), book.customer(), book.customer(auto_settlement=False)
    rows = story(a, b, c)
    result = book.import_(rows)
    assert len(result.transaction_ids) == len(rows) == 14
    with book.container.uow(actor="test", write=False) as uow:
        kept = [ledger.get_transaction(uow, tx_id) for tx_id in result.transaction_ids]
    assert [tx.customer_id for tx in kept] == [row.customer_id for row in rows]
    assert [(tx.type.value, tx.amount.amount) for tx in kept] == [
        ("charge", Decimal("144.00")),
        ("payment", Decimal("80.00")),
        ("charge", Decimal("70.00")),
        ("charge", Decimal("100.00")),
        ("charge", Decimal("25.00")),
        ("payment", Decimal("30.00")),
        ("charge", Decimal("36.00")),
        ("refund", Decimal("40.00")),
        ("adjustment", Decimal("5.00")),
        ("payment", Decimal("200.00")),
        ("gift", Decimal("10.00")),
        ("charge", Decimal("13.19")),
        ("payment", Decimal("44.00")),
        ("refund", Decimal("5.00")),
    ]
    assert result.customers == 3
    # a's payment pays both charges; b's payment pays the charge and the refund
    assert result.allocations == 4 == book.count(allocations)
    assert {(r.credit_id, r.debit_id, r.amount) for r in book.rows(allocations)} == {
        (kept[9].id, kept[0].id, 14400),
        (kept[9].id, kept[3].id, 5600),
        (kept[1].id, kept[4].id, 2500),
        (kept[1].id, kept[7].id, 4000),
    }


def test_one_wrong_row_keeps_nothing_and_every_wrong_row_is_named(book: Book) -> None:
    customer = book.customer()
    book.one_by_one(
        [payment(customer, "20.00", "2026-03-01"), line(customer, "8.00", "2026-03-02")]
    )
    book(ledger.update_settings, {"lock_date": "2026-02-28"}, is_timezone=is_timezone, on=ON)
    before = book.everything()
    card = book.card(customer)
    rows = [
        line(customer, "10.00", "2026-03-05"),
        line(999_999, "10.00", "2026-03-05"),
        line(-4, "10.00", "2026-03-05"),
        payment(customer, "12.345", "2026-03-05"),
        line(customer, "10.00", "2026-02-30"),
        line(customer, "10.00", "2026-02-28"),
        payment(customer, "-2.01", "2026-03-06"),  # row 1 leaves 2.00 of the 12.00 credit
        payment(customer, "-2.01", "2026-03-06", force=True),
        payment(customer, "50.00", "2026-03-07"),
    ]
    with pytest.raises(InvalidInput) as refused:
        book.import_(rows)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("rows[2].customer_id", "not_found"),
        ("rows[3].customer_id", "not_found"),
        ("rows[4].amount", "too_many_decimals"),
        ("rows[5].date", "not_a_date"),
        ("rows[6].date", "period_locked"),
        ("rows[7].amount", "insufficient_credit"),
    ]
    assert book.everything() == before
    assert book.card(customer) == card

    fixed = [row for number, row in enumerate(rows, start=1) if number in (1, 8, 9)]
    result = book.import_(fixed)
    assert len(result.transaction_ids) == 3
    assert book.card(customer)[:3] == (Decimal("-49.99"), Decimal("0.00"), Decimal("-49.99"))


def test_a_refund_may_pay_back_credit_made_by_earlier_rows_of_the_same_import(
    book: Book,
) -> None:
    customer = book.customer()
    refund_first = [
        payment(customer, "-30.00", "2026-03-05"),
        payment(customer, "50.00", "2026-03-04"),
    ]
    with pytest.raises(InvalidInput) as refused:
        book.import_(refund_first)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("rows[1].amount", "insufficient_credit")
    ]
    assert book.count(transactions) == 0

    result = book.import_(list(reversed(refund_first)))
    paid, refund = result.transaction_ids
    assert book.open_amount(paid) == Decimal("20.00")
    assert book.open_amount(refund) == Decimal("0.00")
    assert book.card(customer)[:3] == (Decimal("-20.00"), Decimal("0.00"), Decimal("-20.00"))

    too_much = [payment(customer, "5.00", "2026-03-06"), payment(customer, "-25.01", "2026-03-06")]
    with pytest.raises(InvalidInput) as refused:
        book.import_(too_much)
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("rows[2].amount", "insufficient_credit")
    ]
    assert book.count(transactions) == 2


@pytest.mark.parametrize(
    ("before", "rows", "refused"),
    [
        pytest.param(
            [line(0, "100.00", "2026-03-01")],
            [payment(0, "30.00", "2026-03-04"), payment(0, "-30.00", "2026-03-05")],
            ["rows[2].amount"],
            id="a customer who still owes",
        ),
        pytest.param(
            [payment(0, "20.00", "2026-03-01")],
            [
                payment(0, "-10.00", "2026-03-04"),
                payment(0, "50.00", "2026-03-05"),
                payment(0, "-40.00", "2026-03-06"),
            ],
            [],
            id="a payment after a refund",
        ),
        pytest.param(
            [payment(0, "50.00", "2026-03-01")],
            [
                payment(0, "-10.00", "2026-03-04"),
                line(0, "45.00", "2026-03-05"),
                payment(0, "-30.00", "2026-03-06"),
            ],
            ["rows[3].amount"],
            id="a charge after a refund",
        ),
    ],
)
def test_each_refund_is_judged_on_the_credit_every_earlier_row_leaves(
    book: Book, before: list[ImportRow], rows: list[ImportRow], refused: list[str]
) -> None:
    """As `record_payment` would judge it after the earlier rows were posted one by one."""
    customer = book.customer()
    book.one_by_one([replace(row, customer_id=customer) for row in before])
    try:
        book.import_([replace(row, customer_id=customer) for row in rows])
    except InvalidInput as error:
        named = [e.field for e in error.errors]
    else:
        named = []
    assert named == refused


def test_imported_payments_settle_older_open_debits_oldest_first_on_the_import_day(
    book: Book,
) -> None:
    customer = book.customer()
    newer = book.one_by_one([line(customer, "40.00", "2026-03-01")], on=date(2026, 3, 1))[0]
    older = book.one_by_one([line(customer, "60.00", "2026-02-20")], on=date(2026, 3, 2))[0]
    result = book.import_([payment(customer, "80.00", "2026-03-05")], on=ON)
    (paid,) = result.transaction_ids
    assert result.allocations == 2
    assert book.open_amount(older) == Decimal("0.00")
    assert book.open_amount(newer) == Decimal("20.00")
    assert book.open_amount(paid) == Decimal("0.00")
    assert [(r.debit_id, r.amount, r.date, r.source) for r in book.rows(allocations)] == [
        (older, 6000, ON, "auto"),
        (newer, 2000, ON, "auto"),
    ]
    # The payment counts from its own day; what it settled, from the day of the import.
    assert book.card(customer, date(2026, 3, 9))[:3] == (
        Decimal("20.00"),
        Decimal("100.00"),
        Decimal("-80.00"),
    )
    assert book.card(customer, ON)[:3] == (Decimal("20.00"), Decimal("20.00"), Decimal("0.00"))


def test_an_empty_import_keeps_nothing(book: Book) -> None:
    book.customer()
    before = book.everything()
    assert book.import_([]) == ImportResult((), 0, 0)
    assert book.everything() == before


def test_an_import_writes_one_audit_row_per_customer(book: Book) -> None:
    a, b = book.customer(), book.customer(auto_settlement=False)
    already = book.count(audit_log)
    result = book.import_(
        [
            line(a, "10.00", "2026-03-01"),
            line(b, "20.00", "2026-03-02"),
            payment(a, "10.00", "2026-03-03"),
            line(a, "5.00", "2026-03-15", unbilled=True),
            payment(b, "7.00", "2026-03-04", status="pending"),
        ]
    )
    assert result.customers == 2
    written = sorted(book.rows(audit_log)[already:], key=lambda r: r.customer_id)
    assert [(r.action, r.actor, r.customer_id, r.object_type, r.object_id) for r in written] == [
        ("transactions.imported", "test", a, "customer", a),
        ("transactions.imported", "test", b, "customer", b),
    ]
    assert [r.details["count"] for r in written] == [3, 2]
