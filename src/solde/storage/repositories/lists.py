"""Read model: balance by customer and receivables (SPEC §12).

Both lists are one SQL statement each, filtered, ordered and paged in the database, so that a
page of 100,000 customers never brings them into Python, and an export streams every row of
one statement in batches.

Pages are keyset pages: the cursor is the id of the last customer of the previous page; the
next page holds the customers whose sort keys come after that customer's (read again, so a
cursor stays valid when the filters change), with the id breaking ties.

**Balance by customer** reads the customers joined to their aggregate rows alone. Whether a
customer is stale is worked out in SQL from the customer's billing day and period (its own or
the defaults of settings) as month numbers: the last billing day on or before D falls in the
latest month, not after D's, whose number is congruent to the customer's anchor month modulo
its period (the anchor is the billing day on or before its first service's start; without a
service, January 2000). That is `domain.periods.period_containing(D, anchor, months).start`,
written with integer arithmetic that SQLite and PostgreSQL both evaluate, so the flag can be
filtered and sorted on.

**Receivables** join the customers to their figures as of the day (`aging`): from the
aggregate rows and the open debits on or after every customer's latest change, from the dated
history before. On such a day, unless the order or a filter is an aged amount, a page is
chosen from the customers and their aggregate rows first, and only its customers' open debits
are aged (an export, which reads every customer, ages every open debit in one pass); the
totals sum the aggregate rows per currency and age the open debits of the filtered customers in
one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    FromClause,
    Integer,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
)

from solde.domain.errors import InvalidInput
from solde.ledger.lists import (
    OVERDUE,
    BalanceListQuery,
    BalanceRow,
    BalanceSort,
    ReceivableRow,
    ReceivableSort,
    ReceivablesQuery,
    ReceivableTotals,
    Scope,
)
from solde.ledger.ports import Page
from solde.storage import units
from solde.storage.repositories.aging import (
    AGGREGATES,
    BUCKETS,
    FIGURES,
    Figures,
    aged_customers,
    aged_every,
    aged_of,
    aggregates_now,
    figures_now,
    figures_then,
    has_overdue,
)
from solde.storage.repositories.settings import SqlSettings
from solde.storage.tables import (
    allocations,
    customer_balances,
    customers,
    documents,
    services,
    transactions,
)

c = customers.c
b = customer_balances.c
t = transactions.c
a = allocations.c
d = documents.c
s = services.c
#: Rows fetched at a time by an export.
STREAM_BATCH = 2_000
#: The anchor month of a customer without services: January 2000 (months since year 0).
CALENDAR_ANCHOR_MONTH = 2000 * 12
_LAST_DATE = date(9999, 12, 31)
_FIRST_DATE = date(1, 1, 1)
R = TypeVar("R")
_NOT_AGED = (0,) * len(BUCKETS)

Key = tuple[ColumnElement[Any], bool]  # an expression of the order and whether descending


def _int(value: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(value, Integer)


def _month_number(day: Any) -> ColumnElement[int]:
    """Months since year 0 of a date column (January 2000 = 24000)."""
    return _int(extract("year", day)) * 12 + _int(extract("month", day)) - 1


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _customer_filters(
    query: BalanceListQuery | ReceivablesQuery,
) -> list[ColumnElement[bool]]:
    """The filters both lists share, on the customer row."""
    found: list[ColumnElement[bool]] = []
    if query.segment is not None:
        found.append(c.segment == query.segment)
    if query.currency is not None:
        found.append(c.currency == query.currency)
    if query.payment_method is not None:
        found.append(c.payment_method == query.payment_method.value)
    if query.status is not None:
        found.append(c.status == query.status.value)
    if query.text:
        pattern = _like(query.text)
        found.append(
            or_(
                c.name_folded.like(pattern, escape="\\"),
                func.lower(c.external_ref).like(pattern, escape="\\"),
                func.lower(c.email).like(pattern, escape="\\"),
            )
        )
    return found


def _after(keys: Sequence[Key], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows whose keys come after `values` in the order of `keys` (keyset paging)."""
    clauses = []
    for index, (expr, descending) in enumerate(keys):
        same = [k == v for (k, _d), v in zip(keys[:index], values[:index], strict=True)]
        beyond = expr < values[index] if descending else expr > values[index]
        clauses.append(and_(*same, beyond))
    return or_(*clauses)


