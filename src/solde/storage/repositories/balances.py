"""The per-customer aggregate row, and balances as of a past date.

The aggregate is changed by adding a `BalanceDelta` in one UPDATE, in the same transaction as
the change it reflects. A balance as of a date on or after the customer's latest activity is
read from the aggregate (one row); an earlier date is answered from the dated history:
posted transactions by their date, allocations by theirs, pending payments and unbilled lines
by the days they were entered and resolved.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Row,
    String,
    bindparam,
    case,
    cast,
    func,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from solde.domain.errors import NotFound
from solde.domain.money import Money
from solde.domain.values import is_possible_id
from solde.ledger.balance import Balance, BalanceDelta, UnbilledSummary
from solde.ledger.model import Kind, Origin, State
from solde.ledger.ports import CurrencyTotals
from solde.storage import units
from solde.storage.batches import chunks
from solde.storage.tables import allocations, customer_balances, transactions

b = customer_balances.c
t = transactions.c
POSTED = [State.OPEN.value, State.CLOSED.value]
#: Rows fetched at a time when every balance is read.
STREAM_BATCH = 5_000


def _minor(value: Any) -> int:
    return 0 if value is None else int(value)


def _earlier(column: Any, day: date) -> Any:
    return case((or_(column.is_(None), column > day), day), else_=column)


def _later(column: Any, day: date) -> Any:
    return case((or_(column.is_(None), column < day), day), else_=column)


_ROW = select(customer_balances).where(b.customer_id == bindparam("id"))


class SqlBalances:
    """Aggregates in the database."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection
        # balances read in this unit of work, forgotten when this repository changes them
        self._now: dict[int, Balance] = {}
        #: customers whose balance, open debit or pending payments went down in this unit of
        #: work, with the latest business date of the change (a block may lift)
        self.lowered: dict[int, date] = {}

    def forget(self) -> None:
        """Drop what was read (the unit of work rolled back to a savepoint)."""
        self._now.clear()

    def _row(self, customer_id: int) -> Row[Any]:
        if not is_possible_id(customer_id):
            raise NotFound("customer", customer_id)
        row = self._c.execute(_ROW, {"id": customer_id}).first()
        if row is None:
            raise NotFound("customer", customer_id)
        return row

    def get(self, customer_id: int) -> Balance:
        """The balance now, from the aggregate row."""
        found = self._now.get(customer_id)
        if found is None:
            found = self._now[customer_id] = _from_row(self._row(customer_id))
        return found

    def get_many(self, customer_ids: Sequence[int]) -> dict[int, Balance]:
        """The balances now of the customers among `customer_ids` that exist."""
        found: dict[int, Balance] = {}
        for chunk in chunks(sorted(set(customer_ids))):
            rows = self._c.execute(select(customer_balances).where(b.customer_id.in_(chunk)))
            found.update((row.customer_id, _from_row(row)) for row in rows)
        return found

    def each(self) -> Iterator[Balance]:
        """Every customer's balance now, by customer id, streamed in batches from the
        aggregate rows (never from history)."""
        query = select(customer_balances).order_by(b.customer_id)
        result = self._c.execution_options(yield_per=STREAM_BATCH).execute(query)
        for row in result:
            yield _from_row(row)

    def as_of(self, customer_id: int, day: date) -> Balance:
        """The balance at the end of `day`."""
        row = self._row(customer_id)
        if row.activity is None or day >= row.activity:
            return _from_row(row)
        return self._computed(customer_id, row.currency, day)

    def apply(self, customer_id: int, delta: BalanceDelta) -> None:
        """Add `delta` to the aggregate row."""
        self.apply_many([(customer_id, delta)])

    def apply_many(self, changes: Sequence[tuple[int, BalanceDelta]]) -> None:
        """Add each change to its customer's aggregate row, in one statement."""
        if not changes:
            return
        for customer_id, delta in changes:
            self._now.pop(customer_id, None)
            day = delta.activity
            if day is not None and _lowers(delta):
                self.lowered[customer_id] = max(day, self.lowered.get(customer_id, day))
        self._c.execute(
            _apply_statement(self._c.dialect.name),
            [_delta_params(cid, delta) for cid, delta in changes],
        )
        for customer_id, delta in changes:
            if delta.unbilled_dates_stale:
                self._refresh_unbilled_dates(customer_id)

    def _refresh_unbilled_dates(self, customer_id: int) -> None:
        first, last = self._c.execute(
            select(func.min(t.date), func.max(t.date)).where(
                t.customer_id == customer_id, t.state == State.UNBILLED.value
            )
        ).one()
        self._c.execute(
            update(customer_balances)
            .where(b.customer_id == customer_id)
            .values(unbilled_first=first, unbilled_last=last)
        )

    def reset_currency(self, customer_id: int, currency: str) -> None:
        """Change the currency of an empty aggregate."""
        self._now.pop(customer_id, None)
        self._c.execute(
            update(customer_balances).where(b.customer_id == customer_id).values(currency=currency)
        )

    def totals(self) -> list[CurrencyTotals]:
        """Per currency, the aggregate rows of its customers summed, in one GROUP BY."""
        return [_currency_totals(*row) for row in self._c.execute(_TOTALS)]

    def history(self, days: Sequence[date]) -> dict[str, list[Money]]:
        """Per currency, the net balance at the end of each of `days`: the balance now (the
        sum of the aggregates) less what is posted with a later date. One statement, so one
        snapshot, which reads only the posted transactions dated after the earliest day."""
        if not days:
            return {}
        now: dict[str, int] = {}
        later: dict[str, list[tuple[date, int]]] = {}
        for currency, day, kind, amount in self._c.execute(_HISTORY, {"after": min(days)}):
            if day is None:
                now[currency] = _minor(amount)
            else:
                signed = _minor(amount) if kind == Kind.DEBIT.value else -_minor(amount)
                later.setdefault(currency, []).append((day, signed))
        return {
            currency: [
                units.from_minor(total - posted_after, currency)
                for posted_after in _sums_after(later.get(currency, []), days)
            ]
            for currency, total in now.items()
        }

    def _computed(self, customer_id: int, currency: str, day: date) -> Balance:
        posted = dict(
            self._c.execute(
                select(t.kind, func.sum(t.amount))
                .where(t.customer_id == customer_id, t.state.in_(POSTED), t.date <= day)
                .group_by(t.kind)
            ).all()
        )
        settled = _minor(
            self._c.execute(
                select(func.sum(allocations.c.amount)).where(
                    allocations.c.customer_id == customer_id, allocations.c.date <= day
                )
            ).scalar()
        )
        debits, credits = (
            _minor(posted.get(Kind.DEBIT.value)),
            _minor(posted.get(Kind.CREDIT.value)),
        )
        awaiting = self._awaiting(customer_id, day)
        return Balance(
            customer_id=customer_id,
            currency=currency,
            balance=units.from_minor(debits - credits, currency),
            debit=units.from_minor(debits - settled, currency),
            credit=units.from_minor(-(credits - settled), currency),
            awaiting_confirmation=units.from_minor(awaiting, currency),
            unbilled=self._unbilled(customer_id, currency, day),
        )

    def _alive(self, origin: Origin, day: date) -> list[Any]:
        return [
            t.origin == origin.value,
            t.entered_on <= day,
            or_(t.resolved_on.is_(None), t.resolved_on > day),
        ]

    def _awaiting(self, customer_id: int, day: date) -> int:
        signed = case((t.kind == Kind.DEBIT.value, t.amount), else_=-t.amount)
        query = select(func.sum(signed)).where(
            t.customer_id == customer_id, *self._alive(Origin.PENDING, day)
        )
        return _minor(self._c.execute(query).scalar())

    def _unbilled(self, customer_id: int, currency: str, day: date) -> UnbilledSummary:
        sign = case((t.kind == Kind.DEBIT.value, 1), else_=-1)
        count, net, gross, first, last = self._c.execute(
            select(
                func.count(),
                func.sum(sign * t.net),
                func.sum(sign * t.amount),
                func.min(t.date),
                func.max(t.date),
            ).where(t.customer_id == customer_id, *self._alive(Origin.UNBILLED, day))
        ).one()
        return UnbilledSummary(
            count=count,
            net=units.from_minor(_minor(net), currency),
            gross=units.from_minor(_minor(gross), currency),
            first_date=first,
            last_date=last,
        )


