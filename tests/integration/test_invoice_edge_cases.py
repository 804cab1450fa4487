"""Invoice edge cases found in review (SPEC §1, §5, §6, §7, §11, §15): dates of voids and
credit notes, the settlement order and past balances after an edit, numbers never reused,
zero invoices, future proformas, and numbering formats that would overflow or collide."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from invoicebook import InvoiceBook, item

from solde.billing.documents import Status
from solde.bootstrap import Container, is_timezone
from solde.domain.errors import DuplicateValue, InvalidInput, NotEditable
from solde.ledger import usecases as ledger

D = Decimal


@pytest.fixture
def book(container: Container) -> InvoiceBook:
    return InvoiceBook(container)


def _settings(book: InvoiceBook, on: date, **changes: Any) -> None:
    book(ledger.update_settings, changes, is_timezone=is_timezone, on=on)


# -- 1. a void dated before the invoice's ledger transaction -----------------------------------


def test_a_void_is_never_dated_before_the_transaction_it_cancels(book: InvoiceBook) -> None:
    """A void is dated no earlier than the posting it cancels, even when the document date was
    edited to an earlier day: otherwise a past balance would show a credit the customer never
    had (SPEC §11)."""
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("100.00")], due_date="2026-03-31")
    book.edit(invoice.id, on=on, document_date="2026-03-01")
    march_5 = date(2026, 3, 5)
    assert book.balance(customer, march_5) == D("0.00")
    try:
        book.void(invoice.id, on=on, date="2026-03-03")
    except InvalidInput:
        return  # refused: fine
    assert book.balance(customer, march_5) == D("0.00")


# -- 2. a credit note dated before the invoice it corrects -----------------------------------------


def test_a_credit_note_is_never_dated_before_its_invoice(book: InvoiceBook) -> None:
    """A credit note is dated no earlier than the invoice it corrects (SPEC §7, §11)."""
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("100.00")])
    february = date(2026, 2, 1)
    try:
        book.credit_note(invoice.id, on=on, amount="40.00", date="2026-01-05")
    except InvalidInput:
        return  # refused: fine
    assert book.balance(customer, february) == D("0.00")


# -- 3. an edited invoice loses its place in the settlement order ----------------------------------


def test_an_edited_invoice_keeps_its_place_in_the_settlement_order(book: InvoiceBook) -> None:
    """Open credits settle invoices in the order of their creation, document date first
    (SPEC §6), also after an edit has posted an invoice again on a later day."""
    customer = book.customer()
    january = book.invoice(
        customer, on=date(2026, 1, 10), items=[item("100.00")], due_date="2026-12-31"
    )
    february = book.invoice(
        customer, on=date(2026, 2, 10), items=[item("50.00")], due_date="2026-12-31"
    )
    book.edit(january.id, on=date(2026, 3, 1), items=[item("90.00")])
    book.pay(customer, "50.00", on=date(2026, 3, 2))
    on = date(2026, 3, 2)
    assert book.view(january.id, as_of=on).open_amount.amount == D("40.00")
    assert book.view(february.id, as_of=on).open_amount.amount == D("50.00")


# -- 4. a refund may name an invoice (the check runs after done()) ---------------------------------


def test_a_refund_naming_an_invoice_is_refused(book: InvoiceBook) -> None:
    """A refund pays credit back: it cannot name an invoice to pay."""
    customer = book.customer(auto_settlement=False)
    on = date(2026, 3, 10)
    book.pay(customer, "50.00", on=on)
    invoice = book.invoice(customer, on=on, items=[item("30.00")])
    with pytest.raises(InvalidInput) as caught:
        book.pay(customer, "-20.00", on=on, invoice_id=invoice.id)
    assert [e.field for e in caught.value.errors] == ["invoice_id"]


# -- 5. the invoice balance of a past day changes after an edit ----------------------------------


def test_the_invoice_balance_of_a_past_day_never_changes_after_an_edit(book: InvoiceBook) -> None:
    """The invoice balance of a past day is what was open then, whatever later edits posted."""
    customer = book.customer()
    invoice = book.invoice(
        customer, on=date(2026, 3, 1), items=[item("100.00")], due_date="2026-12-31"
    )
    march_5 = date(2026, 3, 5)
    assert book.view(invoice.id, as_of=march_5).open_amount.amount == D("100.00")
    book.edit(invoice.id, on=date(2026, 3, 10), items=[item("60.00")])
    assert book.balance(customer, march_5) == D("100.00")
    assert book.view(invoice.id, as_of=march_5).open_amount.amount == D("100.00")


# -- 6. a number given up by a hand edit can be given to another invoice ---------------------------


def test_a_number_is_never_reused_after_a_hand_edit(book: InvoiceBook) -> None:
    """Numbers are unique and never reused (SPEC §1.5): a number an invoice gave up by a
    hand edit cannot go to another invoice."""
    customer = book.customer()
    on = date(2026, 3, 10)
    first = book.invoice(customer, on=on, items=[item("10.00")])
    second = book.invoice(customer, on=on, items=[item("20.00")])
    assert first.number == "202601000001"
    book.edit(first.id, on=on, number="MANUAL-1")
    with pytest.raises(DuplicateValue):
        book.edit(second.id, on=on, number="202601000001")


# -- 7. a zero invoice is paid, yet every field stays editable -------------------------------------


def test_a_zero_invoice_is_paid_and_its_items_no_longer_change(book: InvoiceBook) -> None:
    """An invoice brought to 0.00 by credit lines is paid, and a paid invoice keeps its items
    (SPEC §5: only note, memo and custom fields)."""
    customer = book.customer()
    on = date(2026, 3, 10)
    book.line(customer, "50.00", date(2026, 3, 1), on=on)
    book.line(customer, "50.00", date(2026, 3, 2), on=on, kind="credit")
    invoice = book.invoice(customer, on=on, include_unbilled=True)
    assert invoice.total.amount == D("0.00")
    view = book.view(invoice.id, as_of=on)
    assert view.status is Status.PAID
    assert "items" not in view.editable
    with pytest.raises(NotEditable):
        book.edit(invoice.id, on=on, items=[item("10.00")])
    assert book.balance(customer, on) == D("0.00")


# -- 8. a proforma dated in the future cannot be voided -------------------------------------------


def test_a_proforma_dated_in_the_future_can_be_voided(book: InvoiceBook) -> None:
    """A proforma may carry a later date and can still be voided today."""
    customer = book.customer()
    on = date(2026, 3, 10)
    proforma = book.invoice(
        customer, on=on, type="proforma", date="2026-04-01", items=[item("10.00")]
    )
    voided = book.void(proforma.id, on=on)
    assert voided.state.value == "void"


# -- 9. numbering: a format that renders more than the 40-character column -------------------------


def test_a_numbering_format_never_renders_a_number_longer_than_40(api: Any) -> None:
    """A format that can render numbers longer than the 40 characters a number holds is refused
    in settings, before any invoice fails."""
    too_long = "INVOICE-" + "X" * 40 + "-{next|6}"
    r = api.put("/v1/settings", json={"numbering": {"invoice": too_long}})
    assert r.status_code == 422, r.text
    assert [(e["field"], e["code"]) for e in r.json()["errors"]] == [
        ("numbering.invoice", "too_long")
    ]
    fits = "INV-" + "X" * 20 + "-{next|6}"  # 4 + 20 + 1 + 10 digits at most: 35
    assert api.put("/v1/settings", json={"numbering": {"invoice": fits}}).status_code == 200
    cid = api.post("/v1/customers", json={"name": "Long", "currency": "EUR"}).json()["id"]
    body = {"date": "2025-03-05", "items": [item("10.00")]}
    created = api.post(f"/v1/customers/{cid}/invoices", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["number"] == "INV-" + "X" * 20 + "-000001"


# -- 10. numbering: two sequences render the same number, one of them gets a gap -------------------


def test_a_sequence_never_skips_a_number_because_another_sequence_rendered_it(
    book: InvoiceBook,
) -> None:
    """A format whose sequences could render the same number (`INV{month}{next}`: January's
    12th and November's 2nd are both INV112) is refused, so no sequence has to skip a value."""
    for ambiguous in ("INV{month}{next}", "{customer_id}{next}", "N{month}{day}-{next|4}"):
        with pytest.raises(InvalidInput) as refused:
            _settings(book, date(2026, 1, 1), numbering={"invoice": ambiguous})
        assert [(e.field, e.code) for e in refused.value.errors] == [
            ("numbering.invoice", "ambiguous")
        ]
    _settings(book, date(2026, 1, 1), numbering={"invoice": "INV{month|2}{next}"})
    customer = book.customer()
    for _ in range(12):
        book.invoice(customer, on=date(2026, 1, 20), items=[item("1.00")])
    november = [
        book.invoice(customer, on=date(2026, 11, 20), items=[item("1.00")]).number for _ in range(2)
    ]
    assert november == ["INV111", "INV112"]


# -- 11. a renumbered invoice: the ledger keeps what was posted, the old number stays taken -------


def test_a_renumbered_invoice_keeps_its_ledger_entry_and_its_old_number_taken(
    book: InvoiceBook,
) -> None:
    """Posted transactions never change (SPEC §4): the invoice's ledger entry keeps the number
    it was posted under, names the invoice by id, and that old number can never go to another
    document."""
    customer = book.customer()
    on = date(2026, 3, 10)
    invoice = book.invoice(customer, on=on, items=[item("10.00")])
    other = book.invoice(customer, on=on, items=[item("20.00")])
    assert invoice.transaction_id is not None
    old = invoice.number
    book.edit(invoice.id, on=on, number="MANUAL-1")
    tx = book.tx(invoice.transaction_id)
    assert (tx.reference, tx.invoice_id) == (old, invoice.id)
    with pytest.raises(DuplicateValue):
        book.edit(other.id, on=on, number=old)
