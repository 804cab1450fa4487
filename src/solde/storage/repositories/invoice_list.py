"""The invoices list and the totals report in SQL (SPEC §12).

Each row carries the open amount of the document's transaction now (`tx_open`) and whether a
payment awaiting confirmation names it (`pending`). The status filter repeats the rule of
`billing.documents.status` as a CASE expression; a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import ColumnElement, Select

from solde.billing.documents import DocState, DocType
from solde.billing.ports import Compare, InvoicedTotal, InvoiceQuery, PaidTotal
from solde.domain import currency as currencies
from solde.domain.errors import InvalidInput
from solde.ledger.model import Origin, PaymentMethod, State, TxType
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.tables import (
    allocations,
    customer_balances,
    documents,
    invoice_group_members,
    invoice_groups,
    transactions,
)

d = documents.c
t = transactions.c
b = customer_balances.c
m = invoice_group_members.c
a = allocations.c
pay = transactions.alias("pay")
reversal = transactions.alias("reversal")

INVOICE_TYPES = (DocType.ONE_TIME.value, DocType.RECURRING.value)
#: Comparisons are made in thousandths of a major unit, whatever the currency's exponent.
_SCALE = 4
#: The largest amount a comparison takes (in major units): far above any balance, and small
#: enough that the scaled value stays a 64-bit integer.
_LARGEST = Decimal(10) ** 12


def _pending(as_of: date | Any) -> ColumnElement[bool]:
    """A payment that was awaiting bank confirmation at the end of `as_of` names the invoice."""
    return exists().where(
        pay.c.customer_id == d.customer_id,
        pay.c.invoice_id == d.id,
        pay.c.type == TxType.PAYMENT.value,
        pay.c.origin == Origin.PENDING.value,
        pay.c.entered_on <= as_of,
        or_(pay.c.resolved_on.is_(None), pay.c.resolved_on > as_of),
    )


def _void(as_of: date) -> ColumnElement[bool]:
    return and_(d.state == DocState.VOID.value, or_(d.voided_on.is_(None), d.voided_on <= as_of))


def _chain(as_of: date | Any) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """What an invoice's own transactions (every posting of it: an edit of its items posts
    it again) had posted by the end of `as_of`, and what was settled on them by then."""
    x = transactions.alias("x")
    y = allocations.alias("y")
    mine = (
        x.c.customer_id == d.customer_id,
        x.c.invoice_id == d.id,
        x.c.type == TxType.INVOICE.value,
    )
    posted = (
        select(func.coalesce(func.sum(x.c.amount), 0))
        .where(*mine, x.c.date <= as_of)
        .scalar_subquery()
    )
    settled = (
        select(func.coalesce(func.sum(y.c.amount), 0))
        .select_from(y.join(x, and_(y.c.customer_id == x.c.customer_id, y.c.debit_id == x.c.id)))
        .where(*mine, y.c.date <= as_of)
        .scalar_subquery()
    )
    return posted, settled


def _settled_on_tx(as_of: date | Any) -> ColumnElement[Any]:
    """What the allocations dated up to `as_of` settled on the document's transaction."""
    return (
        select(func.coalesce(func.sum(a.amount), 0))
        .where(
            a.customer_id == t.customer_id,
            or_(a.debit_id == t.id, a.credit_id == t.id),
            a.date <= as_of,
        )
        .scalar_subquery()
    )


def _tx_open(as_of: date) -> ColumnElement[Any]:
    """What the document's transaction had open at the end of `as_of`: its open amount now
    when nothing was allocated on it after that day; for an invoice posted again after that
    day (an edit of its items), what its earlier postings had open; else its amount less the
    allocations dated up to that day. The subqueries run only for the rows that need them."""
    chain_posted, chain_settled = _chain(as_of)
    reposted_later = and_(t.date > as_of, t.initiated_on.isnot(None), t.type == "invoice")
    return case(
        (
            and_(t.date <= as_of, or_(t.allocated_on.is_(None), t.allocated_on <= as_of)),
            t.open_amount,
        ),
        (and_(reposted_later, chain_posted > 0), chain_posted - chain_settled),
        (or_(t.allocated_on.is_(None), t.allocated_on <= as_of), t.open_amount),
        else_=t.amount - _settled_on_tx(as_of),
    )


