"""The balance report of the dashboard, on both databases: every figure checked against a
ledger the test keeps by hand from the operations it makes (SPEC §1, §2, §12, §16).

Each operation goes through the use cases, one committed unit of work each, on the day it is
made (`on`), with the value date it carries (`day`), so that payments are backdated across
months, pending payments are confirmed or failed later, and charges are reversed in another
month. Alongside, the test writes down what each operation posts (customer, value date, signed
amount) and what awaits the bank, and computes the expected report from that list alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import books
import pytest
from sqlalchemy import event

from solde.bootstrap import Container
from solde.ledger import reports
from solde.ledger import usecases as ledger
from solde.ledger.reports import BalanceReport
from solde.settlement import usecases as settlement

ON = date(2026, 3, 10)
#: The month ends of a 12-month report on ON, written out by hand.
MONTH_ENDS = (
    date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 31),
    date(2025, 8, 31), date(2025, 9, 30), date(2025, 10, 31), date(2025, 11, 30),
    date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), ON,
)  # fmt: skip


@dataclass
class Ledger:
    """What the test expects, written down operation by operation."""

    currency: dict[int, str] = field(default_factory=dict)  # customer -> currency
    posted: list[tuple[int, date, Decimal]] = field(default_factory=list)  # signed: + owes
    pending: dict[int, tuple[int, Decimal]] = field(default_factory=dict)  # id -> customer, signed

    def balance(self, customer: int, end: date = date.max) -> Decimal:
        return sum((a for c, d, a in self.posted if c == customer and d <= end), Decimal(0))

    def summary(self, currency: str, days: tuple[date, ...]) -> dict[str, Any]:
        """The report's figures for one currency, computed from the operations alone."""
        ids = [c for c, cur in self.currency.items() if cur == currency]
        balances = [self.balance(c) for c in ids]
        awaiting = [a for c, a in self.pending.values() if c in ids]
        return {
            "customers": len(ids),
            "owing": sum(1 for b in balances if b > 0),
            "in_credit": sum(1 for b in balances if b < 0),
            "settled": sum(1 for b in balances if b == 0),
            "owed": sum((b for b in balances if b > 0), Decimal(0)),
            "credit": sum((b for b in balances if b < 0), Decimal(0)),
            "balance": sum(balances, Decimal(0)),
            "awaiting_confirmation": sum(awaiting, Decimal(0)),
            "history": [(d, sum((self.balance(c, d) for c in ids), Decimal(0))) for d in days],
        }


class Book(books.Book):
    """Drives the use cases and keeps the `Ledger` of what they should have done."""

    def __init__(self, container: Container) -> None:
        super().__init__(container)
        self.expected = Ledger()

    def open(self, currency: str, **billing: object) -> int:
        values = {"name": f"Customer in {currency}", "currency": currency, "billing": billing}
        customer = int(self(ledger.create_customer, values).id)
        self.expected.currency[customer] = currency
        return customer

    def line(
        self, customer: int, kind: str, price: str, day: date, on: date, *, tax: str = "0",
        gross: str | None = None, post: bool = True,
    ) -> int:  # fmt: skip
        """A line of `price` excluding tax; `gross` is what it adds or takes, worked out by
        hand when there is tax."""
        values = {
            "kind": kind,
            "type": "charge" if kind == "debit" else "adjustment",
            "label": "line",
            "unit_price": price,
            "tax_rate": tax,
            "date": day.isoformat(),
            "bill_on_next_invoice": not post,
        }
        tx_id = int(self(settlement.add_entry, customer, values, on=on).id)
        if post:
            sign = 1 if kind == "debit" else -1
            self.expected.posted.append((customer, day, sign * Decimal(gross or price)))
        return tx_id

    def pay(self, customer: int, amount: str, day: date, on: date, *, pending: bool = False) -> int:
        """A payment (positive) or a refund (negative): `-amount` on the balance."""
        values: dict[str, object] = {"amount": amount, "method": "card", "date": day.isoformat()}
        if pending:
            values["status"] = "pending"
        tx_id = int(self(settlement.record_payment, customer, values, on=on).id)
        if pending:
            self.expected.pending[tx_id] = (customer, -Decimal(amount))
        else:
            self.expected.posted.append((customer, day, -Decimal(amount)))
        return tx_id

    def confirm(self, payment: int, day: date, on: date) -> None:
        self(settlement.confirm_payment, payment, {"date": day.isoformat()}, on=on)
        customer, signed = self.expected.pending.pop(payment)
        self.expected.posted.append((customer, day, signed))  # dated the confirmation

    def fail(self, payment: int, day: date, on: date, fee: str) -> None:
        values = {"date": day.isoformat(), "fee": fee, "reason": "refused"}
        self(settlement.fail_payment, payment, values, on=on)
        customer, _signed = self.expected.pending.pop(payment)
        self.expected.posted.append((customer, day, Decimal(fee)))

    def chargeback(
        self, customer: int, payment: int, amount: str, fee: str, day: date, on: date
    ) -> None:
        values = {"amount": amount, "fee": fee, "date": day.isoformat()}
        self(settlement.chargeback, payment, values, on=on)
        self.expected.posted.append((customer, day, Decimal(amount)))
        self.expected.posted.append((customer, day, Decimal(fee)))

    def reverse(self, customer: int, tx_id: int, signed: str, day: date, on: date) -> None:
        """Reverse a transaction whose signed effect was `signed`."""
        self(settlement.reverse, tx_id, {"date": day.isoformat()}, on=on)
        self.expected.posted.append((customer, day, -Decimal(signed)))

    def settle(self, customer: int, on: date) -> None:
        self(settlement.settle, customer, on=on)  # settlement never changes a balance

    def report(self, on: date = ON, months: int = 12) -> BalanceReport:
        with self.container.uow(actor="test", write=False) as uow:
            return reports.balance_report(uow, on=on, months=months)


