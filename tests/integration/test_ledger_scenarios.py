"""Stories a finance team relies on, through the service layer, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import books
import pytest

from solde.bootstrap import Container, is_timezone
from solde.domain.errors import InsufficientCredit, PeriodLocked
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement

ON = books.ON


class Book(books.Book):
    """`books.Book`, with charges and payments."""

    def charge(self, customer: int, price: str, day: date, on: date = ON) -> int:
        values = {
            "kind": "debit",
            "type": "charge",
            "label": "charge",
            "unit_price": price,
            "date": day.isoformat(),
            "bill_on_next_invoice": False,
        }
        return int(self(settlement.add_entry, customer, values, on=on).id)

    def pay(self, customer: int, amount: str, day: date, on: date = ON) -> int:
        values = {"amount": amount, "method": "card", "date": day.isoformat()}
        return int(self(settlement.record_payment, customer, values, on=on).id)

    def card(self, customer: int, as_of: date = ON) -> tuple[Decimal, Decimal, Decimal]:
        with self.container.uow(actor="test", write=False) as uow:
            b = ledger.get_balance(uow, customer, as_of=as_of)
        return b.balance.amount, b.debit.amount, b.credit.amount


@pytest.fixture
def book(container: Container) -> Book:
    return Book(container)


def test_payment_settles_standalone_debits_oldest_first_and_keeps_the_rest_as_credit(
    book: Book,
) -> None:
    customer = book.customer()
    newer = book.charge(customer, "30.00", ON - timedelta(days=1))
    older = book.charge(customer, "80.00", ON - timedelta(days=5))
    book.pay(customer, "80.00", ON)
    assert book.open_amount(older) == Decimal("0.00")
    assert book.open_amount(newer) == Decimal("30.00")
    payment = book.pay(customer, "50.00", ON)
    assert book.open_amount(newer) == Decimal("0.00")
    assert book.open_amount(payment) == Decimal("20.00")
    assert book.card(customer) == (Decimal("-20.00"), Decimal("0.00"), Decimal("-20.00"))


def test_without_automatic_settlement_items_stay_open_until_settled(book: Book) -> None:
    customer = book.customer(auto_settlement=False)
    charge = book.charge(customer, "40.00", ON - timedelta(days=2))
    payment = book.pay(customer, "25.00", ON)
    assert book.card(customer) == (Decimal("15.00"), Decimal("40.00"), Decimal("-25.00"))
    made = book(settlement.settle, customer, on=ON)
    assert [a.amount.amount for a in made] == [Decimal("25.00")]
    assert book.open_amount(charge) == Decimal("15.00")
    assert book.open_amount(payment) == Decimal("0.00")
    assert book.card(customer) == (Decimal("15.00"), Decimal("15.00"), Decimal("0.00"))


def test_a_past_balance_shows_what_was_owed_and_settled_by_then(book: Book) -> None:
    """Transactions count from their date; a settlement from the day it was made."""
    customer = book.customer()
    book.charge(customer, "100.00", date(2026, 3, 1), on=date(2026, 3, 1))
    book.pay(customer, "60.00", date(2026, 3, 5), on=date(2026, 3, 5))
    book.charge(customer, "10.00", date(2026, 3, 8), on=date(2026, 3, 9))  # entered late
    assert book.card(customer, date(2026, 2, 28)) == (Decimal(0), Decimal(0), Decimal(0))
    assert book.card(customer, date(2026, 3, 1)) == (
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("0.00"),
    )
    assert book.card(customer, date(2026, 3, 5)) == (
        Decimal("40.00"),
        Decimal("40.00"),
        Decimal("0.00"),
    )
    assert book.card(customer, date(2026, 3, 8)) == (
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("0.00"),
    )
    assert book.card(customer, date(2026, 3, 9)) == book.card(customer, ON)


def test_settling_today_never_changes_what_an_earlier_day_showed(book: Book) -> None:
    customer = book.customer(auto_settlement=False)
    book.charge(customer, "50.00", date(2026, 2, 18), on=date(2026, 2, 18))
    book.pay(customer, "50.00", date(2026, 2, 18), on=date(2026, 2, 18))
    before = book.card(customer, date(2026, 3, 4))
    assert before == (Decimal("0.00"), Decimal("50.00"), Decimal("-50.00"))
    (made,) = book(settlement.settle, customer, on=ON)
    assert made.date == ON
    assert book.card(customer, date(2026, 3, 4)) == before
    assert book.card(customer, ON) == (Decimal(0), Decimal(0), Decimal(0))


def test_a_chargeback_reopens_what_the_payment_paid_from_its_own_day(book: Book) -> None:
    customer = book.customer()
    charge = book.charge(customer, "50.00", date(2026, 3, 2), on=date(2026, 3, 2))
    payment = book.pay(customer, "50.00", date(2026, 3, 3), on=date(2026, 3, 3))
    chargeback = book(settlement.chargeback, payment, {"date": "2026-03-07", "fee": "5.00"}, on=ON)
    assert chargeback.amount.amount == Decimal("50.00")
    assert book.open_amount(charge) == Decimal("50.00")
    assert book.open_amount(payment) == Decimal("0.00")
    # Before the chargeback the payment had paid the charge; from its day, the chargeback and
    # its fee are owed; the charge reopens on the day the chargeback is entered.
    assert book.card(customer, date(2026, 3, 6)) == (Decimal(0), Decimal(0), Decimal(0))
    assert book.card(customer, date(2026, 3, 7)) == (
        Decimal("55.00"),
        Decimal("55.00"),
        Decimal("0.00"),
    )


def test_the_lock_date_closes_a_period_for_postings_and_later_settlement(book: Book) -> None:
    customer = book.customer(auto_settlement=False)
    charge = book.charge(customer, "70.00", date(2026, 2, 20), on=date(2026, 2, 25))
    payment = book.pay(customer, "70.00", date(2026, 2, 22), on=date(2026, 2, 25))
    book(ledger.update_settings, {"lock_date": "2026-02-28"}, is_timezone=is_timezone, on=ON)
    february = book.card(customer, date(2026, 2, 28))
    with pytest.raises(PeriodLocked):
        book.charge(customer, "1.00", date(2026, 2, 27))
    with pytest.raises(PeriodLocked):
        book(settlement.reverse, charge, {"date": "2026-02-27"}, on=ON)
    (made,) = book(settlement.settle, customer, on=ON)
    assert made.date == ON
    assert book.card(customer, date(2026, 2, 28)) == february
    assert book.card(customer, ON) == (Decimal(0), Decimal(0), Decimal(0))
    assert book.open_amount(payment) == Decimal("0.00")


def test_a_refund_pays_back_credit_only_up_to_what_is_available(book: Book) -> None:
    customer = book.customer()
    book.pay(customer, "30.00", ON)
    pending = {"amount": "-20.00", "method": "card", "status": "pending"}
    book(settlement.record_payment, customer, pending, on=ON)
    too_much = {"amount": "-10.01", "method": "card"}
    with pytest.raises(InsufficientCredit, match=r"available credit of 10\.00 EUR"):
        book(settlement.record_payment, customer, too_much, on=ON)
    forced = {**too_much, "force": True}
    book(settlement.record_payment, customer, forced, on=ON)
    assert book.card(customer)[0] == Decimal("-19.99")
