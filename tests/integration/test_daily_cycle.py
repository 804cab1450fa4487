"""The daily cycle on both databases (SPEC §10): the first cycle runs its date alone, missed days
are caught up one by one oldest first, a date runs once, an interrupted date is taken up again
without billing twice, overdue invoices are reported, and a simulation changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from billbook import BillBook, check_books
from sqlalchemy import select

from solde.bootstrap import Container
from solde.daily import DayReport, run_daily, simulate
from solde.runs import run_billing
from solde.storage.tables import billing_runs, daily_cycles

D = date


@pytest.fixture
def book(container: Container) -> BillBook:
    return BillBook(container)


def _daily(book: BillBook, up_to: date) -> list[DayReport]:
    return run_daily(book.container, up_to=up_to, actor="test")


def _cycles(book: BillBook) -> list[tuple[date, str]]:
    with book.container.engine.connect() as connection:
        rows = connection.execute(
            select(daily_cycles.c.date, daily_cycles.c.status).order_by(daily_cycles.c.date)
        )
        return [(r.date, r.status) for r in rows]


def _run_dates(book: BillBook) -> list[date]:
    with book.container.engine.connect() as connection:
        query = select(billing_runs.c.date).order_by(billing_runs.c.id)
        return list(connection.execute(query).scalars())


def _monthly(book: BillBook, billing_day: int, start: date, price: str = "60.00") -> int:
    customer = book.customer(billing_day=billing_day)
    book.service(customer, price, start)
    return customer


def test_the_first_cycle_runs_its_date_alone(book: BillBook) -> None:
    first = _monthly(book, 1, D(2026, 5, 1))
    third = _monthly(book, 3, D(2026, 5, 3))

    reports = _daily(book, D(2026, 5, 3))

    assert [r.date for r in reports] == [D(2026, 5, 3)]
    assert (reports[0].invoiced, reports[0].already_done) == (1, False)
    assert book.documents_of(first) == []  # 1 May is before the first cycle: not caught up
    assert book.only_invoice(third).document_date == D(2026, 5, 3)
    assert _cycles(book) == [(D(2026, 5, 3), "completed")]
    assert _run_dates(book) == [D(2026, 5, 3)]
    check_books(book.container)


def test_missed_days_are_caught_up_once_each_oldest_first(book: BillBook) -> None:
    customers = {day: _monthly(book, day, D(2026, 5, day)) for day in (1, 2, 3)}
    _daily(book, D(2026, 4, 30))

    reports = _daily(book, D(2026, 5, 3))

    assert [r.date for r in reports] == [D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)]
    assert [(r.invoiced, r.already_done) for r in reports] == [(1, False)] * 3
    assert _run_dates(book) == [D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)]
    invoices = [book.only_invoice(customers[day]) for day in (1, 2, 3)]
    assert [i.document_date for i in invoices] == [D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)]
    assert [i.number for i in invoices] == ["202601000001", "202601000002", "202601000003"]
    assert [i.total.amount for i in invoices] == [Decimal("60.00")] * 3
    assert [r.run_id for r in reports] == sorted(r.run_id for r in reports)  # type: ignore[type-var]

    again = _daily(book, D(2026, 5, 3))

    assert [(r.date, r.already_done, r.run_id) for r in again] == [(D(2026, 5, 3), True, None)]
    assert _run_dates(book) == [D(2026, 4, 30), D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)]
    assert [len(book.invoices(c)) for c in customers.values()] == [1, 1, 1]
    # a date long done is not run again either
    assert [(r.date, r.already_done) for r in _daily(book, D(2026, 5, 2))] == [
        (D(2026, 5, 2), True)
    ]
    assert all(status == "completed" for _, status in _cycles(book))
    check_books(book.container)


def test_a_cycle_interrupted_after_its_billing_is_taken_up_without_billing_twice(
    book: BillBook,
) -> None:
    customer = _monthly(book, 1, D(2026, 5, 1))
    _daily(book, D(2026, 4, 30))
    # the cycle of 1 May started and billed, then stopped before it completed
    with book.container.uow(actor="test") as uow:
        uow.cycles.start(D(2026, 5, 1))
        uow.commit()
    billed = run_billing(book.container, {"date": "2026-05-01"}, actor="test", on=D(2026, 5, 1))
    assert _cycles(book)[-1] == (D(2026, 5, 1), "running")

    [report] = _daily(book, D(2026, 5, 1))

    assert (report.date, report.run_id, report.invoiced) == (D(2026, 5, 1), billed.id, 1)
    assert len(book.invoices(customer)) == 1
    assert _run_dates(book) == [D(2026, 4, 30), D(2026, 5, 1)]
    assert _cycles(book)[-1] == (D(2026, 5, 1), "completed")
    check_books(book.container)


def test_an_interrupted_date_and_the_days_after_it_are_caught_up(book: BillBook) -> None:
    second = _monthly(book, 2, D(2026, 5, 2))
    # the very first cycle (1 May) stopped before it completed; two days later the scheduler
    # runs again: 1 May is taken up, and 2 May, which the history now covers, is not skipped
    with book.container.uow(actor="test") as uow:
        uow.cycles.start(D(2026, 5, 1))
        uow.commit()

    reports = _daily(book, D(2026, 5, 3))

    days = [r.date for r in reports]
    assert days == [D(2026, 5, 1), D(2026, 5, 2), D(2026, 5, 3)], (
        f"after an interrupted first cycle of 1 May, the cycle of 3 May ran {days}: 2 May was "
        "never run, so the customer billed on the 2nd got no invoice"
    )
    assert len(book.invoices(second)) == 1


def test_invoices_overdue_on_a_date_are_reported(book: BillBook) -> None:
    late = _monthly(book, 1, D(2026, 5, 1))
    payer = _monthly(book, 1, D(2026, 5, 1))
    _daily(book, D(2026, 4, 30))
    _daily(book, D(2026, 5, 1))  # due 1 May + 14 days = 15 May
    book.pay(payer, "60.00", on=D(2026, 5, 10))

    reports = {r.date: r for r in _daily(book, D(2026, 5, 17))}

    unpaid = book.only_invoice(late)
    assert unpaid.due_date == D(2026, 5, 15)
    assert reports[D(2026, 5, 15)].overdue_invoices == []  # due today: not late yet
    assert reports[D(2026, 5, 16)].overdue_invoices == [unpaid.id]
    assert reports[D(2026, 5, 17)].overdue_invoices == []  # reported once, the day it turns
    assert all(r.overdue_invoices == [] for d, r in reports.items() if d != D(2026, 5, 16))
    assert reports[D(2026, 5, 16)].summary()["overdue_invoices"] == [unpaid.id]
    check_books(book.container)


def test_a_simulation_reports_a_month_and_changes_nothing(book: BillBook) -> None:
    first = _monthly(book, 1, D(2026, 5, 1))
    fifteenth = _monthly(book, 15, D(2026, 5, 15), price="45.00")
    _daily(book, D(2026, 5, 1))  # 1 May: 60.00 for the first customer
    before = book.counts()

    reports = simulate(book.container, start=D(2026, 5, 2), end=D(2026, 6, 1))

    assert [r.date for r in reports] == [D(2026, 5, 2) + timedelta(days=k) for k in range(31)]
    found = {r.date: r.invoices for r in reports if r.invoices}
    assert found == {
        # 15 May–14 June: 45.00
        D(2026, 5, 15): [
            {
                "customer_id": fifteenth,
                "document_id": found[D(2026, 5, 15)][0]["document_id"],
                "number": "202601000002",
                "total": "45.00",
                "currency": "EUR",
            }
        ],
        # June: 60.00
        D(2026, 6, 1): [
            {
                "customer_id": first,
                "document_id": found[D(2026, 6, 1)][0]["document_id"],
                "number": "202601000003",
                "total": "60.00",
                "currency": "EUR",
            }
        ],
    }
    assert sum(r.invoiced for r in reports) == 2
    # the real books are as they were: documents, transactions, runs, cycles, billed_through
    assert book.counts() == before
    assert book.documents_of(fifteenth) == []
    assert _cycles(book) == [(D(2026, 5, 1), "completed")]

    # and the real cycle then does what was simulated
    real = {r.date: r for r in _daily(book, D(2026, 6, 1))}
    assert [(d, r.invoiced) for d, r in real.items() if r.invoiced] == [
        (D(2026, 5, 15), 1),
        (D(2026, 6, 1), 1),
    ]
    assert book.only_invoice(fifteenth).number == "202601000002"
    assert book.only_invoice(fifteenth).total.amount == Decimal("45.00")
    assert book.invoices(first)[-1].number == "202601000003"
    check_books(book.container)