def _ordered(keys: Sequence[Key]) -> list[ColumnElement[Any]]:
    return [expr.desc() if descending else expr.asc() for expr, descending in keys]


def _dated(column: Any, descending: bool) -> ColumnElement[Any]:
    """A nullable date as a sort key: rows without one come last in both directions."""
    missing = _FIRST_DATE if descending else _LAST_DATE
    return func.coalesce(column, literal(missing, Date()))


class SqlLists:
    """Read model: balance by customer and receivables (SPEC §12)."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # -- balance by customer ----------------------------------------------------------------

    def balance_page(self, query: BalanceListQuery) -> Page[BalanceRow]:
        """One page of the balance-by-customer list, in the query's order."""
        stale = self._stale(query.as_of)
        keys = _balance_keys(query, stale)
        base = customers.join(customer_balances, b.customer_id == c.id)
        ids = (
            select(c.id.label("id"), *(k.label(f"k{i}") for i, (k, _d) in enumerate(keys)))
            .select_from(base)
            .where(*self._balance_filters(query, stale))
        )
        if query.starting_after is not None:
            ids = ids.where(_after(keys, self._cursor(base, keys, query.starting_after)))
        page = ids.order_by(*_ordered(keys)).limit(query.limit + 1).subquery()
        page_keys = [(page.c[f"k{i}"], desc) for i, (_k, desc) in enumerate(keys)]
        stmt = (
            _balance_columns(stale)
            .select_from(base.join(page, page.c.id == c.id))
            .order_by(*_ordered(page_keys))
        )
        rows = [_balance_row(r) for r in self._c.execute(stmt)]
        return Page(tuple(rows[: query.limit]), len(rows) > query.limit)

    def each_balance(self, query: BalanceListQuery) -> Iterator[BalanceRow]:
        """Every row of the filtered list in the query's order (its page aside), streamed
        from one statement in batches."""
        stale = self._stale(query.as_of)
        stmt = (
            _balance_columns(stale)
            .select_from(customers.join(customer_balances, b.customer_id == c.id))
            .where(*self._balance_filters(query, stale))
            .order_by(*_ordered(_balance_keys(query, stale)))
        )
        return self._stream(stmt, _balance_row)

    def _balance_filters(
        self, query: BalanceListQuery, stale: ColumnElement[bool]
    ) -> list[ColumnElement[bool]]:
        found = _customer_filters(query)
        if query.min_lines:
            found.append(b.unbilled_count >= query.min_lines)
        if query.stale_only:
            found.append(stale)
        return found

    def _stale(self, as_of: date) -> ColumnElement[bool]:
        """Whether a customer has an unbilled line dated before its last billing day on or
        before `as_of` (see the module's docstring)."""
        defaults = SqlSettings(self._c).get().billing
        day = func.coalesce(c.billing_day, defaults.billing_day)
        months = func.coalesce(c.period_months, defaults.period_months)
        start_month = _month_number(s.start_date) - case(
            (_int(extract("day", s.start_date)) < day, 1), else_=0
        )
        anchor = func.coalesce(
            select(func.min(start_month)).where(s.customer_id == c.id).scalar_subquery(),
            CALENDAR_ANCHOR_MONTH,
        )
        phase = case((months == 1, 0), else_=anchor % months)
        latest = as_of.year * 12 + as_of.month - 1 - case((day > as_of.day, 1), else_=0)
        billing_month = latest - (latest - phase) % months
        first = b.unbilled_first
        first_at = _month_number(first) * 32 + _int(extract("day", first))
        return and_(b.unbilled_count > 0, first.isnot(None), first_at < billing_month * 32 + day)

    # -- receivables ------------------------------------------------------------------------

    def receivables_page(self, query: ReceivablesQuery) -> Page[ReceivableRow]:
        """One page of the receivables list, in the query's order."""
        page_first = self._page_first(query)
        figures = aggregates_now() if page_first else self._figures(query.as_of)
        keys = _receivable_keys(query, figures)
        base = _receivables_from(figures)
        stmt = (
            _receivable_columns(figures)
            .select_from(base)
            .where(*_receivable_filters(query, figures))
        )
        if query.starting_after is not None:
            stmt = stmt.where(_after(keys, self._cursor(base, keys, query.starting_after)))
        stmt = stmt.order_by(*_ordered(keys)).limit(query.limit + 1)
        found: Sequence[Any] = list(self._c.execute(stmt))
        if page_first:
            found = self._aged(found, query.as_of)
        rows = [_receivable_row(r) for r in found]
        return Page(tuple(rows[: query.limit]), len(rows) > query.limit)

    def each_receivable(self, query: ReceivablesQuery) -> Iterator[ReceivableRow]:
        """Every row of the filtered receivables in the query's order, streamed. Every
        customer is read, so every open debit is aged in one pass first (faster than aging
        the stream a batch of customers at a time)."""
        figures = self._figures(query.as_of)
        stmt = (
            _receivable_columns(figures)
            .select_from(_receivables_from(figures))
            .where(*_receivable_filters(query, figures))
            .order_by(*_ordered(_receivable_keys(query, figures)))
        )
        return self._stream(stmt, _receivable_row)

    def receivables_totals(self, query: ReceivablesQuery) -> list[ReceivableTotals]:
        """The filtered receivables summed per currency (the page and order aside)."""
        if self._now(query.as_of):
            return self._totals_now(query)
        figures = self._figures(query.as_of)
        sums = [func.sum(_figure(figures, name)) for name in FIGURES]
        stmt = (
            select(c.currency, func.count(), *sums)
            .select_from(_receivables_from(figures))
            .where(*_receivable_filters(query, figures))
            .group_by(c.currency)
            .order_by(c.currency)
        )
        return [_totals(row) for row in self._c.execute(stmt)]

    def _totals_now(self, query: ReceivablesQuery) -> list[ReceivableTotals]:
        """The totals now: the aggregate figures summed from the customers' aggregate rows
        (the customers' table read only when a filter is on it); the aged amounts either as
        every open debit of the currency less those of the customers the scope leaves out
        (few: those with an open debit and no balance owed), or, under a filter on the
        customers or `min_overdue`, as the open debits of the customers kept."""
        figures = aggregates_now()
        by_customer = _by_customer_rows(query)
        if by_customer:
            source: FromClause = figures.source
            key: ColumnElement[int] = c.id
            where = _receivable_filters(query, figures)
        else:  # the aggregate rows alone, then whether an open debit is overdue
            source, key, where = customer_balances, b.customer_id, _aggregate_filters(query)
            if query.min_overdue is not None:
                where.append(has_overdue(key, query.min_overdue, query.as_of))
        sums = [func.sum(_figure(figures, name)) for name in AGGREGATES]
        stmt = (
            select(b.currency, func.count(), *sums)
            .select_from(source)
            .where(*where)
            .group_by(b.currency)
            .order_by(b.currency)
        )
        if by_customer or query.min_overdue is not None:
            kept = select(key).select_from(source).where(b.debit > 0, *where)
            aged = self._aged_sums(aged_of(query.as_of, kept))
        else:
            aged = self._aged_sums(aged_every(query.as_of, query.currency))
            left_out = _LEFT_OUT[query.scope]
            if left_out is not None:
                others = select(b.customer_id).where(
                    b.debit > 0, left_out, *_aggregate_filters(query, scope=False)
                )
                for currency, sums_out in self._aged_sums(aged_of(query.as_of, others)).items():
                    every = aged.get(currency, _NOT_AGED)
                    aged[currency] = tuple(x - y for x, y in zip(every, sums_out, strict=True))
        return [_totals((*row, *aged.get(row[0], _NOT_AGED))) for row in self._c.execute(stmt)]

    def _aged_sums(self, stmt: Select[Any]) -> dict[str, tuple[int, ...]]:
        """Per currency, the bucket sums a statement of `aging` gives (in minor units)."""
        return {
            row[0]: tuple(0 if v is None else int(v) for v in row[1:])
            for row in self._c.execute(stmt)
        }

    def _now(self, as_of: date) -> bool:
        """Whether `as_of` is on or after every customer's latest change (the aggregate rows
        then hold its figures)."""
        latest = self._c.execute(select(func.max(b.activity))).scalar()
        return latest is None or as_of >= latest

    def _page_first(self, query: ReceivablesQuery) -> bool:
        """Whether the rows can be chosen from the aggregate rows before any aging: a day of
        the aggregate rows, and an order that is not an aged amount (`min_overdue` is then
        whether a customer has an open debit due before a day: a range of its open debits)."""
        aged_sort = query.sort.value in BUCKETS
        return not aged_sort and self._now(query.as_of)

    def _figures(self, as_of: date) -> Figures:
        """Per customer: balance, debit, credit, awaiting and the aged open debit as of the
        end of `as_of` (customers without any are absent: read them as zeros)."""
        return figures_now(as_of) if self._now(as_of) else figures_then(as_of)

    def _aged(self, rows: Sequence[Any], as_of: date) -> list[tuple[Any, ...]]:
        """Rows of customers and their aggregate figures, each followed by its customer's
        open debits aged as of `as_of` (zeros for a customer without any)."""
        if not rows:
            return []
        ids = [row[0] for row in rows]
        aged = {row[0]: tuple(row[1:]) for row in self._c.execute(aged_customers(ids, as_of))}
        return [(*row, *aged.get(row[0], _NOT_AGED)) for row in rows]

    # -- shared -----------------------------------------------------------------------------

    def _cursor(self, base: FromClause, keys: Sequence[Key], customer_id: int) -> list[Any]:
        """The sort keys of the customer a page starts after (whatever the filters)."""
        stmt = select(*(k for k, _d in keys)).select_from(base).where(c.id == customer_id)
        row = self._c.execute(stmt).first()
        if row is None:
            raise InvalidInput.single(
                "starting_after", "invalid_cursor", "is not a cursor returned by this list"
            )
        return list(row)

    def _stream(self, stmt: Select[Any], make: Callable[[Any], R]) -> Iterator[R]:
        result = self._c.execution_options(yield_per=STREAM_BATCH).execute(stmt)
        try:
            for row in result:
                yield make(row)
        finally:
            result.close()


