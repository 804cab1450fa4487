"""A book for billing stories: services, billing runs and what they invoiced, through the use
cases and the runner as the API and the CLI call them; and the ledger checks (SPEC §1) that
every billing story ends with, invariant 6 included: a service's days are billed once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from invoicebook import InvoiceBook
from sqlalchemy import func, select

from solde.billing import subscriptions
from solde.billing import usecases as billing
from solde.billing.documents import DocState, Document
from solde.billing.ports import CustomerOutcome, Run
from solde.billing.services import Charge, Service
from solde.bootstrap import Container
from solde.ledger import usecases as ledger
from solde.runs import run_billing
from solde.storage.tables import (
    allocations,
    billing_runs,
    customer_balances,
    daily_cycles,
    document_items,
    documents,
    services,
    transactions,
)

POSTED = ("open", "closed")


@dataclass(frozen=True)
class Line:
    """An invoice line as a reader checks it: net, gross, the days it bills."""

    net: str
    gross: str
    first: date | None
    last: date | None


class BillBook(InvoiceBook):
    """`invoicebook.InvoiceBook` with services and billing runs."""

    def service(
        self,
        customer: int,
        price: str,
        start: date,
        *,
        rate: str = "0",
        quantity: str = "1",
        end: date | None = None,
        description: str = "Fibre",
        on: date | None = None,
    ) -> int:
        """A service of `price` per billing period, from `start`."""
        values: dict[str, object] = {
            "description": description,
            "unit_price": price,
            "quantity": quantity,
            "tax_rate": rate,
            "start_date": start.isoformat(),
        }
        if end is not None:
            values["end_date"] = end.isoformat()
        made = self(subscriptions.add_service, customer, values, on=on or start)
        return int(made.id)

    def change(self, service_id: int, *, on: date, **changes: Any) -> Service:
        """Change or end a service (`end_date=None` clears the end)."""
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
        return self(subscriptions.update_service, service_id, values, on=on)  # type: ignore[no-any-return]

    def get_service(self, service_id: int) -> Service:
        with self.container.uow(actor="test", write=False) as uow:
            return uow.services.get(service_id)

    def charges(self, service_id: int) -> list[tuple[date, date]]:
        """The days each charge of the service billed, oldest first."""
        with self.container.uow(actor="test", write=False) as uow:
            return [(c.first, c.last) for c in uow.services.charges_of(service_id)]

    def update_customer(self, customer: int, **changes: Any) -> None:
        """Change a customer's details or billing settings."""
        self(ledger.update_customer, customer, changes)

    # -- runs ------------------------------------------------------------------------------

    def run(self, day: date, *, on: date | None = None, workers: int = 1, **options: Any) -> Run:
        """The billing run of `day` (today is `day` unless `on` is given)."""
        values = {"date": day.isoformat(), **options}
        return run_billing(self.container, values, actor="test", on=on or day, workers=workers)

    def outcomes(self, run_id: int) -> dict[int, CustomerOutcome]:
        """What the run did, by customer."""
        with self.container.uow(actor="test", write=False) as uow:
            return {o.customer_id: o for o in uow.runs.outcomes(run_id, limit=10_000)}

    def run_of(self, run_id: int) -> Run:
        with self.container.uow(actor="test", write=False) as uow:
            return uow.runs.get(run_id)

    def documents_of(self, customer: int, *, state: DocState | None = None) -> list[Document]:
        """The customer's documents (drafts and void ones included), oldest first."""
        with self.container.uow(actor="test", write=False) as uow:
            query = select(documents.c.id).where(documents.c.customer_id == customer)
            if state is not None:
                query = query.where(documents.c.state == state.value)
            ids = uow.connection.execute(query.order_by(documents.c.id)).scalars()
            return [billing.get_document(uow, i) for i in ids]

    def invoices(self, customer: int) -> list[Document]:
        """The customer's issued invoices, oldest first."""
        return self.documents_of(customer, state=DocState.ISSUED)

    def only_invoice(self, customer: int) -> Document:
        found = self.invoices(customer)
        assert len(found) == 1, found
        return found[0]

    def cancel_last(self, customer: int, *, on: date) -> Document:
        return self(billing.cancel_last_recurring, customer, {}, on=on)  # type: ignore[no-any-return]

    def counts(self) -> dict[str, Any]:
        """What a simulation must leave as it was: rows of documents, transactions, runs and
        cycles, and how far each service is billed."""
        with self.container.engine.connect() as connection:
            counted: dict[str, Any] = {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in (documents, transactions, billing_runs, daily_cycles)
            }
            rows = connection.execute(select(services.c.id, services.c.billed_through))
            counted["billed_through"] = {r.id: r.billed_through for r in rows}
        return counted