def _delta_params(customer_id: int, delta: BalanceDelta) -> dict[str, Any]:
    dates = delta.unbilled_dates if not delta.unbilled_dates_stale else ()
    return {
        "customer": customer_id,
        "d_balance": units.to_minor(delta.balance),
        "d_debit": units.to_minor(delta.debit),
        "d_credit": units.to_minor(delta.credit),
        "d_awaiting": units.to_minor(delta.awaiting),
        "d_count": delta.unbilled_count,
        "d_net": 0 if delta.unbilled_net is None else units.to_minor(delta.unbilled_net),
        "d_gross": 0 if delta.unbilled_gross is None else units.to_minor(delta.unbilled_gross),
        "d_first": min(dates) if dates else None,
        "d_last": max(dates) if dates else None,
        "d_activity": delta.activity,
    }


def _moved(column: Any, name: str, *, earlier: bool, typed: bool) -> Any:
    """`column` moved out to the date parameter `name` when that is earlier (or later)."""
    day: Any = bindparam(name, type_=Date())
    if typed:  # PostgreSQL must know a parameter's type to test it for NULL
        day = cast(day, Date())
    beyond = column > day if earlier else column < day
    return case(
        (day.is_(None), column),
        (or_(column.is_(None), beyond), day),
        else_=column,
    )