def figures(report: BalanceReport) -> dict[str, dict[str, Any]]:
    """The report as plain values, with every amount checked to be in its currency."""
    found: dict[str, dict[str, Any]] = {}
    for s in report.currencies:
        amounts = [s.owed, s.credit, s.balance, s.awaiting_confirmation]
        amounts += [net for _day, net in s.history]
        assert {m.currency for m in amounts} == {s.currency}
        found[s.currency] = {
            "customers": s.customers,
            "owing": s.owing,
            "in_credit": s.in_credit,
            "settled": s.settled,
            "owed": s.owed.amount,
            "credit": s.credit.amount,
            "balance": s.balance.amount,
            "awaiting_confirmation": s.awaiting_confirmation.amount,
            "history": [(day, net.amount) for day, net in s.history],
        }
    return found


@pytest.fixture
def book(container: Container) -> Book:
    """Customers in EUR, USD and JPY with a year of operations, ending on ON."""
    b = Book(container)
    # -- EUR ------------------------------------------------------------------------------------
    ada = b.open("EUR")  # owes: a charge with tax, a backdated part payment, an unbilled line
    b.line(ada, "debit", "100.00", date(2025, 10, 15), date(2025, 10, 15), tax="20", gross="120.00")
    b.pay(ada, "60.00", date(2025, 11, 3), date(2025, 12, 2))  # recorded a month late
    b.line(ada, "credit", "0.05", date(2026, 1, 31), date(2026, 2, 1))  # on a month end
    b.line(ada, "debit", "99.00", date(2026, 3, 1), date(2026, 3, 1), post=False)  # unbilled
    bob = b.open("EUR", auto_settlement=False)  # in credit, a refund, a payment awaiting
    b.pay(bob, "200.00", date(2025, 12, 1), date(2025, 12, 1))
    b.line(bob, "debit", "35.00", date(2025, 12, 20), date(2025, 12, 20))
    b.settle(bob, date(2026, 1, 5))
    b.pay(bob, "-50.00", date(2026, 1, 10), date(2026, 1, 10))  # a refund of credit
    b.pay(bob, "30.00", date(2026, 3, 12), ON, pending=True)  # direct debit due later
    b.open("EUR")  # no transaction at all: settled
    dan = b.open("EUR")  # a charge reversed the month after: settled again
    charge = b.line(dan, "debit", "40.00", date(2025, 12, 20), date(2025, 12, 20))
    b.reverse(dan, charge, "40.00", date(2026, 2, 2), date(2026, 2, 2))
    # -- USD ------------------------------------------------------------------------------------
    eve = b.open("USD")  # a charge on a month end, paid the next day; a payment confirmed later
    b.line(eve, "debit", "500.00", date(2025, 6, 30), date(2025, 6, 30))
    b.pay(eve, "125.50", date(2025, 7, 1), date(2025, 7, 1))
    pending = b.pay(eve, "10.00", date(2026, 2, 25), date(2026, 2, 25), pending=True)
    b.confirm(pending, date(2026, 3, 2), date(2026, 3, 2))  # counts from the confirmation
    fay = b.open("USD")  # a payment backdated six months, then partly charged back
    payment = b.pay(fay, "80.00", date(2025, 9, 15), date(2026, 3, 5))
    b.chargeback(fay, payment, "30.00", "5.00", date(2026, 3, 6), date(2026, 3, 6))
    gus = b.open("USD")  # a refund awaiting the bank: positive awaiting
    b.pay(gus, "45.00", date(2026, 1, 20), date(2026, 1, 20))
    b.pay(gus, "-15.00", date(2026, 3, 9), date(2026, 3, 9), pending=True)
    # -- JPY (no decimals) -----------------------------------------------------------------------
    hal = b.open("JPY")  # before the first month end of the history, and a payment since
    b.line(hal, "debit", "12000", date(2025, 3, 15), date(2025, 3, 15))
    b.pay(hal, "5000", date(2026, 2, 10), date(2026, 2, 10))
    ivy = b.open("JPY")  # a pending payment that fails, with a fee
    b.pay(ivy, "3000", date(2025, 8, 1), date(2025, 8, 1))
    failed = b.pay(ivy, "700", date(2026, 3, 3), date(2026, 3, 3), pending=True)
    b.fail(failed, date(2026, 3, 4), date(2026, 3, 4), fee="100")
    return b