def lines(doc: Document) -> list[Line]:
    """The document's lines, in order."""
    return [
        Line(str(i.net.amount), str(i.gross.amount), i.period_start, i.period_end)
        for i in doc.items
    ]


def check_books(container: Container) -> None:
    """SPEC §1 for every customer, read from the tables: (1) balance = Σ signed amounts =
    Σ signed open amounts of posted transactions; (2) 0 ≤ open ≤ amount; (3) Σ allocations =
    amount − open; (4) no negative invoice total, an invoice's open amount within its total;
    (5) numbers unique, drafts unnumbered; (6) a service's charges never overlap, end at
    `billed_through`, and each names the issued invoice that billed its first day."""
    with container.engine.connect() as connection:
        rows = list(connection.execute(select(transactions)))
        links = list(connection.execute(select(allocations)))
        aggregates = {r.customer_id: r for r in connection.execute(select(customer_balances))}
        docs = {r.id: r for r in connection.execute(select(documents))}
        items = list(connection.execute(select(document_items)))
    _check_ledger(rows, links, aggregates)
    _check_documents(docs, items, {r.id: r for r in rows})
    with container.uow(actor="test", write=False) as uow:
        for customer_id in aggregates:
            for service in uow.services.of_customer(customer_id):
                charges = uow.services.charges_of(service.id)
                _check_charges(service, charges, docs, items)


def _check_ledger(rows: list[Any], links: list[Any], aggregates: dict[int, Any]) -> None:
    settled: dict[int, int] = {r.id: 0 for r in rows}
    for link in links:
        settled[link.credit_id] += link.amount
        settled[link.debit_id] += link.amount
    for customer_id, aggregate in aggregates.items():
        posted = [r for r in rows if r.customer_id == customer_id and r.state in POSTED]
        for row in rows:
            if row.customer_id != customer_id:
                continue
            if row.state in POSTED:
                assert 0 <= row.open_amount <= row.amount, row  # invariant 2
                assert settled[row.id] == row.amount - row.open_amount, row  # invariant 3
            else:
                assert settled[row.id] == 0, row
        signed = sum(r.amount if r.kind == "debit" else -r.amount for r in posted)
        signed_open = sum(r.open_amount if r.kind == "debit" else -r.open_amount for r in posted)
        assert signed == signed_open == aggregate.balance, customer_id  # invariant 1


def _check_documents(docs: dict[int, Any], items: list[Any], rows: dict[int, Any]) -> None:
    gross: dict[int, int] = {}
    for item in items:
        gross[item.document_id] = gross.get(item.document_id, 0) + item.gross
    numbers = [d.number for d in docs.values() if d.number is not None]
    assert len(numbers) == len(set(numbers)), numbers  # invariant 5
    for doc in docs.values():
        assert doc.total >= 0, doc  # invariant 4
        assert doc.net + doc.tax == doc.total, doc
        assert gross.get(doc.id, 0) == doc.total, doc
        if doc.state == DocState.DRAFT.value:
            assert doc.number is None, doc
            assert doc.transaction_id is None, doc
        elif doc.type in ("one_time", "recurring") and doc.transaction_id is not None:
            tx = rows[doc.transaction_id]
            assert (tx.kind, tx.type, tx.invoice_id) == ("debit", "invoice", doc.id), tx
            assert tx.amount == doc.total, (doc, tx)
            assert tx.open_amount <= doc.total, (doc, tx)  # invariant 4


def _check_charges(
    service: Service, charges: list[Charge], docs: dict[int, Any], items: list[Any]
) -> None:
    for before, after in pairwise(charges):
        assert before.last < after.first, (service, charges)  # invariant 6
    for charge in charges:
        assert service.start_date <= charge.first <= charge.last, (service, charge)
        if charge.document_id is not None:
            doc = docs[charge.document_id]
            assert doc.state == DocState.ISSUED.value, (charge, doc)
            billed = [
                i
                for i in items
                if i.document_id == doc.id
                and i.service_id == service.id
                and i.period_start == charge.first
                and i.period_end >= charge.last
            ]
            assert len(billed) == 1, (charge, doc)
    if charges:
        assert charges[-1].last == service.billed_through, (service, charges)
    else:
        assert service.billed_through is None, service
