"""The balance report behind the dashboard: per currency, who owes, who is in credit, the
totals, and the net balance at the end of each of the last months (SPEC §1, §2, §12, §16).

Amounts of different currencies never mix: every figure belongs to one currency. The figures
of today come from the per-customer aggregates; the month-end history means what the balance
card as of those days means (transactions posted with a date up to the end of the day): a past
point moves only when a transaction is posted later with a date on or before it (a backdated
payment), never because of a settlement, a pending payment or an unbilled line.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.ledger.ports import CurrencyTotals, UnitOfWork

#: How many month ends a report may show (three years).
MAX_MONTHS = 36


def month_ends(on: date, months: int = 12) -> tuple[date, ...]:
    """The last day of each of the `months - 1` months before `on`'s month, then `on` itself;
    oldest first. `month_ends(date(2026, 3, 10), 3)` is 2026-01-31, 2026-02-28, 2026-03-10."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise InvalidInput.single(
            "months", "out_of_range", f"must be a whole number between 1 and {MAX_MONTHS}"
        )
    ends: list[date] = []
    year, month = on.year, on.month
    for _ in range(months - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(date(year, month, monthrange(year, month)[1]))
    ends.reverse()
    ends.append(on)
    return tuple(ends)


@dataclass(frozen=True, slots=True)
class CurrencySummary:
    """The customers of one currency, now, and their net balance at past month ends.

    `owed` sums the positive balances (≥ 0), `credit` the negative ones (≤ 0), and `balance =
    owed + credit`. A customer with a zero balance (and one with no transaction at all) counts
    as `settled`. `awaiting_confirmation` is signed as on the balance card: payments awaiting
    the bank are negative, refunds positive; it is not in the balance. `history` holds
    (day, net balance of every customer of the currency at the end of that day), oldest first.
    """

    currency: str
    customers: int
    owing: int
    in_credit: int
    settled: int
    owed: Money
    credit: Money
    balance: Money
    awaiting_confirmation: Money
    history: tuple[tuple[date, Money], ...]


@dataclass(frozen=True, slots=True)
class BalanceReport:
    """Every currency that has customers, by currency code, as of `as_of`."""

    as_of: date
    currencies: tuple[CurrencySummary, ...]


def summarise(
    totals: CurrencyTotals, days: Sequence[date], history: Sequence[Money] | None
) -> CurrencySummary:
    """One currency's summary from its aggregate totals and its month-end balances (none
    when the currency has no posted transaction: zero at every day)."""
    zero = Money.zero(totals.currency)
    balances = list(history) if history is not None else [zero] * len(days)
    if len(balances) != len(days):
        raise ValueError(f"{len(balances)} history points for {len(days)} days")
    return CurrencySummary(
        currency=totals.currency,
        customers=totals.customers,
        owing=totals.owing,
        in_credit=totals.in_credit,
        settled=totals.settled,
        owed=totals.owed,
        credit=totals.credit,
        balance=totals.owed + totals.credit,
        awaiting_confirmation=totals.awaiting,
        history=tuple(zip(days, balances, strict=True)),
    )


def balance_report(uow: UnitOfWork, *, on: date, months: int = 12) -> BalanceReport:
    """The dashboard's balance report on `on` (today in the business time zone): today's
    figures per currency from the per-customer aggregates, and the net balance of each
    currency at the end of the last `months - 1` month ends and of `on` (1 to 36 points)."""
    days = month_ends(on, months)
    totals = sorted(uow.balances.totals(), key=lambda t: t.currency)
    history = uow.balances.history(days)
    return BalanceReport(
        as_of=on,
        currencies=tuple(summarise(t, days, history.get(t.currency)) for t in totals),
    )
