"""Services billed by runs on both databases (SPEC §8): the first partial period, arrears,
billing at activation, quarters, ending a service inside days billed in advance, moving the
end, and price changes. Every story ends with the ledger checks of SPEC §1, invariant 6
included (a service's days are billed once). Amounts are worked out by hand in comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from billbook import BillBook, Line, check_books, lines

from solde.bootstrap import Container
from solde.domain.errors import InvalidInput
from solde.ledger.model import Kind, State, TxType

D = date


@pytest.fixture
def book(container: Container) -> BillBook:
    return BillBook(container)


def test_the_spec_example_bills_the_partial_month_with_the_next_one(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", D(2026, 4, 21), rate="20")

    book.run(D(2026, 5, 1))

    invoice = book.only_invoice(customer)
    # 60 × 10/30 + 60 = 80.00 net; tax 20 % = 16.00; 96.00
    assert lines(invoice) == [Line("80.00", "96.00", D(2026, 4, 21), D(2026, 5, 31))]
    assert (invoice.net.amount, invoice.tax.amount, invoice.total.amount) == (
        Decimal("80.00"),
        Decimal("16.00"),
        Decimal("96.00"),
    )
    assert (invoice.period_start, invoice.period_end) == (D(2026, 4, 21), D(2026, 5, 31))
    assert invoice.items[0].service_id == fibre
    assert book.get_service(fibre).billed_through == D(2026, 5, 31)
    assert book.balance(customer, D(2026, 5, 1)) == Decimal("96.00")

    book.run(D(2026, 6, 1))
    june = book.invoices(customer)[-1]
    assert lines(june) == [Line("60.00", "72.00", D(2026, 6, 1), D(2026, 6, 30))]
    assert book.charges(fibre) == [
        (D(2026, 4, 21), D(2026, 5, 31)),
        (D(2026, 6, 1), D(2026, 6, 30)),
    ]
    assert book.balance(customer, D(2026, 6, 1)) == Decimal("168.00")  # 96 + 72
    check_books(book.container)


def test_arrears_bill_the_days_up_to_the_day_before(book: BillBook) -> None:
    customer = book.customer(billing_day=1, timing="arrears")
    fibre = book.service(customer, "60.00", D(2026, 4, 21))

    book.run(D(2026, 5, 1))
    # 21–30 April: 60 × 10/30 = 20.00
    assert lines(book.only_invoice(customer)) == [
        Line("20.00", "20.00", D(2026, 4, 21), D(2026, 4, 30))
    ]
    assert book.get_service(fibre).billed_through == D(2026, 4, 30)

    book.run(D(2026, 6, 1))
    assert lines(book.invoices(customer)[-1]) == [
        Line("60.00", "60.00", D(2026, 5, 1), D(2026, 5, 31))
    ]
    assert book.get_service(fibre).billed_through == D(2026, 5, 31)
    check_books(book.container)


def test_bill_on_activation_invoices_the_rest_of_the_period_at_once(book: BillBook) -> None:
    at_once = book.customer(billing_day=1, bill_on_activation=True)
    later = book.customer(billing_day=1)
    for customer in (at_once, later):
        book.service(customer, "30.00", D(2026, 4, 1), description="Line")
    book.run(D(2026, 5, 1))  # April–May were not billed yet: 30 + 30 each
    tv = {
        customer: book.service(
            customer, "60.00", D(2026, 5, 11), description="TV", on=D(2026, 5, 8)
        )
        for customer in (at_once, later)
    }

    book.run(D(2026, 5, 10))  # the service has not started: nothing
    assert len(book.invoices(at_once)) == 1
    activation = book.run(D(2026, 5, 11))
    assert set(book.outcomes(activation.id)) == {at_once}
    # 11–31 May: 60 × 21/31 = 40.645… → 40.65
    assert lines(book.invoices(at_once)[-1]) == [
        Line("40.65", "40.65", D(2026, 5, 11), D(2026, 5, 31))
    ]
    assert book.get_service(tv[at_once]).billed_through == D(2026, 5, 31)
    book.run(D(2026, 5, 12))  # billed once only
    assert len(book.invoices(at_once)) == 2
    assert len(book.invoices(later)) == 1

    book.run(D(2026, 6, 1))
    # then the billing day bills the next full period only: 30.00 + 60.00
    assert lines(book.invoices(at_once)[-1]) == [
        Line("30.00", "30.00", D(2026, 6, 1), D(2026, 6, 30)),
        Line("60.00", "60.00", D(2026, 6, 1), D(2026, 6, 30)),
    ]
    # without bill_on_activation the billing day takes the partial month with June:
    # 60 × (21/31 + 1) = 3120/31 = 100.645… → 100.65
    assert lines(book.invoices(later)[-1]) == [
        Line("30.00", "30.00", D(2026, 6, 1), D(2026, 6, 30)),
        Line("100.65", "100.65", D(2026, 5, 11), D(2026, 6, 30)),
    ]
    check_books(book.container)


def test_a_quarterly_customer_is_billed_every_third_month(book: BillBook) -> None:
    customer = book.customer(billing_day=15, period_months=3)
    # anchor 15 January: quarters start 15 Jan, 15 Apr, 15 Jul, 15 Oct
    box = book.service(customer, "90.00", D(2026, 2, 1))

    outcomes = {}
    for month in range(2, 11):
        run = book.run(D(2026, month, 15))
        outcomes[month] = book.outcomes(run.id)[customer]
    billed = [m for m, o in outcomes.items() if o.outcome == "invoiced"]
    assert billed == [4, 7, 10]
    assert outcomes[5].reason == "not the customer's billing day"
    invoices = book.invoices(customer)
    # 15 Apr: 1 Feb–14 Apr is 73 of the quarter's 90 days (28 + 31 + 14): 90 × 73/90 = 73.00,
    # with the quarter 15 Apr–14 Jul in one line: 163.00
    assert lines(invoices[0]) == [Line("163.00", "163.00", D(2026, 2, 1), D(2026, 7, 14))]
    assert lines(invoices[1]) == [Line("90.00", "90.00", D(2026, 7, 15), D(2026, 10, 14))]
    assert lines(invoices[2]) == [Line("90.00", "90.00", D(2026, 10, 15), D(2027, 1, 14))]
    assert [i.document_date for i in invoices] == [D(2026, 4, 15), D(2026, 7, 15), D(2026, 10, 15)]
    assert book.get_service(box).billed_through == D(2027, 1, 14)
    check_books(book.container)


@pytest.mark.parametrize(
    ("proration", "net", "tax", "gross", "june_total"),
    [
        # 11–31 May by days: 60 × 21/31 = 40.645… → 40.65; tax 20 % 8.13; June 100 − 48.78
        ("daily", "40.65", "8.13", "48.78", "51.22"),
        # by 30-day months 11th–30th = 20 days: 60 × 20/30 = 40.00; tax 8.00; June 100 − 48
        ("thirty_day", "40.00", "8.00", "48.00", "52.00"),
    ],
)
def test_ending_a_service_inside_a_billed_period_credits_the_unused_days(
    book: BillBook, proration: str, net: str, tax: str, gross: str, june_total: str
) -> None:
    customer = book.customer(billing_day=1, proration=proration)
    fibre = book.service(customer, "60.00", D(2026, 5, 1), rate="20")
    tv = book.service(customer, "100.00", D(2026, 5, 1), description="TV")
    book.run(D(2026, 5, 1))
    assert book.only_invoice(customer).total.amount == Decimal("172.00")  # 72 + 100

    ended = book.change(fibre, on=D(2026, 5, 5), end_date=D(2026, 5, 10))

    assert ended.end_date == D(2026, 5, 10)
    assert ended.billed_through == D(2026, 5, 10)
    assert book.charges(fibre) == [(D(2026, 5, 1), D(2026, 5, 10))]
    [credit] = book.unbilled(customer)
    assert (credit.kind, credit.type, credit.state) == (
        Kind.CREDIT,
        TxType.ADJUSTMENT,
        State.UNBILLED,
    )
    assert credit.label == "Unused days of Fibre (2026-05-11 to 2026-05-31)"
    assert credit.date == D(2026, 5, 11)
    assert (str(credit.net.amount), str(credit.tax.amount), str(credit.amount.amount)) == (
        net,
        tax,
        gross,
    )
    assert credit.tax_rate == Decimal(20)
    # the balance does not move until an invoice takes the line
    assert book.balance(customer, D(2026, 5, 5)) == Decimal("172.00")

    book.run(D(2026, 6, 1))
    june = book.invoices(customer)[-1]
    assert lines(june) == [
        Line("100.00", "100.00", D(2026, 6, 1), D(2026, 6, 30)),
        Line(f"-{net}", f"-{gross}", D(2026, 5, 11), D(2026, 5, 11)),
    ]
    assert str(june.total.amount) == june_total
    assert [i.service_id for i in june.items] == [tv, None]
    assert book.unbilled(customer) == []
    assert book.get_service(fibre).billed_through == D(2026, 5, 10)
    check_books(book.container)


def test_ending_a_service_billed_without_proration_credits_only_periods_not_started(
    book: BillBook,
) -> None:
    customer = book.customer(billing_day=1, proration="none")
    fibre = book.service(customer, "60.00", D(2026, 5, 1))
    book.service(customer, "100.00", D(2026, 5, 1), description="TV")
    book.run(D(2026, 5, 1))
    book.run(D(2026, 6, 1))  # May and June billed, 60.00 each

    book.change(fibre, on=D(2026, 6, 5), end_date=D(2026, 5, 10))

    # SPEC §8: `none` bills a started period in full. May was started (1–10 May used), so
    # it stays billed in full; only June, not started at all, comes back: 60.00.
    credits = [(c.label, str(c.amount.amount)) for c in book.unbilled(customer)]
    assert credits == [("Unused days of Fibre (2026-06-01 to 2026-06-30)", "60.00")], (
        "with proration none, ending a service inside a started period must not credit "
        f"that period; credited instead: {credits}"
    )


def test_moving_the_end_later_bills_the_days_again_once(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", D(2026, 5, 1))
    book.service(customer, "100.00", D(2026, 5, 1), description="TV")
    book.run(D(2026, 5, 1))  # 60 + 100
    book.change(fibre, on=D(2026, 5, 5), end_date=D(2026, 5, 10))  # credit 60 × 21/31 = 40.65

    moved = book.change(fibre, on=D(2026, 5, 6), end_date=D(2026, 5, 20))

    assert moved.end_date == D(2026, 5, 20)
    assert moved.billed_through == D(2026, 5, 10)  # the days after the first end wait
    assert [str(c.amount.amount) for c in book.unbilled(customer)] == ["40.65"]

    book.run(D(2026, 6, 1))
    june = book.invoices(customer)[-1]
    # 11–20 May: 60 × 10/31 = 19.354… → 19.35; TV 100.00; the credit −40.65: 78.70
    assert lines(june) == [
        Line("19.35", "19.35", D(2026, 5, 11), D(2026, 5, 20)),
        Line("100.00", "100.00", D(2026, 6, 1), D(2026, 6, 30)),
        Line("-40.65", "-40.65", D(2026, 5, 11), D(2026, 5, 11)),
    ]
    assert june.total.amount == Decimal("78.70")
    assert book.charges(fibre) == [
        (D(2026, 5, 1), D(2026, 5, 10)),
        (D(2026, 5, 11), D(2026, 5, 20)),
    ]
    book.run(D(2026, 7, 1))
    assert lines(book.invoices(customer)[-1]) == [
        Line("100.00", "100.00", D(2026, 7, 1), D(2026, 7, 31))
    ]
    assert book.get_service(fibre).billed_through == D(2026, 5, 20)
    check_books(book.container)


def test_a_credit_that_zeroes_the_invoice_does_not_give_the_days_away(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", D(2026, 5, 1))
    book.run(D(2026, 5, 1))  # May: 60.00
    book.change(fibre, on=D(2026, 5, 5), end_date=D(2026, 5, 10))  # credit 60 × 21/31 = 40.65
    book.change(fibre, on=D(2026, 5, 6), end_date=D(2026, 5, 20))

    book.run(D(2026, 6, 1))

    # 11–20 May cost 60 × 10/31 = 19.35; against the credit of 40.65 the June invoice is 0.00
    # and 21.30 of credit is left for later. Whatever the run makes of a zero invoice, the
    # customer owes 60.00 − 40.65 + 19.35 = 38.70 for 1–20 May: the balance less the credit
    # still waiting for an invoice.
    waiting = sum((c.amount.amount for c in book.unbilled(customer)), Decimal(0))
    owed = book.balance(customer, D(2026, 6, 1)) - waiting
    assert owed == Decimal("38.70"), (
        "a zero invoice skipped by skip_zero_invoices marked 11–20 May billed without taking "
        f"the credit that zeroed it: the customer owes {owed} for 1–20 May, not 38.70 "
        f"(credit still waiting: {waiting}, charges: {book.charges(fibre)})"
    )
    check_books(book.container)


def test_a_price_change_applies_from_the_next_unbilled_day(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", D(2026, 5, 1))
    book.service(customer, "200.00", D(2026, 5, 1), description="TV")
    book.run(D(2026, 5, 1))

    changed = book.change(fibre, on=D(2026, 5, 15), unit_price="90.00")
    assert changed.unit_price == Decimal("90.00")
    assert changed.billed_through == D(2026, 5, 31)
    assert book.unbilled(customer) == []  # May stays billed at 60.00

    book.run(D(2026, 6, 1))
    assert lines(book.invoices(customer)[-1]) == [
        Line("90.00", "90.00", D(2026, 6, 1), D(2026, 6, 30)),
        Line("200.00", "200.00", D(2026, 6, 1), D(2026, 6, 30)),
    ]

    # ended back on 20 May: each billed stretch comes back at the price it was billed at
    book.change(fibre, on=D(2026, 6, 10), end_date=D(2026, 5, 20))
    credits = [(c.label, str(c.amount.amount)) for c in book.unbilled(customer)]
    assert credits == [
        # 21–31 May at 60.00: 60 × 11/31 = 21.290… → 21.29
        ("Unused days of Fibre (2026-05-21 to 2026-05-31)", "21.29"),
        # all of June at 90.00
        ("Unused days of Fibre (2026-06-01 to 2026-06-30)", "90.00"),
    ]
    assert book.charges(fibre) == [(D(2026, 5, 1), D(2026, 5, 20))]

    book.run(D(2026, 7, 1))
    # TV 200.00 − 21.29 − 90.00 = 88.71
    assert book.invoices(customer)[-1].total.amount == Decimal("88.71")
    check_books(book.container)


def test_a_start_date_no_longer_changes_once_billed(book: BillBook) -> None:
    customer = book.customer(billing_day=1)
    fibre = book.service(customer, "60.00", D(2026, 5, 1))
    moved = book.change(fibre, on=D(2026, 4, 20), start_date=D(2026, 5, 3))
    assert moved.start_date == D(2026, 5, 3)
    book.run(D(2026, 5, 3), on=D(2026, 5, 3))  # not a billing day: nothing
    book.run(D(2026, 6, 1))
    with pytest.raises(InvalidInput) as refused:
        book.change(fibre, on=D(2026, 6, 2), start_date=D(2026, 5, 1))
    assert [e.field for e in refused.value.errors] == ["start_date"]
    assert book.get_service(fibre).start_date == D(2026, 5, 3)
    # 3–31 May: 60 × 29/31 = 56.129… → 56.13, with June: 116.13
    assert lines(book.only_invoice(customer)) == [
        Line("116.13", "116.13", D(2026, 5, 3), D(2026, 6, 30))
    ]
    check_books(book.container)