# -- balance by customer: columns, order, rows -----------------------------------------------


def _balance_columns(stale: ColumnElement[bool]) -> Select[Any]:
    return select(
        c.id, c.external_ref, c.name, c.currency, c.segment, c.payment_method, c.status,
        b.unbilled_count, b.unbilled_net, b.unbilled_gross, b.unbilled_first, b.unbilled_last,
        b.balance, case((stale, 1), else_=0),
    )  # fmt: skip


def _balance_keys(query: BalanceListQuery, stale: ColumnElement[bool]) -> list[Key]:
    desc = query.descending
    sort = query.sort
    first: ColumnElement[Any]
    if sort is BalanceSort.NAME:
        first = c.name_folded
    elif sort is BalanceSort.BALANCE:
        first = b.balance
    elif sort is BalanceSort.UNBILLED_COUNT:
        first = b.unbilled_count
    elif sort is BalanceSort.UNBILLED_GROSS:
        first = b.unbilled_gross
    elif sort is BalanceSort.FIRST_LINE_DATE:
        first = _dated(b.unbilled_first, desc)
    elif sort is BalanceSort.LAST_LINE_DATE:
        first = _dated(b.unbilled_last, desc)
    else:
        first = case((stale, 1), else_=0)
    return [(first, desc), (c.id, desc)]