def test_every_figure_is_what_the_operations_add_up_to(book: Book) -> None:
    report = book.report()

    assert report.as_of == ON
    assert [s.currency for s in report.currencies] == ["EUR", "JPY", "USD"]
    found = figures(report)
    for currency in ("EUR", "JPY", "USD"):
        assert found[currency] == book.expected.summary(currency, MONTH_ENDS), currency


def test_the_figures_written_out(book: Book) -> None:
    """The same report, its numbers worked out by hand, as a reader would check them."""
    found = figures(book.report())
    eur, usd, jpy = found["EUR"], found["USD"], found["JPY"]
    # Ada 120 - 60 - 0.05 = 59.95; Bob -200 + 35 + 50 = -115; Cal 0; Dan 40 - 40 = 0
    assert (eur["customers"], eur["owing"], eur["in_credit"], eur["settled"]) == (4, 1, 1, 2)
    assert (eur["owed"], eur["credit"], eur["balance"]) == (
        Decimal("59.95"),
        Decimal("-115.00"),
        Decimal("-55.05"),
    )
    assert eur["awaiting_confirmation"] == Decimal("-30.00")
    assert eur["history"][:6] == [(day, Decimal("0.00")) for day in MONTH_ENDS[:6]]  # before any
    assert eur["history"][6:] == [
        (date(2025, 10, 31), Decimal("120.00")),
        (date(2025, 11, 30), Decimal("60.00")),  # the payment recorded in December counts
        (date(2025, 12, 31), Decimal("-65.00")),  # 60 - 200 + 35 + Dan's 40
        (date(2026, 1, 31), Decimal("-15.05")),  # + 50 refunded, - 0.05 credited on the 31st
        (date(2026, 2, 28), Decimal("-55.05")),  # Dan's charge reversed
        (ON, Decimal("-55.05")),  # the pending payment of Bob is not in
    ]
    # Eve 500 - 125.50 - 10 = 364.50; Fay -80 + 30 + 5 = -45; Gus -45 (refund pending)
    assert (usd["customers"], usd["owing"], usd["in_credit"], usd["settled"]) == (3, 1, 2, 0)
    assert (usd["owed"], usd["credit"], usd["balance"]) == (
        Decimal("364.50"),
        Decimal("-90.00"),
        Decimal("274.50"),
    )
    assert usd["awaiting_confirmation"] == Decimal("15.00")
    assert usd["history"][1:5] == [
        (date(2025, 5, 31), Decimal("0.00")),
        (date(2025, 6, 30), Decimal("500.00")),  # dated the month end itself
        (date(2025, 7, 31), Decimal("374.50")),
        (date(2025, 8, 31), Decimal("374.50")),
    ]
    assert usd["history"][-3:] == [
        (date(2026, 1, 31), Decimal("249.50")),  # 374.50 - 80 (backdated to September) - 45
        (date(2026, 2, 28), Decimal("249.50")),  # the pending payment is not in yet
        (ON, Decimal("274.50")),
    ]
    # Hal 12000 - 5000; Ivy -3000 + 100 fee
    assert (jpy["owed"], jpy["credit"], jpy["balance"]) == (
        Decimal(7000),
        Decimal(-2900),
        Decimal(4100),
    )
    assert jpy["awaiting_confirmation"] == Decimal(0)
    assert jpy["history"][0] == (date(2025, 4, 30), Decimal(12000))
    assert jpy["history"][4] == (date(2025, 8, 31), Decimal(9000))
    assert jpy["history"][-2:] == [(date(2026, 2, 28), Decimal(4000)), (ON, Decimal(4100))]


