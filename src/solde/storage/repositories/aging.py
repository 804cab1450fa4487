"""The receivables' figures of every customer as of a day (SPEC §12): balance, open debits and
credits, payments awaiting confirmation, and the open debit aged by days past due — as SQL
that the read model of the lists filters, sorts and pages.

A day on or after every customer's latest change is read from the aggregate rows, with the
open debits aged by their open amount now (from the partial index of open debits). When
neither the order nor a filter of a list needs the aged amounts, the list chooses its rows from
the aggregate rows alone (`aggregates_now`) and ages only the customers it keeps
(`aged_customers`): a page of 50 customers then reads 50 customers' open debits, not every
one. Its totals age every open debit, grouped by currency and due date first (`aged_every`),
less the customers the list leaves out; or, under a filter on the customers, the open debits
of the customers it keeps (`aged_of`).
An earlier day is computed from the dated history: each posted transaction dated on or before
it, opened again by the allocations dated after it, and the pending payments alive that day
(the meaning of `SqlBalances.as_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter

from solde.ledger.lists import OVERDUE, Bucket, first_due_of
from solde.ledger.model import Kind, Origin, State
from solde.storage.tables import (
    allocations,
    customer_balances,
    customers,
    transactions,
)

c = customers.c
b = customer_balances.c
t = transactions.c
a = allocations.c
POSTED = [State.OPEN.value, State.CLOSED.value]

BUCKETS = tuple(bucket.value for bucket in Bucket)
AGGREGATES = ("balance", "debit", "credit", "awaiting")
FIGURES = (*AGGREGATES, *BUCKETS)


def _due() -> ColumnElement[date]:
    """The due date of a posted debit: its invoice's due date, which an invoice's debit carries
    (`transactions.due_date`, kept by the documents' repository), else its own date."""
    return func.coalesce(t.due_date, t.date)


def _bucket_conditions(due: ColumnElement[date], as_of: date) -> dict[str, ColumnElement[bool]]:
    """Per bucket, whether a debit due on `due` is in it at the end of `as_of`."""
    found: dict[str, ColumnElement[bool]] = {Bucket.NOT_DUE.value: due >= as_of}
    upper = as_of  # due dates before this one are older than the previous bucket
    for bucket, _most in OVERDUE:
        first = first_due_of(bucket, as_of)
        found[bucket.value] = due < upper if first is None else and_(due < upper, due >= first)
        upper = first if first is not None else upper
    return found


@dataclass(frozen=True, slots=True)
class Figures:
    """The receivables' figures as of a day: the customers joined to what holds them, and
    each figure as a column of that join (zero for a customer without any)."""

    source: FromClause
    columns: dict[str, ColumnElement[int]]


#: Written out in the statement, so that the planner sees the condition of the partial index
#: `ix_transactions_open_debits` (a bound parameter would hide it).
_OPEN: BindParameter[str] = bindparam("open_state", State.OPEN.value, literal_execute=True)
_DEBIT: BindParameter[str] = bindparam("debit_kind", Kind.DEBIT.value, literal_execute=True)


def figures_now(as_of: date) -> Figures:
    """The aggregates now, with the open debits aged by their open amount now."""
    aged = _bucket_conditions(_due(), as_of)
    aging = (
        select(
            t.customer_id.label("customer_id"),
            *(
                func.sum(case((cond, t.open_amount), else_=0)).label(name)
                for name, cond in aged.items()
            ),
        )
        .select_from(transactions)
        .where(t.state == _OPEN, t.kind == _DEBIT)
        .group_by(t.customer_id)
        .subquery("aging")
    )
    source = customers.join(customer_balances, b.customer_id == c.id).outerjoin(
        aging, aging.c.customer_id == c.id
    )
    columns: dict[str, ColumnElement[int]] = {
        "balance": b.balance,
        "debit": b.debit,
        "credit": b.credit,
        "awaiting": b.awaiting,
    }
    columns.update((name, func.coalesce(aging.c[name], 0)) for name in aged)
    return Figures(source, columns)


def aggregates_now() -> Figures:
    """The customers joined to their aggregate rows, with the figures those rows hold now
    (balance, debit, credit, awaiting) and no aged amounts."""
    source = customers.join(customer_balances, b.customer_id == c.id)
    return Figures(source, {name: b[name] for name in AGGREGATES})


def _aged_sums(as_of: date) -> list[ColumnElement[Any]]:
    aged = _bucket_conditions(_due(), as_of)
    return [func.sum(case((aged[name], t.open_amount), else_=0)).label(name) for name in BUCKETS]


def overdue_since(bucket: Bucket, as_of: date) -> date:
    """The due date before which a debit is in `bucket` or an older one at the end of
    `as_of` (the upper bound of `bucket` in `_bucket_conditions`)."""
    younger = [b for b, _most in OVERDUE]
    index = younger.index(bucket)
    if index == 0:
        return as_of
    earlier = first_due_of(younger[index - 1], as_of)
    assert earlier is not None  # only the oldest bucket has no lower bound
    return earlier


def has_overdue(
    customer_id: ColumnElement[int], bucket: Bucket, as_of: date
) -> ColumnElement[bool]:
    """Whether the customer has an open debit now in `bucket` or an older one as of the end
    of `as_of`: a range of its open debits in the index by customer."""
    return (
        select(t.customer_id)  # a column of the index: it is read alone
        .where(
            t.customer_id == customer_id,
            t.state == _OPEN,
            t.kind == _DEBIT,
            t.open_amount > 0,
            _due() < overdue_since(bucket, as_of),
        )
        .exists()
    )


def aged_customers(ids: Sequence[int], as_of: date) -> Select[Any]:
    """Per customer among `ids` with an open debit: its customer id, then its open debits
    aged as of the end of `as_of`, one sum per bucket (in `BUCKETS` order)."""
    return (
        select(t.customer_id, *_aged_sums(as_of))
        .select_from(transactions)
        .where(t.state == _OPEN, t.kind == _DEBIT, t.customer_id.in_(list(ids)))
        .group_by(t.customer_id)
    )


def aged_every(as_of: date, currency: str | None = None) -> Select[Any]:
    """Per currency (only `currency` when given): every open debit aged as of the end of
    `as_of`, one sum per bucket. The open debits are read in the order of the index by currency
    and due date, summed per (currency, due date, date) without a sort: a few thousand groups,
    which are then aged."""
    where = [t.state == _OPEN, t.kind == _DEBIT]
    if currency is not None:
        where.append(t.currency == currency)
    dues = (
        select(
            t.currency.label("currency"),
            t.due_date.label("due_date"),
            t.date.label("date"),
            func.sum(t.open_amount).label("amount"),
        )
        .where(*where)
        .group_by(t.currency, t.due_date, t.date)
        .subquery("dues")
    )
    aged = _bucket_conditions(func.coalesce(dues.c.due_date, dues.c.date), as_of)
    return select(
        dues.c.currency,
        *(func.sum(case((aged[name], dues.c.amount), else_=0)).label(name) for name in BUCKETS),
    ).group_by(dues.c.currency)


def aged_of(as_of: date, ids: Select[Any]) -> Select[Any]:
    """Per currency: the open debits of the customers whose ids `ids` selects, aged as of the
    end of `as_of`, one sum per bucket; each customer's read from the index of open debits by
    customer."""
    return (
        select(t.currency, *_aged_sums(as_of))
        .where(t.state == _OPEN, t.kind == _DEBIT, t.customer_id.in_(ids))
        .group_by(t.currency)
    )


def figures_then(as_of: date) -> Figures:
    """The figures at the end of a past day, from the dated history."""
    sides = union_all(
        select(a.customer_id, a.debit_id.label("tx"), a.amount).where(a.date <= as_of),
        select(a.customer_id, a.credit_id.label("tx"), a.amount).where(a.date <= as_of),
    ).subquery("sides")
    settled = (
        select(sides.c.customer_id, sides.c.tx, func.sum(sides.c.amount).label("settled"))
        .group_by(sides.c.customer_id, sides.c.tx)
        .subquery("settled")
    )
    posted = and_(t.state.in_(POSTED), t.date <= as_of)
    pending = and_(
        t.origin == Origin.PENDING.value,
        t.entered_on <= as_of,
        or_(t.resolved_on.is_(None), t.resolved_on > as_of),
    )
    is_debit = t.kind == Kind.DEBIT.value
    signed = case((is_debit, t.amount), else_=-t.amount)
    open_then = t.amount - func.coalesce(settled.c.settled, 0)
    aged = _bucket_conditions(_due(), as_of)
    source = transactions.outerjoin(
        settled, and_(settled.c.customer_id == t.customer_id, settled.c.tx == t.id)
    )
    figures = (
        select(
            t.customer_id.label("customer_id"),
            func.sum(case((posted, signed), else_=0)).label("balance"),
            func.sum(case((and_(posted, is_debit), open_then), else_=0)).label("debit"),
            (-func.sum(case((and_(posted, ~is_debit), open_then), else_=0))).label("credit"),
            func.sum(case((pending, signed), else_=0)).label("awaiting"),
            *(
                func.sum(case((and_(posted, is_debit, cond), open_then), else_=0)).label(name)
                for name, cond in aged.items()
            ),
        )
        .select_from(source)
        .where(or_(posted, pending))
        .group_by(t.customer_id)
        .subquery("figures")
    )
    return Figures(
        customers.outerjoin(figures, figures.c.customer_id == c.id),
        {name: func.coalesce(figures.c[name], 0) for name in FIGURES},
    )