def _balance_row(row: Any) -> BalanceRow:
    (
        id_, ref, name, currency, segment, method, status, count, net, gross, first, last,
        balance, stale,
    ) = row  # fmt: skip
    money = units.from_minor
    return BalanceRow(
        id=id_,
        external_ref=ref,
        name=name,
        currency=currency,
        segment=segment,
        payment_method=method,
        status=status,
        unbilled_count=count,
        unbilled_net=money(net, currency),
        unbilled_gross=money(gross, currency),
        first_line_date=first,
        last_line_date=last,
        balance=money(balance, currency),
        stale=bool(stale),
    )


# -- receivables: figures, columns, filters, order, rows -------------------------------------


def _receivables_from(figures: Figures) -> FromClause:
    return figures.source


def _figure(figures: Figures, name: str) -> ColumnElement[int]:
    return figures.columns[name]


def _receivable_columns(figures: Figures) -> Select[Any]:
    return select(
        c.id, c.external_ref, c.name, c.currency, c.segment, c.payment_method, c.status,
        *(_figure(figures, name) for name in FIGURES if name in figures.columns),
    )  # fmt: skip


def _in_scope(scope: Scope, balance: ColumnElement[int]) -> list[ColumnElement[bool]]:
    """Which balances the scope keeps: above zero (owing), not zero, or all."""
    if scope is Scope.OWING:
        return [balance > 0]
    if scope is Scope.NONZERO:
        return [balance != 0]
    return []