def test_history_is_the_sum_of_the_balance_cards_as_of_each_day(book: Book) -> None:
    report = book.report(months=36)
    with book.container.uow(actor="test", write=False) as uow:
        for s in report.currencies:
            ids = [c for c, cur in book.expected.currency.items() if cur == s.currency]
            for day, net in s.history:
                cards = [ledger.get_balance(uow, c, as_of=day).balance.amount for c in ids]
                assert net.amount == sum(cards, Decimal(0)), (s.currency, day)


@pytest.mark.parametrize("months", [1, 2, 36])
def test_the_number_of_points_follows_months(book: Book, months: int) -> None:
    days = reports.month_ends(ON, months)
    found = figures(book.report(months=months))
    for currency, figs in found.items():
        assert figs == book.expected.summary(currency, days)
        assert len(figs["history"]) == months
        assert figs["history"][-1] == (ON, figs["balance"])


def test_a_report_on_a_past_day_dates_its_history_from_that_day(book: Book) -> None:
    """The history follows `on`; today's figures are those of the aggregates."""
    day = date(2026, 1, 15)
    days = (date(2025, 11, 30), date(2025, 12, 31), day)
    report = book.report(on=day, months=3)
    assert report.as_of == day
    for currency, figs in figures(report).items():
        assert figs["history"] == book.expected.summary(currency, days)["history"]


def test_customers_without_transactions_are_settled_and_their_history_is_zero(
    container: Container,
) -> None:
    b = Book(container)
    for _ in range(3):
        b.open("KWD")
    (kwd,) = b.report().currencies
    assert (kwd.currency, kwd.customers, kwd.owing, kwd.in_credit, kwd.settled) == (
        "KWD",
        3,
        0,
        0,
        3,
    )
    assert {str(m) for m in (kwd.owed, kwd.credit, kwd.balance, kwd.awaiting_confirmation)} == {
        "0.000"
    }
    assert [(d, str(m)) for d, m in kwd.history] == [(d, "0.000") for d in MONTH_ENDS]


def test_an_empty_book_has_no_currency(container: Container) -> None:
    report = Book(container).report()
    assert report == BalanceReport(as_of=ON, currencies=())


def test_history_answers_for_days_in_any_order(book: Book) -> None:
    days = [ON, date(2025, 6, 30), date(2025, 6, 29), date(2026, 1, 31)]
    with book.container.uow(actor="test", write=False) as uow:
        history = uow.balances.history(days)
    expected: dict[str, list[Decimal]] = defaultdict(list)
    for currency in ("EUR", "JPY", "USD"):
        ids = [c for c, cur in book.expected.currency.items() if cur == currency]
        for d in days:
            expected[currency].append(sum((book.expected.balance(c, d) for c in ids), Decimal(0)))
    assert {c: [m.amount for m in amounts] for c, amounts in history.items()} == expected


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_history_reads_the_index_of_posted_transactions_by_date(book: Book) -> None:
    """The query names the posted states as the partial index does (not as bound parameters),
    so SQLite reads that index alone, from the earliest day on, instead of every transaction."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        statements.append((statement, parameters))

    engine = book.container.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        with book.container.uow(actor="test", write=False) as uow:
            uow.balances.history(MONTH_ENDS)
            ((statement, parameters),) = [s for s in statements if "transactions" in s[0]]
            plan = uow.connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            details = " | ".join(str(row[-1]) for row in plan)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    # (SQLite says INDEX, not COVERING INDEX, as the index lacks `state`; the term its
    # condition implies is dropped, so no transaction row is read.)
    assert "SEARCH transactions USING INDEX ix_transactions_date_currency_kind_amount" in details
    assert "SCAN transactions" not in details
