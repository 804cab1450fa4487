"""Invoice and credit-note stories a finance team relies on, month by month, through the use
cases, on both databases (SPEC §4, §5, §6, §7, §11, §17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from invoicebook import InvoiceBook, item

from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import DocState, DocType, Status
from solde.bootstrap import Container, is_timezone
from solde.domain.errors import (
    DuplicateValue,
    InsufficientCredit,
    InvalidInput,
    InvalidState,
    NotEditable,
    PeriodLocked,
)
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement

D = Decimal


@pytest.fixture
def book(container: Container) -> InvoiceBook:
    return InvoiceBook(container)


# -- unbilled lines and the invoice date ----------------------------------------------------------


def test_a_line_dated_after_the_invoice_waits_for_the_next_invoice(book: InvoiceBook) -> None:
    """SPEC §4: billed on the 10th; on 3 March a line dated 7 March is on the 10 March invoice,
    a line dated 20 March on the 10 April invoice."""
    customer = book.customer()
    march_7 = book.line(customer, "15.00", date(2026, 3, 7), on=date(2026, 3, 3))
    march_20 = book.line(customer, "25.00", date(2026, 3, 20), on=date(2026, 3, 3))

    first = book.invoice(customer, on=date(2026, 3, 10), include_unbilled=True)
    assert [i.transaction_id for i in first.items] == [march_7]
    assert first.total.amount == D("15.00")
    assert book.tx(march_7).state.value == "billed"
    assert book.tx(march_7).invoice_id == first.id
    assert book.tx(march_20).state.value == "unbilled"
    assert book.card(customer, date(2026, 3, 10)).unbilled.count == 1

    second = book.invoice(customer, on=date(2026, 4, 10), include_unbilled=True)
    assert [i.transaction_id for i in second.items] == [march_20]
    assert book.tx(march_20).invoice_id == second.id
    assert book.balance(customer, date(2026, 4, 10)) == D("40.00")
    assert book.card(customer, date(2026, 4, 10)).unbilled.count == 0
    # the month before, only the March invoice counted
    assert book.balance(customer, date(2026, 3, 31)) == D("15.00")


def test_an_invoice_without_lines_up_to_its_date_is_refused_and_takes_no_number(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    book.line(customer, "10.00", date(2026, 3, 20), on=date(2026, 3, 3))
    with pytest.raises(InvalidInput) as caught:
        book.invoice(customer, on=date(2026, 3, 10), include_unbilled=True)
    assert [e.field for e in caught.value.errors] == ["include_unbilled"]
    made = book.invoice(customer, on=date(2026, 3, 10), items=[item("5.00")])
    assert made.number == "202601000001"


def test_a_credit_line_larger_than_the_invoice_is_split_and_its_rest_waits(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    debit = book.line(customer, "25.00", date(2026, 3, 1), on=on, rate="20")  # 30.00 gross
    credit = book.line(customer, "50.00", date(2026, 3, 2), on=on, kind="credit", rate="20")
    # 60.00 gross of credit against 30.00 of debit: 30.00 billed (net 25.00, tax 5.00)
    invoice = book.invoice(customer, on=on, include_unbilled=True)
    assert invoice.total.amount == D("0.00")
    assert invoice.transaction_id is None
    assert book.tx(debit).state.value == "billed"
    billed = book.tx(credit)
    assert (billed.state.value, billed.amount.amount) == ("billed", D("30.00"))
    (rest,) = book.unbilled(customer)
    assert (rest.kind.value, rest.amount.amount, rest.net.amount, rest.tax.amount) == (
        "credit",
        D("30.00"),
        D("25.00"),
        D("5.00"),
    )
    assert rest.date == date(2026, 3, 2)
    assert book.view(invoice.id, as_of=on).status is Status.PAID
    # the rest lowers the next invoice
    april = date(2026, 4, 10)
    book.line(customer, "100.00", date(2026, 4, 1), on=april)
    nxt = book.invoice(customer, on=april, include_unbilled=True)
    assert nxt.total.amount == D("70.00")
    assert book.unbilled(customer) == []
    assert book.balance(customer, april) == D("70.00")


def test_voiding_gives_the_lines_back_to_the_next_invoice_and_keeps_the_number(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    line = book.line(customer, "40.00", date(2026, 3, 5), on=on)
    first = book.invoice(customer, on=on, include_unbilled=True)
    voided = book.void(first.id, on=on, reason="wrong customer")
    assert voided.state is DocState.VOID
    assert book.tx(line).state.value == "unbilled"
    assert book.tx(line).invoice_id is None
    assert book.balance(customer, on) == D("0.00")
    again = book.invoice(customer, on=on, include_unbilled=True)
    assert again.number == "202601000002"
    assert book.tx(line).invoice_id == again.id
    with pytest.raises(InvalidState):
        book.void(first.id, on=on)


# -- a past balance never changes -----------------------------------------------------------------


def _history(book: InvoiceBook, customer: int, days: list[date]) -> list[Decimal]:
    return [book.balance(customer, day) for day in days]


def test_a_void_never_changes_the_balance_of_an_earlier_day(book: InvoiceBook) -> None:
    customer = book.customer()
    invoice = book.invoice(customer, on=date(2026, 3, 1), items=[item("100.00", "20")])
    days = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 9)]
    before = _history(book, customer, days)
    assert before == [D("0.00"), D("120.00"), D("120.00"), D("120.00")]
    book.void(invoice.id, on=date(2026, 3, 10))
    assert _history(book, customer, days) == before
    assert book.balance(customer, date(2026, 3, 10)) == D("0.00")
    assert book.view(invoice.id, as_of=date(2026, 3, 9)).status is Status.UNPAID
    assert book.view(invoice.id, as_of=date(2026, 3, 10)).status is Status.VOID


def test_an_edit_of_the_items_never_changes_the_balance_of_an_earlier_day(
    book: InvoiceBook,
) -> None:
    """SPEC §11: a balance asked about a past date never changes after the fact; an edit on
    10 March of an invoice dated 1 March shows from 10 March on."""
    customer = book.customer()
    invoice = book.invoice(customer, on=date(2026, 3, 1), items=[item("100.00")])
    days = [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 9)]
    before = _history(book, customer, days)
    assert before == [D("0.00"), D("100.00"), D("100.00"), D("100.00")]
    edited = book.edit(invoice.id, on=date(2026, 3, 10), items=[item("150.00")])
    assert edited.total.amount == D("150.00")
    assert book.balance(customer, date(2026, 3, 10)) == D("150.00")
    assert _history(book, customer, days) == before


def test_an_edit_of_the_note_posts_nothing(book: InvoiceBook) -> None:
    customer = book.customer()
    invoice = book.invoice(customer, on=date(2026, 3, 1), items=[item("100.00")])
    edited = book.edit(invoice.id, on=date(2026, 3, 10), note="Thank you", memo="vip")
    assert (edited.note, edited.memo) == ("Thank you", "vip")
    assert edited.transaction_id == invoice.transaction_id
    assert book.balance(customer, date(2026, 3, 10)) == D("100.00")


def test_a_refused_edit_names_what_may_still_change_and_changes_nothing(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("100.00")])
    book.pay(customer, "30.00", on=on)
    with pytest.raises(NotEditable) as caught:
        book.edit(invoice.id, on=on, items=[item("10.00")], note="x")
    assert caught.value.refused == ("items",)
    assert "due_date" in caught.value.editable
    assert "items" not in caught.value.editable
    view = book.view(invoice.id, as_of=on)
    assert view.document.note is None
    assert view.document.total.amount == D("100.00")
    assert view.status is Status.PARTIALLY_PAID
    assert view.open_amount.amount == D("70.00")
    book.pay(customer, "70.00", on=on)
    with pytest.raises(NotEditable) as paid:
        book.edit(invoice.id, on=on, due_date="2026-04-30")
    assert paid.value.editable == ("custom_fields", "memo", "note")


# -- payments and credit --------------------------------------------------------------------------


def test_existing_credit_pays_a_new_invoice_from_the_balance(book: InvoiceBook) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    book.pay(customer, "200.00", on=on)
    invoice = book.invoice(customer, on=on, items=[item("100.00", "20")])
    assert invoice.paid_from_balance is True
    assert invoice.account_balance is not None
    assert invoice.account_balance.amount == D("-80.00")
    view = book.view(invoice.id, as_of=on)
    assert (view.status, view.open_amount.amount) == (Status.PAID, D("0.00"))
    assert [link.amount.amount for link in view.payments] == [D("120.00")]

    partly = book.invoice(customer, on=on, items=[item("100.00")])
    assert partly.paid_from_balance is False
    view = book.view(partly.id, as_of=on)
    assert (view.status, view.open_amount.amount) == (Status.PARTIALLY_PAID, D("20.00"))


def test_a_payment_naming_an_invoice_pays_it_before_older_charges(book: InvoiceBook) -> None:
    """SPEC §6: a standalone charge of 80.00 and an invoice of 30.00."""
    customer = book.customer()
    on = date(2026, 3, 10)
    charge = book.charge(customer, "80.00", date(2026, 3, 1), on=on)
    invoice = book.invoice(customer, on=on, items=[item("30.00")])
    # without naming it, 80.00 settles the older charge and leaves the invoice unpaid
    book.pay(customer, "80.00", on=on)
    assert book.open_amount(charge) == D("0.00")
    view = book.view(invoice.id, as_of=on)
    assert (view.status, view.payments) == (Status.UNPAID, ())

    other = book.customer()
    charge = book.charge(other, "80.00", date(2026, 3, 1), on=on)
    invoice = book.invoice(other, on=on, items=[item("30.00")])
    payment = book.pay(other, "50.00", on=on, invoice_id=invoice.id)
    view = book.view(invoice.id, as_of=on)
    assert (view.status, view.open_amount.amount) == (Status.PAID, D("0.00"))
    assert [link.transaction.id for link in view.payments] == [payment.id]
    # the rest follows the usual order: the charge
    assert book.open_amount(charge) == D("60.00")
    with book.container.uow(actor="test", write=False) as uow:
        paid = reading.invoices_paid_by(uow, payment.id)
    assert [(doc.id, amount.amount) for doc, amount in paid] == [(invoice.id, D("30.00"))]


def test_a_pending_payment_naming_an_invoice_makes_it_pending_until_the_bank_answers(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("45.00")])
    pending = book.pay(customer, "45.00", on=on, invoice_id=invoice.id, status="pending")
    assert book.view(invoice.id, as_of=on).status is Status.PENDING
    with pytest.raises(InvalidState):
        book.void(invoice.id, on=on)
    book(settlement.fail_payment, pending.id, {"reason": "refused"}, on=on)
    after_due = date(2026, 4, 1)
    assert book.view(invoice.id, as_of=after_due).status is Status.OVERDUE
    again = book.pay(customer, "45.00", on=on, invoice_id=invoice.id, status="pending")
    book(settlement.confirm_payment, again.id, {}, on=on)
    assert book.view(invoice.id, as_of=after_due).status is Status.PAID
    with pytest.raises(InvalidInput) as caught:
        book.pay(customer, "1.00", on=on, invoice_id=invoice.id)
    assert [e.field for e in caught.value.errors] == ["invoice_id"]


def test_a_credit_note_on_a_part_paid_invoice_leaves_credit_that_can_be_refunded(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("100.00")])
    book.pay(customer, "60.00", on=on)
    note = book.credit_note(invoice.id, on=on, amount="70.00", reason="service outage")
    assert note.type is DocType.CREDIT_NOTE
    assert note.number == "CN2026-00001"
    assert note.credit_of == invoice.id
    # 40.00 closes the invoice, 30.00 stays as credit
    view = book.view(invoice.id, as_of=on)
    assert (view.status, view.open_amount.amount) == (Status.PAID, D("0.00"))
    assert [n.id for n in view.credit_notes] == [note.id]
    assert view.creditable is not None
    assert view.creditable.amount == D("30.00")
    assert book.balance(customer, on) == D("-30.00")
    assert book.open_amount(note.transaction_id) == D("30.00")
    with pytest.raises(InvalidState):
        book.credit_note(invoice.id, on=on, amount="30.01")
    with pytest.raises(InsufficientCredit):
        book.pay(customer, "-30.01", on=on)
    refund = book.pay(customer, "-30.00", on=on)
    assert refund.type.value == "refund"
    assert book.balance(customer, on) == D("0.00")
    assert book.open_amount(note.transaction_id) == D("0.00")


def test_credit_notes_never_credit_more_than_the_invoice(book: InvoiceBook) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("50.00", "20")])  # 60.00
    first = book.credit_note(invoice.id, on=on, items=[item("10.00", "20")])
    assert first.total.amount == D("12.00")
    with pytest.raises(InvalidState):
        book.credit_note(invoice.id, on=on, amount="48.01")
    last = book.credit_note(invoice.id, on=on, amount="48.00")
    # the tax follows the invoice's: 48.00 × 10.00 / 60.00 = 8.00
    assert (last.net.amount, last.tax.amount) == (D("40.00"), D("8.00"))
    assert book.view(invoice.id, as_of=on).creditable.amount == D("0.00")
    assert book.balance(customer, on) == D("0.00")
    with pytest.raises(InvalidState):
        book.void(invoice.id, on=on)


# -- recurring, proformas, the lock date ----------------------------------------------------------


def test_cancel_last_recurring_voids_the_latest_one_only_while_nothing_is_settled(
    book: InvoiceBook,
) -> None:
    customer = book.customer()
    march = book.invoice(customer, on=date(2026, 3, 1), type="recurring", items=[item("30.00")])
    april = book.invoice(customer, on=date(2026, 4, 1), type="recurring", items=[item("30.00")])
    book.invoice(customer, on=date(2026, 4, 2), items=[item("5.00")])  # one-time: not concerned
    cancelled = book(billing.cancel_last_recurring, customer, {}, on=date(2026, 4, 3))
    assert cancelled.id == april.id
    assert cancelled.state is DocState.VOID
    assert cancelled.void_reason
    assert book.balance(customer, date(2026, 4, 3)) == D("35.00")
    book.pay(customer, "10.00", on=date(2026, 4, 3), invoice_id=march.id)
    with pytest.raises(InvalidState):
        book(billing.cancel_last_recurring, customer, {}, on=date(2026, 4, 3))
    assert book.view(march.id, as_of=date(2026, 4, 3)).document.state is DocState.ISSUED
    nobody = book.customer()
    with pytest.raises(InvalidState):
        book(billing.cancel_last_recurring, nobody, {}, on=date(2026, 4, 3))


def test_a_proforma_touches_nothing_until_it_is_converted(book: InvoiceBook) -> None:
    customer = book.customer()
    on = date(2026, 3, 10)
    proforma = book.invoice(customer, on=on, type="proforma", items=[item("100.00", "20")])
    assert proforma.number == "PF2026-00001"
    assert proforma.transaction_id is None
    assert book.balance(customer, on) == D("0.00")
    payment = book.pay(customer, "120.00", on=on)
    invoice = book(billing.convert_proforma, proforma.id, {}, on=on)
    assert invoice.type is DocType.ONE_TIME
    assert invoice.number == "202601000001"
    assert invoice.converted_from == proforma.id
    assert invoice.total.amount == D("120.00")
    assert invoice.paid_from_balance is True
    converted = book.view(proforma.id, as_of=on)
    assert converted.status is Status.CONVERTED
    assert converted.converted is not None
    assert converted.converted.id == invoice.id
    assert book.open_amount(payment.id) == D("0.00")
    assert book.balance(customer, on) == D("0.00")
    with pytest.raises(InvalidState):
        book(billing.convert_proforma, proforma.id, {}, on=on)
    with pytest.raises(InvalidState):
        book.credit_note(proforma.id, on=on, amount="1.00")


def test_the_lock_date_refuses_documents_dated_in_the_closed_period(book: InvoiceBook) -> None:
    customer = book.customer()
    february = book.invoice(customer, on=date(2026, 2, 20), items=[item("10.00")])
    on = date(2026, 3, 10)
    book(ledger.update_settings, {"lock_date": "2026-02-28"}, is_timezone=is_timezone, on=on)
    with pytest.raises(PeriodLocked):
        book.invoice(customer, on=on, date="2026-02-28", items=[item("10.00")])
    with pytest.raises(PeriodLocked):
        book.credit_note(february.id, on=on, amount="1.00", date="2026-02-27")
    with pytest.raises(PeriodLocked):
        book.edit(february.id, on=on, items=[item("11.00")])
    before = book.balance(customer, date(2026, 2, 28))
    # corrections go into the open period
    book.credit_note(february.id, on=on, amount="1.00")
    book.invoice(customer, on=on, date="2026-03-01", items=[item("10.00")])
    assert book.balance(customer, date(2026, 2, 28)) == before == D("10.00")
    assert book.balance(customer, on) == D("19.00")


def test_numbers_count_per_partner_and_stay_used_after_a_void(book: InvoiceBook) -> None:
    on = date(2026, 3, 10)
    first = book.customer()
    values = {"name": "Partner 3 customer", "currency": "EUR", "partner_id": 3}
    third = int(book(ledger.create_customer, values).id)
    numbers = [
        book.invoice(first, on=on, items=[item("1.00")]).number,
        book.invoice(third, on=on, items=[item("1.00")]).number,
        book.invoice(first, on=on, items=[item("1.00")]).number,
    ]
    assert numbers == ["202601000001", "202603000001", "202601000002"]
    book.void(book.invoice(third, on=on, items=[item("1.00")]).id, on=on)
    assert book.invoice(third, on=on, items=[item("1.00")]).number == "202603000003"
    assert book.invoice(first, on=date(2027, 1, 2), items=[item("1.00")]).number == ("202701000001")


def test_a_payment_may_name_only_an_open_invoice_of_its_own_customer(book: InvoiceBook) -> None:
    on = date(2026, 3, 10)
    mine, other = book.customer(), book.customer()
    invoice = book.invoice(mine, on=on, items=[item("10.00")])
    voided = book.invoice(mine, on=on, items=[item("10.00")])
    book.void(voided.id, on=on)
    proforma = book.invoice(mine, on=on, type="proforma", items=[item("10.00")])
    for customer, named in ((other, invoice.id), (mine, voided.id), (mine, proforma.id)):
        with pytest.raises(InvalidInput) as caught:
            book.pay(customer, "10.00", on=on, invoice_id=named)
        assert [e.field for e in caught.value.errors] == ["invoice_id"]
    assert book.balance(other, on) == D("0.00")


def test_a_number_typed_by_hand_stays_unique_and_the_sequence_steps_over_it(
    book: InvoiceBook,
) -> None:
    on = date(2026, 3, 10)
    customer = book.customer()
    first = book.invoice(customer, on=on, items=[item("10.00")])
    second = book.invoice(customer, on=on, items=[item("10.00")])
    with pytest.raises(DuplicateValue):
        book.edit(second.id, on=on, number=first.number)
    book.edit(second.id, on=on, number="202601000003")
    assert book.invoice(customer, on=on, items=[item("1.00")]).number == "202601000004"