def open_as_of(credit_note: bool) -> Select[Any]:
    """One document's open amount and pending flag at the end of `:as_of` (bound parameters
    `customer_id`, `document_id`, `transaction_id`, `as_of`)."""
    as_of = bindparam("as_of", type_=Date)
    amount = t.amount - _settled_on_tx(as_of)
    if not credit_note:
        chain_posted, chain_settled = _chain(as_of)
        amount = case((chain_posted > 0, chain_posted - chain_settled), else_=amount)
    return (
        select(amount.label("open_amount"), _pending(as_of).label("pending"))
        .select_from(documents)
        .join(transactions, and_(t.customer_id == d.customer_id, t.id == d.transaction_id))
        .where(
            d.customer_id == bindparam("customer_id"),
            d.id == bindparam("document_id"),
            t.id == bindparam("transaction_id"),
        )
    )


def _open(as_of: date) -> ColumnElement[Any]:
    """The invoice balance at the end of `as_of`: nothing on a void or converted document,
    else what its transaction had open, else its total (a proforma, a draft, a zero
    invoice)."""
    return case(
        (or_(_void(as_of), d.state == DocState.CONVERTED.value), 0),
        (t.id.is_(None), d.total),
        else_=_tx_open(as_of),
    )


def status_expression(as_of: date) -> ColumnElement[str]:
    """`billing.documents.status` as SQL, for the status filter."""
    open_amount = _open(as_of)
    return case(
        (_void(as_of), "void"),
        (d.state == DocState.DRAFT.value, "draft"),
        (d.type == DocType.CREDIT_NOTE.value, "issued"),
        (and_(d.type == DocType.PROFORMA.value, d.state == "converted"), "converted"),
        (and_(d.type == DocType.PROFORMA.value, d.due_date < as_of), "overdue"),
        (d.type == DocType.PROFORMA.value, "unpaid"),
        (open_amount == 0, "paid"),
        (_pending(as_of), "pending"),
        (d.due_date < as_of, "overdue"),
        (open_amount < d.total, "partially_paid"),
        else_="unpaid",
    )


def _factor() -> ColumnElement[Any]:
    """Minor units of each currency in thousandths of a major unit."""
    by_exponent: dict[int, list[str]] = {}
    for code, exp in currencies.EXPONENTS.items():
        by_exponent.setdefault(exp, []).append(code)
    whens = [
        (d.currency.in_(sorted(codes)), literal(10 ** (_SCALE - exp)))
        for exp, codes in sorted(by_exponent.items())
        if exp != 2
    ]
    return case(*whens, else_=literal(10 ** (_SCALE - 2)))


def _compare(column: ColumnElement[Any], op: Compare, value: Decimal, field: str) -> Any:
    if not value.is_finite() or abs(value) > _LARGEST:
        raise InvalidInput.single(
            field, "out_of_range", f"must be between -{_LARGEST:,} and {_LARGEST:,}"
        )
    scaled = value.scaleb(_SCALE)
    if scaled != scaled.to_integral_value():
        raise InvalidInput.single(field, "too_many_decimals", "may carry at most 4 decimals")
    right = cast(literal(int(scaled)), BigInteger)
    left = column * _factor()
    return {
        Compare.EQ: left == right,
        Compare.LT: left < right,
        Compare.LTE: left <= right,
        Compare.GT: left > right,
        Compare.GTE: left >= right,
    }[op]


def _base(query: InvoiceQuery) -> Select[Any]:
    stmt = (
        select(
            documents,
            case((t.id.is_(None), None), else_=_tx_open(query.as_of)).label("tx_open"),
            _pending(query.as_of).label("pending"),
            b.balance.label("customer_balance"),
        )
        .select_from(documents)
        .outerjoin(transactions, and_(t.customer_id == d.customer_id, t.id == d.transaction_id))
        .join(customer_balances, b.customer_id == d.customer_id)
    )
    return stmt.where(*_filters(query))


def _filters(query: InvoiceQuery) -> list[Any]:
    found: list[Any] = []
    if query.customer_id is not None:
        found.append(d.customer_id == query.customer_id)
    if query.types:
        found.append(d.type.in_(sorted(x.value for x in query.types)))
    else:
        found.append(d.type != DocType.CREDIT_NOTE.value)
    if query.statuses:
        found.append(status_expression(query.as_of).in_(sorted(s.value for s in query.statuses)))
    if query.date_from is not None:
        found.append(d.document_date >= query.date_from)
    if query.date_to is not None:
        found.append(d.document_date <= query.date_to)
    return found + _more_filters(query)