def _receivable_filters(query: ReceivablesQuery, figures: Figures) -> list[ColumnElement[bool]]:
    found = _customer_filters(query)
    found.extend(_in_scope(query.scope, _figure(figures, "balance")))
    if query.min_overdue is not None and query.min_overdue.value not in figures.columns:
        found.append(has_overdue(c.id, query.min_overdue, query.as_of))  # aggregates now
    elif query.min_overdue is not None:
        names = [bucket.value for bucket, _most in OVERDUE]
        older = names[names.index(query.min_overdue.value) :]
        found.append(or_(*(_figure(figures, name) > 0 for name in older)))
    return found


#: Per scope, which customers with an open debit the list leaves out (None: nobody).
_LEFT_OUT: dict[Scope, ColumnElement[bool] | None] = {
    Scope.OWING: b.balance <= 0,
    Scope.NONZERO: b.balance == 0,
    Scope.ALL: None,
}


def _by_customer_rows(query: ReceivablesQuery) -> bool:
    """Whether a filter reads the customers' table (the currency is on the aggregate row and
    on each transaction too)."""
    return bool(
        query.segment is not None
        or query.payment_method is not None
        or query.status is not None
        or query.text
    )


def _aggregate_filters(query: ReceivablesQuery, *, scope: bool = True) -> list[ColumnElement[bool]]:
    """The filters of a query without a filter on the customers, on the aggregate rows alone:
    the currency, and the scope unless `scope` is False."""
    found: list[ColumnElement[bool]] = []
    if query.currency is not None:
        found.append(b.currency == query.currency)
    if scope:
        found.extend(_in_scope(query.scope, b.balance))
    return found


_SORTED = {
    ReceivableSort.BALANCE: "balance",
    ReceivableSort.DEBIT: "debit",
    ReceivableSort.CREDIT: "credit",
    ReceivableSort.AWAITING: "awaiting",
}


def _receivable_keys(query: ReceivablesQuery, figures: Figures) -> list[Key]:
    desc = query.descending
    first: ColumnElement[Any]
    if query.sort is ReceivableSort.NAME:
        first = c.name_folded
    else:
        first = _figure(figures, _SORTED.get(query.sort, query.sort.value))
    return [(first, desc), (c.id, desc)]


def _receivable_row(row: Any) -> ReceivableRow:
    id_, ref, name, currency, segment, method, status, *figures = row
    money = [units.from_minor(value, currency) for value in figures]
    return ReceivableRow(id_, ref, name, currency, segment, method, status, *money)


def _totals(row: Any) -> ReceivableTotals:
    currency, count, *sums = row
    money = [units.from_minor(0 if value is None else int(value), currency) for value in sums]
    return ReceivableTotals(currency, count, *money)
