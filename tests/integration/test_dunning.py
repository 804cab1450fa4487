"""Dunning stories (SPEC §9, §10) on both databases, through the daily cycle, the use cases and
the container's units of work as the API and the scheduler call them. Each story ends with the
ledger invariants of SPEC §1.

The SPEC example runs through most stories: an invoice of 50.00 dated Mon 1 June 2026 with
`payment_due_days` 10 is due Thu 11 June, so the customer is blocked from Fri 12 June if the
balance is still above the credit limit; reminders (offsets 3, 7, 14) fall on Thu 4, Mon 8 and
Mon 15 June; the deactivation date is Fri 12 June + 30 = Sun 12 July, moved to Mon 13 July.

    June 2026  Mo 1 8 15 22 29 | Tu 2 9 16 23 30 | We 3 10 17 24 | Th 4 11 18 25
               Fr 5 12 19 26   | Sa 6 13 20 27   | Su 7 14 21 28
    July 2026  We 1, Th 2, Fr 3, Su 12, Mo 13, Tu 14 (FR National Day), We 15
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from billbook import check_books
from dunningbook import ONE_DAY, DunningBook
from invoicebook import item

from solde import daily
from solde.billing.documents import Document
from solde.bootstrap import Container
from solde.domain.errors import InvalidInput, InvalidState
from solde.dunning.rules import Action


def june(day: int) -> date:
    return date(2026, 6, day)


def july(day: int) -> date:
    return date(2026, 7, day)


BLOCKED = ("blocked", "dunning")
ACTIVE = ("active", None)
UNBLOCKED = ("active", "dunning")


def spec_story(
    container: Container,
    *,
    amount: str = "50.00",
    settings: dict[str, Any] | None = None,
    **billing: Any,
) -> tuple[DunningBook, int, Document]:
    """The SPEC example: an invoice of 1 June due 11 June; the cycle of 1 June has run.
    `settings` are the company's dunning settings, `billing` the customer's own."""
    book = DunningBook(container)
    if settings:
        book.dunning_settings(**settings)
    customer = book.customer(payment_due_days=10, **billing)
    invoice = book.invoice(customer, on=june(1), items=[item(amount)])
    assert invoice.due_date == june(11)
    book.day(june(1))
    return book, customer, invoice


# -- blocking on the block date ----------------------------------------------------------------


def test_blocked_on_the_block_date_and_not_the_day_before(container: Container) -> None:
    book, customer, invoice = spec_story(container)
    cal = book.calendar(customer, june(1))
    assert cal.billing_due_date == june(11)
    assert cal.next_block_date == june(12)
    assert cal.next_deactivation_date == july(13)

    for day, report in book.days(june(2), june(11)).items():
        assert report.blocked == [], day
        assert book.status(customer) == ACTIVE, day
    report = book.day(june(12))
    assert report.blocked == [customer]
    assert report.overdue_invoices == [invoice.id]
    assert book.status(customer) == BLOCKED
    assert book.state(customer).blocked_on == june(12)
    assert book.day(june(13)).blocked == []  # blocked once

    blocked = [e for e in book.events(customer) if e.type == "customer.blocked"]
    assert len(blocked) == 1
    assert blocked[0].on == june(12)
    assert blocked[0].data == {
        "customer_id": customer,
        "date": "2026-06-12",
        "balance": "50.00",
        "pending_payments": "0.00",
        "credit_limit": "0.00",
        "currency": "EUR",
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "due_date": "2026-06-11",
    }
    overdue = book.events(customer, prefix="invoice.overdue")
    assert [(e.on, e.data["invoice_id"]) for e in overdue] == [(june(12), invoice.id)]
    audit = book.audit(customer, prefix="customer.blocked")
    assert [(action, actor) for action, actor, _ in audit] == [("customer.blocked", "scheduler")]
    assert audit[0][2]["due_date"] == "2026-06-11"
    check_books(container)


@pytest.mark.parametrize(
    ("paid_on", "after_cycle", "changes"),
    [
        # Thu 11 June, the day before the block date: never blocked
        (june(11), True, []),
        # Fri 12 June before the cycle of the day: never blocked
        (june(12), False, []),
        # Fri 12 June after the cycle blocked: unblocked at once, the same day
        (
            june(12),
            True,
            [("customer.blocked", june(12)), ("customer.unblocked", june(12))],
        ),
        # Sat 13 June, the day after: blocked on the 12th, unblocked at once on the 13th
        (
            june(13),
            False,
            [("customer.blocked", june(12)), ("customer.unblocked", june(13))],
        ),
    ],
    ids=["day-before", "day-of-before-cycle", "day-of-after-cycle", "day-after"],
)
def test_payment_around_the_block_date(
    container: Container,
    paid_on: date,
    after_cycle: bool,
    changes: list[tuple[str, date]],
) -> None:
    book, customer, _ = spec_story(container)
    last_cycle = paid_on if after_cycle else paid_on - ONE_DAY
    book.days(june(2), last_cycle)
    book.pay(customer, "50.00", on=paid_on)
    assert book.status(customer)[0] == "active"  # no cycle needed
    book.days(last_cycle + ONE_DAY, june(16))
    assert book.status(customer)[0] == "active"
    assert book.changes(customer) == changes
    if changes:
        assert book.status(customer) == UNBLOCKED
        unblocked = book.events(customer, prefix="customer.unblocked")[0]
        assert unblocked.data["balance"] == "0.00"
        actions = [(action, actor) for action, actor, _ in book.audit(customer, prefix="customer.")]
        assert ("customer.blocked", "scheduler") in actions
        assert ("customer.unblocked", "test") in actions  # by the unit of work of the payment
    # the paid invoice gets no reminder on Mon 15 June
    assert all(r.date < june(15) for r in book.reminders(customer))
    check_books(container)


def test_a_partial_payment_keeps_the_block_until_the_balance_is_within_the_limit(
    container: Container,
) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(12))
    book.pay(customer, "20.00", on=june(13))  # 30.00 still owed
    assert book.status(customer) == BLOCKED
    assert book.day(june(13)).unblocked == []
    book.pay(customer, "30.00", on=june(14))
    assert book.status(customer) == UNBLOCKED
    assert book.changes(customer) == [
        ("customer.blocked", june(12)),
        ("customer.unblocked", june(14)),
    ]
    check_books(container)


def test_a_credit_limit_of_50_blocks_above_it_and_unblocks_at_it(container: Container) -> None:
    book, customer, _ = spec_story(container, amount="80.00", credit_limit="50")
    book.days(june(2), june(11))
    assert book.status(customer) == ACTIVE
    assert book.day(june(12)).blocked == [customer]  # 80.00 > 50
    book.pay(customer, "30.00", on=june(13))  # 50.00 left: within the limit
    assert book.status(customer) == UNBLOCKED
    book.days(june(13), june(16))
    assert book.status(customer) == UNBLOCKED
    check_books(container)


def test_a_negative_credit_limit_blocks_a_customer_who_owes_anything(
    container: Container,
) -> None:
    # credit limit -20: must keep 20 in credit; 0.01 owed is 20.01 above it
    book, customer, _ = spec_story(container, credit_limit="-20")
    book.days(june(2), june(4))
    book.pay(customer, "49.99", on=june(5))
    book.days(june(5), june(12))
    assert book.status(customer) == BLOCKED
    book.pay(customer, "20.01", on=june(13))  # balance -20.00: 20 kept in credit
    assert book.status(customer) == UNBLOCKED
    check_books(container)


# -- payments awaiting bank confirmation -------------------------------------------------------


def test_a_pending_payment_keeps_the_customer_unblocked_until_it_fails(
    container: Container,
) -> None:
    book, customer, invoice = spec_story(container)
    book.days(june(2), june(10))
    payment = book.pending(customer, "50.00", on=june(10), invoice_id=invoice.id)
    cal = book.calendar(customer, june(12))
    assert cal.action is None  # 50.00 - 50.00 pending is within the limit
    reports = book.days(june(11), june(15))
    assert all(r.blocked == [] for r in reports.values())
    assert book.status(customer) == ACTIVE
    # the invoice the pending payment names gets no reminder on Mon 15 June
    assert [r.date for r in book.reminders(customer)] == [june(4), june(8)]

    book.fail(payment, on=june(16), reason="insufficient funds")
    assert book.status(customer) == ACTIVE  # the next cycle decides
    assert book.day(june(16)).blocked == [customer]
    assert book.status(customer) == BLOCKED
    assert book.changes(customer) == [("customer.blocked", june(16))]
    blocked = book.events(customer, prefix="customer.blocked")[0]
    assert blocked.data["pending_payments"] == "0.00"
    check_books(container)


def test_a_pending_payment_lifts_a_block_at_once_and_its_failure_brings_it_back(
    container: Container,
) -> None:
    book, customer, invoice = spec_story(container)
    book.days(june(2), june(12))
    assert book.status(customer) == BLOCKED
    payment = book.pending(customer, "50.00", on=june(13))
    assert book.status(customer) == UNBLOCKED
    book.days(june(13), june(14))
    book.fail(payment, on=june(15))
    book.days(june(15), june(15))
    assert book.status(customer) == BLOCKED
    second = book.pending(customer, "50.00", on=june(16), invoice_id=invoice.id)
    assert book.status(customer) == UNBLOCKED
    book.day(june(16))
    book.confirm(second, on=june(17))
    book.day(june(17))
    assert book.status(customer) == UNBLOCKED
    assert book.changes(customer) == [
        ("customer.blocked", june(12)),
        ("customer.unblocked", june(13)),
        ("customer.blocked", june(15)),
        ("customer.unblocked", june(16)),
    ]
    assert book.balance(customer, june(17)) == Decimal("0.00")
    check_books(container)


# -- credits and voids that unblock at once ----------------------------------------------------


@pytest.mark.parametrize("correction", ["credit_note", "void"])
def test_a_credit_note_or_a_void_unblocks_at_once(container: Container, correction: str) -> None:
    book, customer, invoice = spec_story(container)
    book.days(june(2), june(12))
    assert book.status(customer) == BLOCKED
    if correction == "credit_note":
        book.credit_note(invoice.id, on=june(13), amount="50.00")
    else:
        book.void(invoice.id, on=june(13), reason="billed by mistake")
    assert book.status(customer) == UNBLOCKED
    assert book.changes(customer) == [
        ("customer.blocked", june(12)),
        ("customer.unblocked", june(13)),
    ]
    book.days(june(13), june(16))
    assert book.status(customer) == UNBLOCKED
    assert book.reminders(customer)[-1].date == june(8)  # nothing on 15 June
    check_books(container)


def test_a_block_by_hand_is_left_alone(container: Container) -> None:
    # deactivation period 3: a dunning block of Fri 12 June would end on Mon 15 June
    book, customer, _ = spec_story(container, deactivation_period_days=3)
    book.set_status(customer, "blocked")
    assert book.status(customer) == ("blocked", "hand")
    book.cycle(june(16))
    assert book.status(customer) == ("blocked", "hand")  # not deactivated
    book.pay(customer, "50.00", on=june(16))
    assert book.status(customer) == ("blocked", "hand")  # nor lifted by a payment
    book.cycle(june(17))
    assert book.status(customer) == ("blocked", "hand")  # nor by the next cycle
    assert book.changes(customer) == []
    check_books(container)


def test_an_operator_unblocks_by_hand_and_moves_the_next_block_date(
    container: Container,
) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(12))
    book.set_status(customer, "active")  # the customer called: unblocked by hand
    assert book.status(customer) == ("active", "hand")
    book.next_block_date(customer, june(19), on=june(12))
    book.days(june(13), june(18))
    assert book.status(customer) == ("active", "hand")
    assert book.day(june(19)).blocked == [customer]  # the promise was not kept
    assert book.changes(customer) == [
        ("customer.blocked", june(12)),
        ("customer.blocked", june(19)),
    ]
    check_books(container)


def test_unblocked_by_hand_without_a_new_date_the_next_cycle_blocks_again(
    container: Container,
) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(12))
    book.set_status(customer, "active")
    assert book.day(june(13)).blocked == [customer]  # still above the limit after 12 June
    assert book.status(customer) == BLOCKED


@pytest.mark.parametrize("setting", ["dunning_enabled", "billing_enabled"])
def test_an_exempt_customer_is_never_blocked_nor_reminded(
    container: Container, setting: str
) -> None:
    book, customer, _ = spec_story(container, **{setting: False})
    reports = book.cycle(june(16))
    assert reports[-1].date == june(16)
    assert book.status(customer) == ACTIVE
    assert book.changes(customer) == []
    assert book.reminders(customer) == []
    cal = book.calendar(customer, june(20))
    assert cal.next_block_date is None
    assert cal.reminders == ()
    check_books(container)


# -- deactivation ------------------------------------------------------------------------------


def test_deactivation_after_the_period_and_no_more_recurring_invoices(
    container: Container,
) -> None:
    # blocked Fri 12 June + 9 days = Sun 21 June -> deactivated Mon 22 June
    book = DunningBook(container)
    customer = book.customer(payment_due_days=10, deactivation_period_days=9)
    book.service(customer, "50.00", june(1))
    assert book.day(june(1)).invoiced == 1  # June, due 11 June
    book.days(june(2), june(12))
    assert book.status(customer) == BLOCKED
    assert book.calendar(customer, june(12)).next_deactivation_date == june(22)
    book.days(june(13), june(21))  # Sun 21 June: still blocked
    assert book.status(customer) == BLOCKED
    assert book.day(june(22)).deactivated == [customer]
    assert book.status(customer) == ("inactive", "dunning")
    assert book.changes(customer) == [
        ("customer.blocked", june(12)),
        ("customer.deactivated", june(22)),
    ]
    deactivated = book.events(customer, prefix="customer.deactivated")[0]
    assert deactivated.data["balance"] == "50.00"
    assert [(a, actor) for a, actor, _ in book.audit(customer, prefix="customer.")][-1] == (
        "customer.deactivated",
        "scheduler",
    )

    report = book.cycle(july(1))[-1]
    assert report.date == july(1)
    assert report.invoiced == 0  # inactive: no recurring invoice on 1 July
    assert len(book.invoices(customer)) == 1
    book.pay(customer, "50.00", on=july(2))
    book.cycle(july(2))
    assert book.status(customer) == ("inactive", "dunning")  # paying does not reactivate
    check_books(container)


def test_deactivation_period_0_deactivates_on_the_block_date(container: Container) -> None:
    book, customer, _ = spec_story(container, deactivation_period_days=0)
    assert book.calendar(customer, june(1)).next_deactivation_date == june(12)
    book.days(june(2), june(12))
    assert book.status(customer) == ("inactive", "dunning")


def test_deactivation_period_0_deactivates_the_next_cycle_at_the_latest(
    container: Container,
) -> None:
    book, customer, _ = spec_story(container, deactivation_period_days=0)
    book.days(june(2), june(13))
    assert book.status(customer) == ("inactive", "dunning")
    assert book.changes(customer)[0] == ("customer.blocked", june(12))
    check_books(container)


# -- holidays and weekends through the settings ------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "billing", "blocked_on"),
    [
        # a listed holiday on Fri 12 June, then the weekend -> Mon 15 June
        ({"holidays": ["2026-06-12"]}, {}, june(15)),
        # two grace days: Thu 11 + 2 + 1 = Sun 14 June -> Mon 15 June
        ({}, {"blocking_period_days": 2}, june(15)),
        # ... and Mon 15 June a holiday -> Tue 16 June
        ({"holidays": ["2026-06-15"]}, {"blocking_period_days": 2}, june(16)),
    ],
    ids=["friday-holiday", "grace-to-sunday", "grace-to-monday-holiday"],
)
def test_the_cycle_blocks_on_the_moved_date(
    container: Container, settings: dict[str, Any], billing: dict[str, Any], blocked_on: date
) -> None:
    book, customer, _ = spec_story(container, settings=settings, **billing)
    assert book.calendar(customer, june(1)).next_block_date == blocked_on
    book.days(june(2), blocked_on - ONE_DAY)
    assert book.status(customer) == ACTIVE
    assert book.day(blocked_on).blocked == [customer]
    assert book.changes(customer) == [("customer.blocked", blocked_on)]
    check_books(container)


def test_a_french_national_day_moves_the_block(container: Container) -> None:
    # document Fri 3 July + 10 = due Mon 13 July -> Tue 14 July (holiday) -> Wed 15 July
    book = DunningBook(container)
    book.dunning_settings(holiday_country="FR")
    customer = book.customer(payment_due_days=10)
    book.invoice(customer, on=july(3), items=[item("50.00")])
    book.cycle(july(3))
    book.days(july(4), july(14))
    assert book.status(customer) == ACTIVE
    assert book.day(july(15)).blocked == [customer]


def test_blocking_on_weekends_when_allowed(container: Container) -> None:
    # document Tue 2 June + 10 = due Fri 12 June -> Sat 13 June, allowed
    book = DunningBook(container)
    book.dunning_settings(block_on_weekends=True)
    customer = book.customer(payment_due_days=10)
    book.invoice(customer, on=june(2), items=[item("50.00")])
    book.cycle(june(2))
    book.days(june(3), june(12))
    assert book.day(june(13)).blocked == [customer]


# -- catching up missed days -------------------------------------------------------------------


def test_catch_up_blocks_and_reminds_on_the_right_dates(container: Container) -> None:
    # document Tue 2 June + 10 = due Fri 12 June -> Sat 13 -> Mon 15 June
    book = DunningBook(container)
    customer = book.customer(payment_due_days=10)
    book.invoice(customer, on=june(2), items=[item("50.00")])
    book.cycle(june(2))
    reports = {r.date: r for r in book.cycle(june(25))}  # nothing ran from 3 to 25 June
    assert sorted(reports) == [june(d) for d in range(3, 26)]
    assert [d for d, r in reports.items() if r.blocked] == [june(15)]
    assert [d for d, r in reports.items() if r.reminders] == [june(5), june(9), june(16)]
    assert book.changes(customer) == [("customer.blocked", june(15))]
    assert book.state(customer).blocked_on == june(15)
    assert [r.date for r in book.reminders(customer)] == [june(5), june(9), june(16)]
    # Mon 15 June + 30 = Wed 15 July
    assert book.calendar(customer, june(25)).next_deactivation_date == july(15)
    assert book.cycle(june(25))[0].already_done
    check_books(container)


# -- the operator's next block date ------------------------------------------------------------


def test_a_later_next_block_date_blocks_on_that_date(container: Container) -> None:
    book, customer, _ = spec_story(container)
    cal = book.next_block_date(customer, june(17), on=june(5))
    assert cal.next_block_date == june(17)
    assert cal.computed_block_date == june(12)
    book.days(june(2), june(16))
    assert book.status(customer) == ACTIVE
    assert book.day(june(17)).blocked == [customer]
    assert book.state(customer).next_block_date is None  # used up
    told = book.events(customer, prefix="customer.next_block_date")
    assert [(e.type, e.on) for e in told] == [("customer.next_block_date_set", june(5))]
    assert told[0].data["date"] == "2026-06-17"
    assert told[0].data["was"] == "2026-06-12"
    assert told[0].data["reason"] == "promised to pay"
    assert book.audit(customer, prefix="customer.next_block_date")[0][0] == (
        "customer.next_block_date_set"
    )
    check_books(container)


def test_an_earlier_next_block_date_expires_and_the_computed_date_applies_again(
    container: Container,
) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(4))
    book.next_block_date(customer, june(9), on=june(5))
    book.days(june(5), june(7))
    payment = book.pending(customer, "50.00", on=june(8))
    book.days(june(8), june(9))  # on its date the pending payment keeps the customer
    book.fail(payment, on=june(10))
    book.days(june(10), june(11))  # the date passed: computed Fri 12 June again
    assert book.status(customer) == ACTIVE
    assert book.calendar(customer, june(11)).next_block_date == june(12)
    assert book.day(june(12)).blocked == [customer]
    check_books(container)


def test_the_next_block_date_is_moved_once_per_billing_period(container: Container) -> None:
    book, customer, _ = spec_story(container)
    book.next_block_date(customer, june(17), on=june(5))
    with pytest.raises(InvalidState, match="once per billing period"):
        book.next_block_date(customer, june(19), on=june(6))
    book.next_block_date(customer, None, on=june(6))  # withdrawing is always possible
    assert book.calendar(customer, june(6)).next_block_date == june(12)
    with pytest.raises(InvalidState, match="once per billing period"):
        book.next_block_date(customer, june(19), on=june(7))
    withdrawn = book.events(customer, prefix="customer.next_block_date_withdrawn")
    assert [e.on for e in withdrawn] == [june(6)]
    # a new billing period (1 July): it may be moved again
    book.pay(customer, "50.00", on=june(8))
    book.invoice(customer, on=july(1), items=[item("50.00")])
    cal = book.next_block_date(customer, july(20), on=july(2))
    assert cal.next_block_date == july(20)
    check_books(container)


def test_the_next_block_date_is_refused_for_a_blocked_customer(container: Container) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(12))
    with pytest.raises(InvalidState, match="blocked"):
        book.next_block_date(customer, june(20), on=june(13))
    other = book.customer()
    book.set_status(other, "blocked")
    with pytest.raises(InvalidState, match="blocked"):
        book.next_block_date(other, june(20), on=june(13))
    assert book.events(customer, prefix="customer.next_block_date") == []


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"date": "2026-06-04"}, ("date", "out_of_range")),  # before today (5 June)
        ({"date": "2027-06-07"}, ("date", "out_of_range")),  # more than a year ahead
        ({"date": "someday"}, ("date", "not_a_date")),
        ({"reason": "x"}, ("date", "required")),
        ({"date": "2026-06-20", "colour": "red"}, ("colour", "unknown_field")),
    ],
)
def test_bad_next_block_dates(
    container: Container, values: dict[str, Any], error: tuple[str, str]
) -> None:
    from solde.dunning import usecases as dunning

    book, customer, _ = spec_story(container)
    with pytest.raises(InvalidInput) as caught:
        book(dunning.set_next_block_date, customer, values, on=june(5))
    assert error in [(e.field, e.code) for e in caught.value.errors]
    # a year ahead is the limit
    book.next_block_date(customer, date(2027, 6, 5), on=june(5))


def test_nothing_to_withdraw(container: Container) -> None:
    book, customer, _ = spec_story(container)
    with pytest.raises(InvalidState):
        book.next_block_date(customer, None, on=june(5))


# -- reminders ---------------------------------------------------------------------------------


def two_invoices(container: Container, **billing: Any) -> tuple[DunningBook, int, int, int]:
    """Invoice 1 of Mon 1 June (reminders 4, 8, 15 June) and invoice 2 of Fri 5 June
    (reminders 8, 12, 19 June): both are due a reminder on Mon 8 June."""
    book, customer, first = spec_story(container, **billing)
    book.days(june(2), june(4))
    second = book.invoice(customer, on=june(5), items=[item("30.00")])
    return book, customer, first.id, second.id


def test_reminders_are_consolidated_into_one_message(container: Container) -> None:
    book, customer, first, second = two_invoices(container)
    reports = book.days(june(5), june(8))
    assert reports[june(8)].reminders == 1
    (message,) = book.reminders_on(june(8))
    assert message.customer_id == customer
    assert message.level == 2
    assert [(line["invoice_id"], line["level"]) for line in message.lines] == [
        (first, 2),
        (second, 1),
    ]
    assert [line["open_amount"] for line in message.lines] == ["50.00", "30.00"]
    assert message.fee_transaction_id is None
    told = [e for e in book.events(customer, prefix="reminder.due") if e.on == june(8)]
    assert len(told) == 1
    assert [i["invoice_id"] for i in told[0].data["invoices"]] == [first, second]
    assert [a for a, _, _ in book.audit(customer, prefix="reminder.")] == ["reminder.due"] * 2
    assert [r.date for r in book.reminders(customer)] == [june(4), june(8)]
    check_books(container)


def test_no_reminder_for_an_invoice_a_pending_payment_names(container: Container) -> None:
    book, customer, first, second = two_invoices(container)
    book.days(june(5), june(6))
    book.pending(customer, "50.00", on=june(7), invoice_id=first)
    book.days(june(7), june(8))
    (message,) = book.reminders_on(june(8))
    assert [line["invoice_id"] for line in message.lines] == [second]
    assert message.level == 1
    check_books(container)


def test_reminder_fees_are_collection_costs_settled_first(container: Container) -> None:
    book, customer, invoice = spec_story(
        container, settings={"reminder_fees": {"EUR": ["0", "5.00", "10.00"]}}
    )
    reports = book.days(june(2), june(15))
    assert [d for d, r in reports.items() if r.reminders] == [june(4), june(8), june(15)]
    assert [d for d, r in reports.items() if r.reminder_fees] == [june(8), june(15)]
    costs = book.costs(customer)
    assert [(c.label, c.amount, c.date, c.kind, c.state) for c in costs] == [
        ("Reminder fee (level 2)", 500, june(8), "debit", "open"),
        ("Reminder fee (level 3)", 1000, june(15), "debit", "open"),
    ]
    sent = book.reminders(customer)
    assert [r.fee_transaction_id for r in sent] == [None, costs[0].id, costs[1].id]
    assert book.balance(customer, june(15)) == Decimal("65.00")
    assert book.status(customer) == BLOCKED

    # paying the invoice's amount settles the fees first (standalone debits come first):
    # 15.00 still owed on the invoice, above the credit limit
    book.pay(customer, "50.00", on=june(16))
    assert [c.open_amount for c in book.costs(customer)] == [0, 0]
    assert book.open_amount(invoice.transaction_id) == Decimal("15.00")  # type: ignore[arg-type]
    assert book.status(customer) == BLOCKED
    book.pay(customer, "15.00", on=june(17))
    assert book.status(customer) == UNBLOCKED
    check_books(container)


def test_no_reminders_when_the_customer_turned_them_off(container: Container) -> None:
    book, customer, _ = spec_story(container, reminders=False)
    reports = book.days(june(2), june(16))
    assert all(r.reminders == 0 for r in reports.values())
    assert book.reminders(customer) == []
    assert book.events(customer, prefix="reminder.") == []
    assert book.status(customer) == BLOCKED  # blocking still applies
    check_books(container)


def test_no_reminders_without_offsets(container: Container) -> None:
    book, customer, _ = spec_story(container, settings={"reminder_offsets": []})
    book.cycle(june(16))
    assert book.reminders(customer) == []


def test_a_reminder_is_sent_once_when_the_cycle_runs_again_after_a_crash(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, customer, _ = spec_story(container, settings={"reminder_fees": {"EUR": ["2.00", "5.00"]}})
    book.days(june(2), june(7))

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the machine went down")

    with monkeypatch.context() as patched:
        patched.setattr(daily, "_review", crash)
        with pytest.raises(RuntimeError):
            book.cycle(june(8))
    assert len(book.reminders_on(june(8))) == 1  # recorded before the crash
    reports = book.cycle(june(8))  # the interrupted date is taken up again
    assert [r.date for r in reports] == [june(8)]
    assert reports[0].reminders == 0
    assert len(book.reminders_on(june(8))) == 1
    assert [e.on for e in book.events(customer, prefix="reminder.due")] == [june(4), june(8)]
    assert [c.amount for c in book.costs(customer)] == [200, 500]  # one fee per reminder
    assert book.cycle(june(8))[0].already_done
    assert len(book.reminders_on(june(8))) == 1
    check_books(container)


# -- the plan of a date is what its cycle does ------------------------------------------------


def test_the_plan_of_a_date_is_what_the_cycle_then_does(container: Container) -> None:
    book, customer, _ = spec_story(container)
    book.days(june(2), june(7))
    plan = book.plan(june(8))
    assert [m.customer_id for m in plan.messages] == [customer]
    assert all(not found for found in plan.actions.values())
    assert book.day(june(8)).reminders == 1
    assert book.plan(june(8)).messages == []

    book.days(june(9), june(11))
    plan = book.plan(june(12))
    assert [c.standing.customer_id for c in plan.actions[Action.BLOCK]] == [customer]
    assert plan.names[customer] == "Test"
    assert book.day(june(12)).blocked == [customer]
    assert book.plan(june(12)).actions[Action.BLOCK] == []
    # the day before the deactivation date nothing is planned; on it, the deactivation
    assert book.plan(july(12)).actions[Action.DEACTIVATE] == []
    planned = book.plan(july(13)).actions[Action.DEACTIVATE]
    assert [c.standing.customer_id for c in planned] == [customer]
    check_books(container)


# -- found in review --------------------------------------------------------------------------


def test_a_failed_pending_payment_keeps_the_first_day_of_blocking(container: Container) -> None:
    # blocked Fri 12 June; deactivation 12 June + 9 = Sun 21 June -> Mon 22 June. A pending
    # payment on 16 June lifts the block, it fails on 17 June and the cycle of 17 June blocks
    # again: the dates come back into force, so the deactivation stays on Mon 22 June instead
    # of 17 June + 9 = Fri 26 June.
    book, customer, _ = spec_story(container, deactivation_period_days=9)
    book.days(june(2), june(15))
    assert book.state(customer).blocked_on == june(12)
    payment = book.pending(customer, "50.00", on=june(16))
    assert book.status(customer) == UNBLOCKED
    book.day(june(16))
    book.fail(payment, on=june(17))
    book.day(june(17))
    assert book.status(customer) == BLOCKED
    assert book.state(customer).blocked_on == june(12)
    assert book.calendar(customer, june(17)).next_deactivation_date == june(22)
    book.days(june(18), june(21))
    assert book.status(customer) == BLOCKED
    book.day(june(22))
    assert book.status(customer) == ("inactive", "dunning")
    check_books(container)


def test_a_new_unpaid_invoice_after_a_paid_one_counts_its_own_block(container: Container) -> None:
    # blocked 12 June for the 1 June invoice, paid 13 June; a second invoice of 1 July (due
    # 11 July) blocks from Sun 12 July -> Mon 13 July, and counts its deactivation from there
    book, customer, _ = spec_story(container)
    book.days(june(2), june(12))
    book.pay(customer, "50.00", on=june(13))
    assert book.status(customer) == UNBLOCKED
    book.invoice(customer, on=july(1), items=[item("30.00")])
    book.cycle(july(13))
    assert book.status(customer) == BLOCKED
    assert book.state(customer).blocked_on == july(13)
    # 13 July + 30 = 12 August, a Wednesday
    assert book.calendar(customer, july(13)).next_deactivation_date == date(2026, 8, 12)
    check_books(container)


def test_a_next_block_date_moved_off_a_weekend_can_be_withdrawn(container: Container) -> None:
    # set on 2 June to Sat 6 June, it lands on Mon 8 June; on Sun 7 June it still applies
    book, customer, _ = spec_story(container)
    calendar = book.next_block_date(customer, june(6), on=june(2))
    assert calendar.next_block_date == june(8)
    withdrawn = book.next_block_date(customer, None, on=june(7), reason="paid at the counter")
    assert withdrawn.override is None
    assert withdrawn.next_block_date == june(12)  # computed again
    [*_, told] = book.events(customer, prefix="customer.next_block_date")
    assert told.type == "customer.next_block_date_withdrawn"
    assert told.data["reason"] == "paid at the counter"
    check_books(container)


def test_an_overdue_invoice_is_told_once_when_its_date_runs_again(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    book, customer, invoice = spec_story(container)
    book.days(june(2), june(11))

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the machine went down")

    with monkeypatch.context() as patched:
        patched.setattr(daily, "_remind", crash)
        with pytest.raises(RuntimeError):
            book.cycle(june(12))  # overdue recorded, then the crash
    [report] = book.cycle(june(12))  # the date is taken up again
    assert report.overdue_invoices == []
    assert report.blocked == [customer]
    told = book.events(customer, prefix="invoice.overdue")
    assert [(e.on, e.data["invoice_id"]) for e in told] == [(june(12), invoice.id)]
    check_books(container)


def test_no_reminder_for_a_customer_made_inactive_by_hand(container: Container) -> None:
    book, customer, _ = spec_story(container, settings={"reminder_fees": {"EUR": ["5.00"]}})
    book.set_status(customer, "inactive")
    book.days(june(2), june(15))
    assert book.reminders(customer) == []
    assert book.costs(customer) == []
    assert book.status(customer) == ("inactive", "hand")
    check_books(container)


def test_no_reminder_while_credit_covers_the_invoice(container: Container) -> None:
    # automatic settlement off: a payment of 100.00 stands beside the invoice of 50.00
    book, customer, _ = spec_story(container, auto_settlement=False)
    book.pay(customer, "100.00", on=june(2))
    book.days(june(2), june(15))
    assert book.reminders(customer) == []
    assert book.status(customer) == ACTIVE
    check_books(container)