@cache
def _apply_statement(dialect: str) -> Any:
    """One statement for every change, compiled once and run for many rows at a time."""
    typed = dialect == "postgresql"
    return (
        update(customer_balances)
        .where(b.customer_id == bindparam("customer"))
        .values(
            balance=b.balance + bindparam("d_balance"),
            debit=b.debit + bindparam("d_debit"),
            credit=b.credit + bindparam("d_credit"),
            awaiting=b.awaiting + bindparam("d_awaiting"),
            unbilled_count=b.unbilled_count + bindparam("d_count"),
            unbilled_net=b.unbilled_net + bindparam("d_net"),
            unbilled_gross=b.unbilled_gross + bindparam("d_gross"),
            unbilled_first=_moved(b.unbilled_first, "d_first", earlier=True, typed=typed),
            unbilled_last=_moved(b.unbilled_last, "d_last", earlier=False, typed=typed),
            activity=_moved(b.activity, "d_activity", earlier=False, typed=typed),
        )
    )


#: Where each column sits in a row of `select(customer_balances)`: reading by position is
#: several times cheaper than by name, which counts when streaming every customer.
_AT = {name: index for index, name in enumerate(customer_balances.c.keys())}
_NAMES = (
    "customer_id", "currency", "balance", "debit", "credit", "awaiting", "unbilled_count",
    "unbilled_net", "unbilled_gross", "unbilled_first", "unbilled_last",
)  # fmt: skip
_FIELDS = itemgetter(*(_AT[name] for name in _NAMES))


def _from_row(row: Row[Any]) -> Balance:
    (
        customer_id, currency, balance, debit, credit, awaiting, unbilled_count, unbilled_net,
        unbilled_gross, unbilled_first, unbilled_last,
    ) = _FIELDS(row)  # fmt: skip
    money = units.from_minor
    return Balance(
        customer_id=customer_id,
        currency=currency,
        balance=money(balance, currency),
        debit=money(debit, currency),
        credit=money(credit, currency),
        awaiting_confirmation=money(awaiting, currency),
        unbilled=UnbilledSummary(
            count=unbilled_count,
            net=money(unbilled_net, currency),
            gross=money(unbilled_gross, currency),
            first_date=unbilled_first,
            last_date=unbilled_last,
        ),
    )


# -- the balance report ---------------------------------------------------------------------

_TOTALS = select(
    b.currency,
    func.count(),
    func.sum(case((b.balance > 0, 1), else_=0)),
    func.sum(case((b.balance < 0, 1), else_=0)),
    func.sum(case((b.balance > 0, b.balance), else_=0)),
    func.sum(case((b.balance < 0, b.balance), else_=0)),
    func.sum(b.awaiting),
).group_by(b.currency)

#: The states of posted transactions written out in the statement, so that the planner sees
#: the condition of the partial index `ix_transactions_date_currency_kind_amount` (a bound
#: parameter would hide it).
_POSTED_LITERAL: BindParameter[str] = bindparam(
    "posted", POSTED, expanding=True, literal_execute=True
)

#: The balance now of each currency (day NULL), then the sums posted per day, currency and
#: kind after the bound day, in the order of that index (read alone, from its recent end).
#: One statement, so both parts are read from one snapshot.
_HISTORY = union_all(
    select(
        b.currency, cast(null(), Date).label("day"), cast(null(), String).label("kind"),
        func.sum(b.balance),
    ).group_by(b.currency),
    select(t.currency, t.date, t.kind, func.sum(t.amount))
    .where(t.state.in_(_POSTED_LITERAL), t.date > bindparam("after", type_=Date()))
    .group_by(t.date, t.currency, t.kind),
)  # fmt: skip


def _currency_totals(
    currency: str, customers: int, owing: Any, in_credit: Any, owed: Any, credit: Any, awaiting: Any
) -> CurrencyTotals:
    owing, in_credit = _minor(owing), _minor(in_credit)
    return CurrencyTotals(
        currency=currency,
        customers=customers,
        owing=owing,
        in_credit=in_credit,
        settled=customers - owing - in_credit,
        owed=units.from_minor(_minor(owed), currency),
        credit=units.from_minor(_minor(credit), currency),
        awaiting=units.from_minor(_minor(awaiting), currency),
    )


def _sums_after(posted: list[tuple[date, int]], days: Sequence[date]) -> list[int]:
    """For each of `days`, the sum of the (day, amount) pairs of `posted` dated after it."""
    posted.sort()
    dates = [day for day, _amount in posted]
    suffix = [0] * (len(posted) + 1)  # suffix[i]: the sum of posted[i:]
    for index in range(len(posted) - 1, -1, -1):
        suffix[index] = suffix[index + 1] + posted[index][1]
    return [suffix[bisect_right(dates, day)] for day in days]


def _lowers(delta: BalanceDelta) -> bool:
    """The change lowers what the customer owes, its open debit, or adds a pending payment."""
    return delta.balance.is_negative() or delta.debit.is_negative() or delta.awaiting.is_negative()
