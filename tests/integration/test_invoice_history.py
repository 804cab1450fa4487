"""The invoices list, its status filter and the totals report answer as of a past day with
what was true at the end of that day: payments, pending payments and voids made later do not
show, and asking again later gives the same answer."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from invoicebook import InvoiceBook, item

from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import Status
from solde.billing.ports import Compare, InvoiceQuery
from solde.bootstrap import Container

ISSUED = date(2026, 3, 2)
PAID = date(2026, 3, 6)
LATER = date(2026, 3, 20)


def _listed(container: Container, as_of: date, **filters: object) -> dict[str, tuple[str, Decimal]]:
    query = InvoiceQuery(as_of=as_of, limit=100, **filters)  # type: ignore[arg-type]
    with container.uow(actor="test", write=False) as uow:
        rows = reading.list_invoices(uow, query).items
    return {r.document.number or "": (r.status.value, r.open_amount.amount) for r in rows}


def _totals(container: Container, as_of: date) -> dict[str, tuple[int, Decimal]]:
    with container.uow(actor="test", write=False) as uow:
        found = reading.totals(uow, customer_id=None, as_of=as_of)
    return {t.category: (t.count, t.amount.amount) for t in found.invoiced}


def test_a_past_day_keeps_its_statuses_and_totals(container: Container) -> None:
    book = InvoiceBook(container)
    cid = book.customer(payment_due_days=10)
    paid = book.invoice(cid, on=ISSUED, items=[item("100.00")])
    pending = book.invoice(cid, on=ISSUED, items=[item("40.00")])
    voided = book.invoice(cid, on=ISSUED, items=[item("25.00")])
    before = (_listed(container, ISSUED), _totals(container, ISSUED))
    # on the 6th: 60 paid on the first invoice; a direct debit for the second goes to the bank
    book.pay(cid, "60.00", on=PAID, invoice_id=paid.id)
    book.pay(cid, "40.00", on=PAID, invoice_id=pending.id, status="pending")
    book(billing.void_invoice, voided.id, {"reason": "duplicate"}, on=LATER)

    assert (_listed(container, ISSUED), _totals(container, ISSUED)) == before
    assert before[0] == {
        paid.number: ("unpaid", Decimal("100.00")),
        pending.number: ("unpaid", Decimal("40.00")),
        voided.number: ("unpaid", Decimal("25.00")),
    }
    assert _listed(container, PAID) == {
        paid.number: ("partially_paid", Decimal("40.00")),
        pending.number: ("pending", Decimal("40.00")),
        voided.number: ("unpaid", Decimal("25.00")),
    }
    # the 20th: past due (2 + 10 days), the void has happened
    assert _listed(container, LATER) == {
        paid.number: ("overdue", Decimal("40.00")),
        pending.number: ("pending", Decimal("40.00")),
        voided.number: ("void", Decimal("0.00")),
    }
    assert _totals(container, PAID) == {
        "invoiced": (3, Decimal("165.00")),
        "paid": (1, Decimal("60.00")),
        "unpaid": (3, Decimal("105.00")),
        "overdue": (0, Decimal("0.00")),
        "void": (0, Decimal("0.00")),
    }
    assert _totals(container, LATER) == {
        "invoiced": (2, Decimal("140.00")),
        "paid": (1, Decimal("60.00")),
        "unpaid": (2, Decimal("80.00")),
        "overdue": (1, Decimal("40.00")),
        "void": (1, Decimal("25.00")),
    }


def test_the_status_filter_and_balance_comparison_follow_the_day_asked(
    container: Container,
) -> None:
    book = InvoiceBook(container)
    cid = book.customer()
    invoice = book.invoice(cid, on=ISSUED, items=[item("100.00")])
    book.pay(cid, "100.00", on=PAID, invoice_id=invoice.id)
    statuses = frozenset({Status.PAID})
    assert _listed(container, ISSUED, statuses=statuses) == {}
    assert _listed(container, PAID, statuses=statuses) == {
        invoice.number: ("paid", Decimal("0.00"))
    }
    zero = ((Compare.EQ, Decimal(0)),)
    assert _listed(container, PAID - timedelta(days=1), invoice_balance=zero) == {}
    assert list(_listed(container, PAID, invoice_balance=zero)) == [invoice.number]
    # the same question asked through the invoice itself
    with container.uow(actor="test", write=False) as uow:
        doc = billing.get_invoice(uow, invoice.id)
        assert reading.describe(uow, doc, as_of=ISSUED).status is Status.UNPAID
        assert reading.describe(uow, doc, as_of=PAID).status is Status.PAID


def test_an_items_edit_leaves_the_invoice_balance_of_earlier_days_alone(
    container: Container,
) -> None:
    book = InvoiceBook(container)
    cid = book.customer()
    invoice = book.invoice(cid, on=ISSUED, items=[item("100.00")])
    before = _listed(container, PAID)
    book.edit(invoice.id, on=LATER, items=[item("80.00")])
    hundred, eighty = Decimal("100.00"), Decimal("80.00")
    assert _listed(container, PAID) == before == {invoice.number: ("unpaid", hundred)}
    assert _listed(container, LATER) == {invoice.number: ("overdue", eighty)}
    with container.uow(actor="test", write=False) as uow:
        doc = billing.get_invoice(uow, invoice.id)
        assert reading.describe(uow, doc, as_of=PAID).open_amount.amount == hundred
        assert reading.describe(uow, doc, as_of=LATER).open_amount.amount == eighty