def _more_filters(query: InvoiceQuery) -> list[Any]:
    found: list[Any] = []
    if query.number:
        found.append(d.number.ilike(f"%{_escaped(query.number)}%", escape="\\"))
    if query.currency:
        found.append(d.currency == query.currency)
    if query.group_id is not None:
        found.append(
            exists().where(
                m.group_id == query.group_id, m.customer_id == d.customer_id, m.document_id == d.id
            )
        )
    for op, value in query.invoice_balance:
        found.append(_compare(_open(query.as_of), op, value, "invoice_balance"))
    for op, value in query.account_balance:
        found.append(_compare(b.balance, op, value, "account_balance"))
    return found


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def page(query: InvoiceQuery) -> Select[Any]:
    """One page (one row more than asked, to tell whether another follows)."""
    stmt = _base(query).order_by(d.id.desc()).limit(query.limit + 1)
    if query.starting_after is not None:
        stmt = stmt.where(d.id < query.starting_after)
    if query.offset:
        stmt = stmt.offset(query.offset)
    return stmt


def batch(query: InvoiceQuery, *, after: int | None, size: int) -> Select[Any]:
    """The next `size` matching rows below id `after` (a stream, newest first)."""
    stmt = _base(query).order_by(d.id.desc()).limit(size)
    return stmt if after is None else stmt.where(d.id < after)


def group_names(connection: Connection, document_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the invoice groups that hold each of `document_ids`, in the order the
    groups were made (documents in no group are left out)."""
    found: dict[int, list[str]] = {}
    for chunk in chunks(sorted(set(document_ids))):
        rows = connection.execute(
            select(m.document_id, invoice_groups.c.name)
            .join(invoice_groups, invoice_groups.c.id == m.group_id)
            .where(m.document_id.in_(chunk))
            .order_by(m.document_id, m.group_id)
        )
        for document_id, name in rows:
            found.setdefault(document_id, []).append(name)
    return found


def counted(query: InvoiceQuery) -> Select[Any]:
    """How many rows match."""
    return select(func.count()).select_from(_base(query).order_by(None).subquery())


def invoiced_totals(
    connection: Connection, customer_id: int | None, as_of: date
) -> list[InvoicedTotal]:
    """Issued invoices dated up to `as_of`, per currency: all of them (`invoiced`), what is
    paid on them (`paid`, partially paid included), what is left (`unpaid`, partially paid
    and overdue included), the overdue part (`overdue`: past due with no payment awaiting
    confirmation, as the status says), and void invoices (`void`)."""
    open_amount = _open(as_of)
    live = and_(d.state != DocState.DRAFT.value, ~_void(as_of))
    paid_part = d.total - open_amount
    overdue = and_(live, open_amount > 0, d.due_date < as_of, ~_pending(as_of))

    def total(flag: Any, amount: Any) -> tuple[Any, Any]:
        return (
            func.sum(case((flag, 1), else_=0)),
            func.sum(case((flag, amount), else_=0)),
        )

    columns = [
        *total(live, d.total),
        *total(and_(live, paid_part > 0), paid_part),
        *total(and_(live, open_amount > 0), open_amount),
        *total(overdue, open_amount),
        *total(_void(as_of), d.total),
    ]
    stmt = (
        select(d.currency, *columns)
        .select_from(documents)
        .outerjoin(transactions, and_(t.customer_id == d.customer_id, t.id == d.transaction_id))
        .where(d.type.in_(INVOICE_TYPES), d.document_date <= as_of, d.state != "draft")
        .group_by(d.currency)
    )
    if customer_id is not None:
        stmt = stmt.where(d.customer_id == customer_id)
    found: list[InvoicedTotal] = []
    names = ("invoiced", "paid", "unpaid", "overdue", "void")
    for row in connection.execute(stmt):
        currency = row[0]
        for index, name in enumerate(names):
            count, amount = row[1 + 2 * index], row[2 + 2 * index]
            found.append(
                InvoicedTotal(
                    currency, name, int(count or 0), units.from_minor(int(amount or 0), currency)
                )
            )
    return found


def paid_totals(connection: Connection, customer_id: int | None, as_of: date) -> list[PaidTotal]:
    """Confirmed payments dated up to `as_of` that no reversal cancelled, per currency and
    method."""
    stmt = (
        select(t.currency, t.method, func.count(), func.sum(t.amount))
        .where(
            t.type == TxType.PAYMENT.value,
            t.state.in_([State.OPEN.value, State.CLOSED.value]),
            t.date <= as_of,
            ~exists().where(reversal.c.reverses_id == t.id),
        )
        .group_by(t.currency, t.method)
        .order_by(t.currency, t.method)
    )
    if customer_id is not None:
        stmt = stmt.where(t.customer_id == customer_id)
    return [
        PaidTotal(
            currency,
            PaymentMethod(method or PaymentMethod.OTHER.value),
            int(count),
            units.from_minor(int(amount), currency),
        )
        for currency, method, count, amount in connection.execute(stmt)
    ]
