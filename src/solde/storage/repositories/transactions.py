"""Transactions and unbilled lines, and their mapping to and from `Transaction`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql import Select

from solde.domain.errors import Conflict, NotFound
from solde.domain.money import Money
from solde.domain.values import is_possible_id
from solde.ledger.model import (
    Kind,
    NewTransaction,
    Origin,
    PaymentMethod,
    State,
    Transaction,
    TxType,
)
from solde.ledger.ports import Page, TransactionQuery
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.ids import next_id, next_ids
from solde.storage.tables import transactions

t = transactions.c


def _values(tx: NewTransaction | Transaction) -> dict[str, Any]:
    """The columns every transaction has, from its domain form."""
    return {
        "kind": tx.kind.value,
        "type": tx.type.value,
        "label": tx.label,
        "date": tx.date,
        "currency": tx.amount.currency,
        "amount": units.to_minor(tx.amount),
        "net": units.to_minor(tx.net),
        "tax": units.to_minor(tx.tax),
        "tax_rate_e4": units.rate_units(tx.tax_rate),
        "quantity_e6": units.micros(tx.quantity),
        "unit_price_e6": units.micros(tx.unit_price),
        "state": tx.state.value,
        "open_amount": units.to_minor(tx.open_amount),
        "origin": tx.origin.value,
        "entered_on": tx.entered_on,
        "initiated_on": tx.initiated_on,
        "reference": tx.reference,
        "method": None if tx.method is None else tx.method.value,
        "invoice_id": tx.invoice_id,
        "reverses_id": tx.reverses_id,
        "related_id": tx.related_id,
        "note": tx.note,
        "external_ref": tx.external_ref,
    }


def to_transaction(row: Row[Any]) -> Transaction:
    """A transaction from its row."""
    currency = row.currency
    return Transaction(
        id=row.id,
        customer_id=row.customer_id,
        kind=Kind(row.kind),
        type=TxType(row.type),
        label=row.label,
        date=row.date,
        amount=units.from_minor(row.amount, currency),
        net=units.from_minor(row.net, currency),
        tax=units.from_minor(row.tax, currency),
        tax_rate=units.from_rate_units(row.tax_rate_e4),
        quantity=units.from_micros(row.quantity_e6),
        unit_price=units.from_micros(row.unit_price_e6),
        state=State(row.state),
        open_amount=units.from_minor(row.open_amount, currency),
        origin=Origin(row.origin),
        entered_on=row.entered_on,
        resolved_on=row.resolved_on,
        allocated_on=row.allocated_on,
        initiated_on=row.initiated_on,
        reference=row.reference,
        method=None if row.method is None else PaymentMethod(row.method),
        invoice_id=row.invoice_id,
        reverses_id=row.reverses_id,
        related_id=row.related_id,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
        external_ref=row.external_ref,
    )


#: Columns a transaction's later changes may touch (never its customer, id or creation).
_MUTABLE = (
    "kind", "type", "label", "date", "currency", "amount", "net", "tax", "tax_rate_e4",
    "quantity_e6", "unit_price_e6", "state", "open_amount", "origin", "entered_on",
    "initiated_on", "reference", "method", "invoice_id", "reverses_id", "related_id", "note",
    "resolved_on", "allocated_on",
)  # fmt: skip
#: Statements built once: SQLAlchemy then reuses their compiled form on every call.
_INSERT = insert(transactions)
_UNCHANGED_MEANWHILE = (
    t.customer_id == bindparam("was_customer_id"),
    t.id == bindparam("was_id"),
    t.state == bindparam("was_state"),
    t.open_amount == bindparam("was_open_amount"),
)
_REPLACE = (
    update(transactions)
    .where(*_UNCHANGED_MEANWHILE)
    .values({name: bindparam(name) for name in _MUTABLE})
)
_GET = select(transactions).where(t.id == bindparam("id"))
_OPEN = select(transactions).where(
    t.customer_id == bindparam("customer_id"), t.state == State.OPEN.value
)
_UNBILLED_UP_TO = (
    select(transactions)
    .where(
        t.customer_id == bindparam("customer_id"),
        t.state == State.UNBILLED.value,
        t.date <= bindparam("day"),
    )
    .order_by(t.date, t.id)
)
_OF_INVOICE = (
    select(transactions)
    .where(t.customer_id == bindparam("customer_id"), t.invoice_id == bindparam("invoice_id"))
    .order_by(t.id)
)
#: What an allocation changes: fewer columns, fewer index entries rewritten.
_SETTLE = (
    update(transactions)
    .where(*_UNCHANGED_MEANWHILE)
    .values({name: bindparam(name) for name in ("state", "open_amount", "allocated_on")})
)


def _was(before: Transaction) -> dict[str, Any]:
    return {
        "was_customer_id": before.customer_id,
        "was_id": before.id,
        "was_state": before.state.value,
        "was_open_amount": units.to_minor(before.open_amount),
    }


class SqlTransactions:
    """Transactions in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, new: NewTransaction, *, created_by: str) -> Transaction:
        """Insert a transaction with a new id."""
        tx_id = next_id(self._c, transactions)
        now = datetime.now(UTC)
        row = {
            **_values(new),
            "customer_id": new.customer_id,
            "id": tx_id,
            "created_at": now,
            "created_by": created_by,
        }
        self._c.execute(_INSERT, row)
        return Transaction(id=tx_id, created_by=created_by, created_at=now, **_fields_of(new))

    def new_ids(self, count: int) -> list[int]:
        """`count` unused ids, increasing."""
        return next_ids(self._c, transactions, count) if count else []

    def add_many(self, items: Sequence[Transaction]) -> None:
        """Insert transactions that already have their ids, in one statement."""
        if not items:
            return
        now = datetime.now(UTC)
        rows = [
            {
                **_values(tx),
                "customer_id": tx.customer_id,
                "id": tx.id,
                "resolved_on": tx.resolved_on,
                "allocated_on": tx.allocated_on,
                "created_at": now,
                "created_by": tx.created_by,
            }
            for tx in items
        ]
        self._c.execute(_INSERT, rows)

    def refs_taken(self, keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
        """Those (customer id, external_ref) pairs of `keys` that transactions already hold (an
        import skips them: a file imported twice creates nothing new)."""
        wanted = set(keys)
        found: set[tuple[int, str]] = set()
        for chunk in chunks(sorted(wanted)):
            # two plain IN lists (a superset of the pairs) compile and run faster than a
            # list of row values; the pairs are then picked out here
            query = select(transactions.c.customer_id, transactions.c.external_ref).where(
                transactions.c.customer_id.in_({customer for customer, _ in chunk}),
                transactions.c.external_ref.in_({ref for _, ref in chunk}),
            )
            rows = ((row[0], row[1]) for row in self._c.execute(query))
            found.update(pair for pair in rows if pair in wanted)
        return found

    def get(self, transaction_id: int) -> Transaction:
        """The transaction, or NotFound."""
        if not is_possible_id(transaction_id):
            raise NotFound("transaction", transaction_id)
        row = self._c.execute(_GET, {"id": transaction_id}).first()
        if row is None:
            raise NotFound("transaction", transaction_id)
        return to_transaction(row)

    def replace(self, before: Transaction, after: Transaction) -> None:
        """Update the row, provided nobody changed its state or open amount meanwhile."""
        self.replace_many([(before, after)])

    def replace_many(self, changes: Sequence[tuple[Transaction, Transaction]]) -> None:
        """Update rows in one statement, each provided nobody changed it meanwhile."""
        if not changes:
            return
        params = [
            _values(after)
            | {"resolved_on": after.resolved_on, "allocated_on": after.allocated_on}
            | _was(before)
            for before, after in changes
        ]
        self._update(_REPLACE, params, changes)

    def settle_many(self, changes: Sequence[tuple[Transaction, Transaction]]) -> None:
        """Write new open amounts, states and allocation days, each provided nobody changed the
        row meanwhile."""
        if not changes:
            return
        params = [
            {
                "state": after.state.value,
                "open_amount": units.to_minor(after.open_amount),
                "allocated_on": after.allocated_on,
            }
            | _was(before)
            for before, after in changes
        ]
        self._update(_SETTLE, params, changes)

    def _update(
        self,
        statement: Any,
        params: list[dict[str, Any]],
        changes: Sequence[tuple[Transaction, Transaction]],
    ) -> None:
        result = self._c.execute(statement, params)
        if result.rowcount != len(params):
            ids = ", ".join(str(before.id) for before, _ in changes)
            raise Conflict(f"transaction {ids} was changed by another request; try again")

    def open_items(self, customer_id: int) -> list[Transaction]:
        """The customer's posted transactions that are not fully settled."""
        return [to_transaction(r) for r in self._c.execute(_OPEN, {"customer_id": customer_id})]

    def unbilled_up_to(self, customer_id: int, day: date) -> list[Transaction]:
        """The customer's unbilled lines dated on or before `day`, oldest first."""
        rows = self._c.execute(_UNBILLED_UP_TO, {"customer_id": customer_id, "day": day})
        return [to_transaction(r) for r in rows]

    def unbilled_of(self, customer_ids: Sequence[int], day: date) -> dict[int, list[Transaction]]:
        """Unbilled lines dated up to `day` of several customers, oldest first, by customer."""
        found: dict[int, list[Transaction]] = defaultdict(list)
        for chunk in chunks(sorted(set(customer_ids))):
            query = (
                select(transactions)
                .where(t.customer_id.in_(chunk), t.state == State.UNBILLED.value, t.date <= day)
                .order_by(t.customer_id, t.date, t.id)
            )
            for row in self._c.execute(query):
                found[row.customer_id].append(to_transaction(row))
        return dict(found)

    def of_invoice(self, customer_id: int, invoice_id: int) -> list[Transaction]:
        """The customer's transactions naming the invoice, by id."""
        rows = self._c.execute(_OF_INVOICE, {"customer_id": customer_id, "invoice_id": invoice_id})
        return [to_transaction(r) for r in rows]

    def open_items_of(self, customer_ids: Sequence[int]) -> dict[int, list[Transaction]]:
        """`open_items` of several customers, by customer."""
        found: dict[int, list[Transaction]] = defaultdict(list)
        for chunk in chunks(sorted(set(customer_ids))):
            query = select(transactions).where(
                t.customer_id.in_(chunk), t.state == State.OPEN.value
            )
            for row in self._c.execute(query):
                found[row.customer_id].append(to_transaction(row))
        return found

    def search(self, query: TransactionQuery) -> Page[Transaction]:
        """A page of the customer's transactions, newest first."""
        stmt: Select[Any] = (
            select(transactions)
            .where(t.customer_id == query.customer_id)
            .order_by(t.id.desc())
            .limit(query.limit + 1)
        )
        if query.states:
            stmt = stmt.where(t.state.in_(sorted(s.value for s in query.states)))
        if query.kind is not None:
            stmt = stmt.where(t.kind == query.kind.value)
        if query.types:
            stmt = stmt.where(t.type.in_(sorted(x.value for x in query.types)))
        if query.date_from is not None:
            stmt = stmt.where(t.date >= query.date_from)
        if query.date_to is not None:
            stmt = stmt.where(t.date <= query.date_to)
        if query.starting_after is not None:
            stmt = stmt.where(t.id < query.starting_after)
        rows = self._c.execute(stmt).all()
        items = tuple(to_transaction(r) for r in rows[: query.limit])
        return Page(items, len(rows) > query.limit)

    def reversal_of(self, transaction_id: int) -> Transaction | None:
        """The transaction reversing this one."""
        row = self._c.execute(select(transactions).where(t.reverses_id == transaction_id)).first()
        return None if row is None else to_transaction(row)

    def related_total(self, transaction_id: int, tx_type: TxType) -> Money | None:
        """Sum of the posted, unreversed transactions of `tx_type` related to this one."""
        return self.related_totals([transaction_id], tx_type).get(transaction_id)

    def related_totals(self, transaction_ids: Sequence[int], tx_type: TxType) -> dict[int, Money]:
        """For each of `transaction_ids`, the sum of the posted, unreversed transactions of
        `tx_type` related to it (absent when there is none)."""
        reversal = transactions.alias("reversal")
        found: dict[int, Money] = {}
        for chunk in chunks(sorted(set(transaction_ids))):
            query = (
                select(t.related_id, t.currency, func.sum(t.amount))
                .where(
                    t.related_id.in_(chunk),
                    t.type == tx_type.value,
                    t.state.in_([State.OPEN.value, State.CLOSED.value]),
                    ~exists().where(and_(reversal.c.reverses_id == t.id)),
                )
                .group_by(t.related_id, t.currency)
            )
            for related_id, currency, total in self._c.execute(query):
                found[related_id] = units.from_minor(total, currency)
        return found

    def reversed_among(self, transaction_ids: Sequence[int]) -> set[int]:
        """Those of `transaction_ids` that another transaction reverses."""
        found: set[int] = set()
        for chunk in chunks(sorted(set(transaction_ids))):
            query = select(t.reverses_id).where(t.reverses_id.in_(chunk))
            found.update(self._c.execute(query).scalars())
        return found

    def pending_total(self, customer_id: int, tx_type: TxType) -> Money | None:
        """Sum of the customer's payments or refunds of `tx_type` awaiting confirmation."""
        query = (
            select(t.currency, func.sum(t.amount))
            .where(
                t.customer_id == customer_id,
                t.state == State.PENDING.value,
                t.type == tx_type.value,
            )
            .group_by(t.currency)
        )
        row = self._c.execute(query).first()
        return None if row is None else units.from_minor(row[1], row[0])


def _fields_of(new: NewTransaction) -> dict[str, Any]:
    return {name: getattr(new, name) for name in NewTransaction.__dataclass_fields__}
