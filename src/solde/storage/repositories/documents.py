"""Invoices, proformas and credit notes with their items, and their mapping to `Document`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, insert, select, update

from solde.billing.documents import DocState, DocType, Document, Item, Settled, status
from solde.billing.ports import InvoicedTotal, InvoiceQuery, Listed, PaidTotal
from solde.billing.reading import open_amount_of
from solde.domain.errors import Conflict, NotFound
from solde.domain.values import is_possible_id
from solde.ledger.ports import Page
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.ids import next_id, next_ids
from solde.storage.repositories import invoice_list
from solde.storage.tables import (
    allocations,
    document_items,
    document_numbers,
    documents,
    transactions,
)

d = documents.c
i = document_items.c
t = transactions.c
a = allocations.c

_GET = select(documents).where(d.id == bindparam("id"))
_NUMBER_OWNER = select(document_numbers.c.document_id).where(
    document_numbers.c.number == bindparam("number")
)
_ITEMS = (
    select(document_items)
    .where(i.customer_id == bindparam("customer_id"), i.document_id == bindparam("document_id"))
    .order_by(i.position)
)


# built once: a statement made per call costs more Python than its execution
_INSERT = insert(documents)
_INSERT_ITEMS = insert(document_items)
_INSERT_NUMBER = insert(document_numbers)
#: An invoice's debit carries its due date, for the receivables' aging (migration 0009).
_SET_DUE = (
    update(transactions)
    .where(
        transactions.c.customer_id == bindparam("tx_customer"),
        transactions.c.id == bindparam("tx_id"),
    )
    .values(due_date=bindparam("tx_due"))
)


def _row_values(doc: Document) -> dict[str, Any]:
    money = units.to_minor
    return {
        "type": doc.type.value,
        "state": doc.state.value,
        "number": doc.number,
        "document_date": doc.document_date,
        "due_date": doc.due_date,
        "currency": doc.currency,
        "net": money(doc.net),
        "tax": money(doc.tax),
        "total": money(doc.total),
        "period_start": doc.period_start,
        "period_end": doc.period_end,
        "transaction_id": doc.transaction_id,
        "credit_of": doc.credit_of,
        "converted_to": doc.converted_to,
        "converted_from": doc.converted_from,
        "account_balance": None if doc.account_balance is None else money(doc.account_balance),
        "paid_from_balance": doc.paid_from_balance,
        "reason": doc.reason,
        "note": doc.note,
        "memo": doc.memo,
        "custom_fields": dict(doc.custom_fields),
        "sent_at": doc.sent_at,
        "issued_on": doc.issued_on,
        "voided_on": doc.voided_on,
        "void_reason": doc.void_reason,
        "partner_id": doc.partner_id,
    }


def _item_rows(doc: Document) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": doc.customer_id,
            "document_id": doc.id,
            "position": position,
            "description": item.description,
            "quantity_e6": units.micros(item.quantity),
            "unit_price_e6": units.micros(item.unit_price),
            "tax_rate_e4": units.rate_units(item.tax_rate),
            "net": units.to_minor(item.net),
            "tax": units.to_minor(item.tax),
            "gross": units.to_minor(item.gross),
            "period_start": item.period_start,
            "period_end": item.period_end,
            "transaction_id": item.transaction_id,
            "service_id": item.service_id,
        }
        for position, item in enumerate(doc.items, start=1)
    ]


def _item(row: Row[Any], currency: str) -> Item:
    return Item(
        description=row.description,
        quantity=units.from_micros(row.quantity_e6),
        unit_price=units.from_micros(row.unit_price_e6),
        tax_rate=units.from_rate_units(row.tax_rate_e4),
        net=units.from_minor(row.net, currency),
        tax=units.from_minor(row.tax, currency),
        gross=units.from_minor(row.gross, currency),
        period_start=row.period_start,
        period_end=row.period_end,
        transaction_id=row.transaction_id,
        service_id=row.service_id,
    )


def to_document(row: Row[Any], items: Sequence[Item]) -> Document:
    """A document from its row and its items."""
    currency = row.currency
    money = units.from_minor
    return Document(
        id=row.id,
        customer_id=row.customer_id,
        type=DocType(row.type),
        state=DocState(row.state),
        number=row.number,
        document_date=row.document_date,
        due_date=row.due_date,
        currency=currency,
        net=money(row.net, currency),
        tax=money(row.tax, currency),
        total=money(row.total, currency),
        items=tuple(items),
        period_start=row.period_start,
        period_end=row.period_end,
        transaction_id=row.transaction_id,
        credit_of=row.credit_of,
        converted_to=row.converted_to,
        converted_from=row.converted_from,
        account_balance=None
        if row.account_balance is None
        else money(row.account_balance, currency),
        paid_from_balance=bool(row.paid_from_balance),
        reason=row.reason,
        note=row.note,
        memo=row.memo,
        custom_fields=dict(row.custom_fields or {}),
        sent_at=row.sent_at,
        issued_on=row.issued_on,
        voided_on=row.voided_on,
        void_reason=row.void_reason,
        partner_id=row.partner_id,
        created_by=row.created_by,
        created_at=row.created_at,
    )


class SqlDocuments:
    """Documents in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def new_id(self) -> int:
        """An unused document id."""
        return next_id(self._c, documents)

    def add(self, document: Document) -> Document:
        """Insert the document and its items."""
        now = datetime.now(UTC)
        self._c.execute(
            _INSERT,
            {
                "customer_id": document.customer_id,
                "id": document.id,
                "created_at": now,
                "created_by": document.created_by,
                **_row_values(document),
            },
        )
        rows = _item_rows(document)
        if rows:
            self._c.execute(_INSERT_ITEMS, rows)
        self._given(document)
        self._date_debits([document])
        return replace(document, created_at=now)

    def _date_debits(self, docs: Sequence[Document]) -> None:
        """Give each new invoice's debit its invoice's due date (the debit is posted before the
        invoice is saved; `replace` dates the debits of an edited invoice)."""
        due = [
            {"tx_customer": d.customer_id, "tx_id": d.transaction_id, "tx_due": d.due_date}
            for d in docs
            if d.transaction_id is not None and not d.is_credit_note
        ]
        if due:
            self._c.execute(_SET_DUE, due)

    def _given(self, document: Document) -> None:
        """Record the document's number as used, for good."""
        if document.number is not None:
            self._c.execute(
                _INSERT_NUMBER,
                {
                    "number": document.number,
                    "customer_id": document.customer_id,
                    "document_id": document.id,
                },
            )

    def new_ids(self, count: int) -> list[int]:
        """`count` unused document ids, increasing."""
        return next_ids(self._c, documents, count) if count else []

    def add_many(self, docs: Sequence[Document]) -> None:
        """Insert documents that have their ids, with their items and numbers, in one
        statement per table."""
        if not docs:
            return
        now = datetime.now(UTC)
        self._c.execute(
            _INSERT,
            [
                {
                    "customer_id": d.customer_id,
                    "id": d.id,
                    "created_at": now,
                    "created_by": d.created_by,
                    **_row_values(d),
                }
                for d in docs
            ],
        )
        items = [row for d in docs for row in _item_rows(d)]
        if items:
            self._c.execute(_INSERT_ITEMS, items)
        numbers = [
            {"number": d.number, "customer_id": d.customer_id, "document_id": d.id}
            for d in docs
            if d.number is not None
        ]
        if numbers:
            self._c.execute(_INSERT_NUMBER, numbers)
        self._date_debits(docs)

    def numbers_used(self, numbers: Sequence[str]) -> bool:
        """Whether any of the numbers was ever given."""
        for chunk in chunks(sorted(set(numbers))):
            query = select(document_numbers.c.number).where(document_numbers.c.number.in_(chunk))
            if self._c.execute(query.limit(1)).first() is not None:
                return True
        return False

    def delete_draft(self, document: Document) -> None:
        """Remove a draft (a preview's) and its items; it never had a number."""
        if document.state is not DocState.DRAFT:
            raise Conflict(f"document {document.id} is not a draft")
        key = {"c": document.customer_id, "d": document.id}
        self._c.execute(
            delete(document_items).where(
                document_items.c.customer_id == key["c"], document_items.c.document_id == key["d"]
            )
        )
        gone = self._c.execute(
            delete(documents).where(
                documents.c.customer_id == key["c"],
                documents.c.id == key["d"],
                documents.c.state == DocState.DRAFT.value,
            )
        )
        if gone.rowcount != 1:
            raise Conflict(f"draft {document.id} changed meanwhile")

    def get(self, document_id: int) -> Document:
        """The document with its items, or NotFound."""
        if not is_possible_id(document_id):
            raise NotFound("document", document_id)
        row = self._c.execute(_GET, {"id": document_id}).first()
        if row is None:
            raise NotFound("document", document_id)
        return self._with_items([row])[0]

    def _with_items(self, rows: Sequence[Row[Any]]) -> list[Document]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        found: dict[int, list[Item]] = {doc_id: [] for doc_id in ids}
        query = (
            select(document_items)
            .where(i.document_id.in_(ids), i.customer_id.in_({r.customer_id for r in rows}))
            .order_by(i.document_id, i.position)
        )
        currency = {r.id: r.currency for r in rows}
        for item in self._c.execute(query):
            found[item.document_id].append(_item(item, currency[item.document_id]))
        return [to_document(r, found[r.id]) for r in rows]

    def replace(self, before: Document, after: Document) -> None:
        """Save the document (and its items when they changed), provided its state and number
        are still what `before` says."""
        result = self._c.execute(
            update(documents)
            .where(
                d.customer_id == before.customer_id,
                d.id == before.id,
                d.state == before.state.value,
            )
            .values(**_row_values(after))
        )
        if result.rowcount != 1:
            raise Conflict(f"document {before.id} was changed by another request; try again")
        if after.transaction_id != before.transaction_id or after.due_date != before.due_date:
            # every debit the invoice ever posted: a past day's receivables age the one
            # then open (reversed since by an edit) by the invoice's due date too
            self._c.execute(
                update(transactions)
                .where(
                    transactions.c.customer_id == after.customer_id,
                    transactions.c.invoice_id == after.id,
                    transactions.c.type == "invoice",
                    transactions.c.kind == "debit",
                )
                .values(due_date=after.due_date)
            )
        if after.number != before.number and self.id_of_number(after.number or "") is None:
            self._given(after)
        if after.items != before.items:
            self._c.execute(
                delete(document_items).where(
                    i.customer_id == before.customer_id, i.document_id == before.id
                )
            )
            rows = _item_rows(after)
            if rows:
                self._c.execute(insert(document_items), rows)

    def id_of_number(self, number: str) -> int | None:
        """The document that holds or once held `number` (numbers are never reused)."""
        return self._c.execute(_NUMBER_OWNER, {"number": number}).scalar()

    def credit_notes_of(self, invoice_id: int) -> list[Document]:
        """Credit notes of an invoice, oldest first."""
        rows = self._c.execute(
            select(documents)
            .where(d.credit_of == invoice_id, d.type == DocType.CREDIT_NOTE.value)
            .order_by(d.id)
        ).all()
        return self._with_items(rows)

    def last_recurring(self, customer_id: int, before: date | None = None) -> Document | None:
        """The latest issued, non-void recurring invoice of the customer (dated before
        `before` when given)."""
        query = select(documents).where(
            d.customer_id == customer_id,
            d.type == DocType.RECURRING.value,
            d.state == DocState.ISSUED.value,
        )
        if before is not None:
            query = query.where(d.document_date < before)
        row = self._c.execute(query.order_by(d.document_date.desc(), d.id.desc()).limit(1)).first()
        return None if row is None else self._with_items([row])[0]

    def settled(self, docs: Sequence[Document], as_of: date) -> dict[int, Settled]:
        """Open amount at the end of `as_of` and pending payments, for documents with a
        transaction. An invoice whose items were edited has had several transactions (each
        cancelled by a reversal on the day of the next): its open amount on a day is what its
        transactions posted by then had open then."""
        found: dict[int, Settled] = {}
        for doc in docs:
            if doc.transaction_id is None:
                continue
            row = self._c.execute(
                invoice_list.open_as_of(doc.is_credit_note),
                {
                    "customer_id": doc.customer_id,
                    "document_id": doc.id,
                    "transaction_id": doc.transaction_id,
                    "as_of": as_of,
                },
            ).one()
            found[doc.id] = Settled(
                open_amount=units.from_minor(int(row.open_amount), doc.currency),
                pending_payment=bool(row.pending),
            )
        return found

    def search(self, query: InvoiceQuery) -> Page[Listed]:
        """A page of the invoices list, newest first."""
        stmt = invoice_list.page(query)
        rows = self._c.execute(stmt).all()
        listed = self._listed(rows[: query.limit], query.as_of)
        return Page(tuple(listed), len(rows) > query.limit)

    def count(self, query: InvoiceQuery) -> int:
        """How many documents match the filters."""
        return int(self._c.execute(invoice_list.counted(query)).scalar_one())

    def each(self, query: InvoiceQuery) -> Iterator[Listed]:
        """Every matching document, newest first, read in batches."""
        after: int | None = None
        while True:
            stmt = invoice_list.batch(query, after=after, size=500)
            rows = self._c.execute(stmt).all()
            if not rows:
                return
            yield from self._listed(rows, query.as_of)
            after = rows[-1].id

    def _listed(self, rows: Sequence[Row[Any]], as_of: date) -> list[Listed]:
        docs = self._with_items(rows)
        out = []
        for doc, row in zip(docs, rows, strict=True):
            settled = None
            if row.tx_open is not None:
                settled = Settled(
                    open_amount=units.from_minor(row.tx_open, doc.currency),
                    pending_payment=bool(row.pending),
                )
            out.append(
                Listed(
                    doc,
                    settled,
                    status(doc, settled, as_of=as_of),
                    open_amount_of(doc, settled, as_of),
                )
            )
        return out

    def mark_sent(self, document_ids: Sequence[int], at: object) -> int:
        """Stamp `sent_at` where it is still empty."""
        if not document_ids:
            return 0
        result = self._c.execute(
            update(documents)
            .where(d.id.in_(list(document_ids)), d.sent_at.is_(None))
            .values(sent_at=at)
        )
        return int(result.rowcount)

    def invoiced_totals(self, customer_id: int | None, as_of: date) -> list[InvoicedTotal]:
        """Issued invoices by currency and status category."""
        return invoice_list.invoiced_totals(self._c, customer_id, as_of)

    def paid_totals(self, customer_id: int | None, as_of: date) -> list[PaidTotal]:
        """Confirmed payments by currency and method."""
        return invoice_list.paid_totals(self._c, customer_id, as_of)
