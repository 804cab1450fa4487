"""A book for invoice stories: customers, lines, payments, invoices and credit notes through
the use cases, one committed unit of work per action, as the API calls them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from books import Book

from solde.billing import reading
from solde.billing import usecases as billing
from solde.billing.documents import Document
from solde.billing.editing import update_invoice
from solde.billing.reading import InvoiceView
from solde.ledger import usecases as ledger
from solde.settlement import usecases as settlement


def item(price: str, rate: str = "0", description: str = "Service", quantity: str = "1") -> dict:
    """A typed invoice item as a user sends it."""
    return {
        "description": description,
        "quantity": quantity,
        "unit_price": price,
        "tax_rate": rate,
    }


class InvoiceBook(Book):
    """`books.Book` with the actions of invoice stories."""

    def line(
        self,
        customer: int,
        price: str,
        day: date,
        *,
        on: date,
        kind: str = "debit",
        rate: str = "0",
        label: str = "line",
    ) -> int:
        """An unbilled line waiting for the next invoice."""
        values = {
            "kind": kind,
            "type": "charge" if kind == "debit" else "gift",
            "label": label,
            "unit_price": price,
            "tax_rate": rate,
            "date": day.isoformat(),
            "bill_on_next_invoice": True,
        }
        return int(self(settlement.add_entry, customer, values, on=on).id)

    def charge(self, customer: int, price: str, day: date, *, on: date) -> int:
        """A debit posted at once (not billed)."""
        values = {
            "kind": "debit",
            "type": "charge",
            "label": "charge",
            "unit_price": price,
            "date": day.isoformat(),
            "bill_on_next_invoice": False,
        }
        return int(self(settlement.add_entry, customer, values, on=on).id)

    def pay(self, customer: int, amount: str, *, on: date, **values: Any) -> Any:
        body = {"amount": amount, "method": "bank_transfer", "date": on.isoformat(), **values}
        return self(settlement.record_payment, customer, body, on=on)

    def invoice(self, customer: int, *, on: date, **values: Any) -> Document:
        body = {"date": on.isoformat(), **values}
        return self(billing.create_invoice, customer, body, on=on)

    def credit_note(self, invoice_id: int, *, on: date, **values: Any) -> Document:
        body = {"reason": "correction", **values}
        return self(billing.issue_credit_note, invoice_id, body, on=on)

    def void(self, document_id: int, *, on: date, **values: Any) -> Document:
        return self(billing.void_invoice, document_id, values, on=on)

    def edit(self, document_id: int, *, on: date, **changes: Any) -> Document:
        return self(update_invoice, document_id, changes, on=on)

    def view(self, document_id: int, *, as_of: date) -> InvoiceView:
        with self.container.uow(actor="test", write=False) as uow:
            doc = billing.get_document(uow, document_id)
            return reading.describe(uow, doc, as_of=as_of)

    def balance(self, customer: int, as_of: date) -> Decimal:
        with self.container.uow(actor="test", write=False) as uow:
            return ledger.get_balance(uow, customer, as_of=as_of).balance.amount

    def card(self, customer: int, as_of: date) -> Any:
        with self.container.uow(actor="test", write=False) as uow:
            return ledger.get_balance(uow, customer, as_of=as_of)

    def tx(self, tx_id: int) -> Any:
        with self.container.uow(actor="test", write=False) as uow:
            return ledger.get_transaction(uow, tx_id)

    def unbilled(self, customer: int) -> list[Any]:
        """The customer's unbilled lines, oldest first."""
        with self.container.uow(actor="test", write=False) as uow:
            lines = uow.transactions.unbilled_up_to(customer, date(9999, 12, 31))
        return sorted(lines, key=lambda tx: (tx.date, tx.id))
