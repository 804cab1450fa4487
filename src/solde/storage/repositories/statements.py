"""Read model: customer statements (SPEC §11).

A statement reads the posted transactions (`open` and `closed`) of one customer by date: one
sum for the opening balance, then the rows of the period in (date, id) order, each with the
number of the document it stands for, voids or names, and the type of the transaction it
reverses. Both go through the index on (customer_id, state, date).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from solde.domain.money import Money
from solde.ledger.model import Kind, TxType
from solde.ledger.statements import Posting
from solde.storage import units
from solde.storage.repositories.balances import POSTED
from solde.storage.tables import documents, transactions

t = transactions.c
_reversed = transactions.alias("reversed")
_own = documents.alias("own")  # the document the transaction stands for or voids
_named = documents.alias("named")  # the invoice a payment names


def _posted(customer_id: int) -> list[ColumnElement[bool]]:
    return [t.customer_id == customer_id, t.state.in_(POSTED)]


class SqlStatements:
    """Read model: customer statements (SPEC §11)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def opening_balance(self, customer_id: int, currency: str, before: date) -> Money:
        """The balance of the posted transactions dated before `before`: Σ debits − Σ
        credits."""
        signed = case((t.kind == Kind.DEBIT.value, t.amount), else_=-t.amount)
        total = self._c.execute(
            select(func.sum(signed)).where(*_posted(customer_id), t.date < before)
        ).scalar()
        return units.from_minor(int(total or 0), currency)

    def postings(self, customer_id: int, currency: str, start: date, end: date) -> list[Posting]:
        """The posted transactions dated from `start` to `end` included, by date then id."""
        query = (
            select(
                t.id,
                t.date,
                t.kind,
                t.type,
                t.label,
                t.reference,
                t.amount,
                func.coalesce(_own.c.number, _named.c.number).label("number"),
                _reversed.c.type.label("reverses_type"),
            )
            .select_from(
                transactions.outerjoin(
                    _reversed,
                    and_(
                        _reversed.c.customer_id == t.customer_id,
                        _reversed.c.id == t.reverses_id,
                    ),
                )
                .outerjoin(
                    _own,
                    and_(
                        _own.c.customer_id == t.customer_id,
                        _own.c.transaction_id == func.coalesce(t.reverses_id, t.id),
                    ),
                )
                .outerjoin(
                    _named,
                    and_(_named.c.customer_id == t.customer_id, _named.c.id == t.invoice_id),
                )
            )
            .where(*_posted(customer_id), t.date >= start, t.date <= end)
            .order_by(t.date, t.id)
        )
        return [_posting(row, currency) for row in self._c.execute(query)]


def _posting(row: Any, currency: str) -> Posting:
    return Posting(
        id=row.id,
        date=row.date,
        kind=Kind(row.kind),
        type=TxType(row.type),
        label=row.label,
        reference=row.reference,
        document_number=row.number,
        amount=units.from_minor(row.amount, currency),
        reverses_type=None if row.reverses_type is None else TxType(row.reverses_type),
    )
