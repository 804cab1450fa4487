"""A customer's balance card and the exact changes each event makes to it (SPEC §1, §15).

Storage keeps one aggregate row per customer and adds a `BalanceDelta` to it in the same
database transaction as the change, so reading a balance never scans history. The deltas are
computed here, in one place, from the sign rules of `model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from solde.domain.money import Money
from solde.ledger.model import Kind, Transaction


@dataclass(frozen=True, slots=True)
class UnbilledSummary:
    """The lines waiting for the next invoice. Credit lines count negative."""

    count: int
    net: Money
    gross: Money
    first_date: date | None
    last_date: date | None


@dataclass(frozen=True, slots=True)
class Balance:
    """What a customer owes (+) or has in credit (−), and its parts.

    `debit` is the sum of open debits (≥ 0), `credit` the sum of open credits (≤ 0), and
    `balance = debit + credit`. Payments awaiting bank confirmation are apart (negative for
    payments, positive for refunds) and not in the balance; so are unbilled lines.
    """

    customer_id: int
    currency: str
    balance: Money
    debit: Money
    credit: Money
    awaiting_confirmation: Money
    unbilled: UnbilledSummary


@dataclass(frozen=True, slots=True)
class BalanceDelta:
    """A change to a customer's aggregate row. Amounts are signed changes."""

    currency: str
    balance: Money
    debit: Money
    credit: Money
    awaiting: Money
    unbilled_count: int = 0
    unbilled_net: Money | None = None
    unbilled_gross: Money | None = None
    #: dates of unbilled lines that appeared (first/last date may move out to them)
    unbilled_dates: tuple[date, ...] = ()
    #: a line left the unbilled list: first/last date must be found again
    unbilled_dates_stale: bool = False
    #: the latest business date this change concerns (as-of answers after it read the aggregate)
    activity: date | None = None

    @classmethod
    def nothing(cls, currency: str) -> BalanceDelta:
        """No change."""
        zero = Money.zero(currency)
        return cls(currency, zero, zero, zero, zero)

    def __add__(self, other: BalanceDelta) -> BalanceDelta:
        return BalanceDelta(
            currency=self.currency,
            balance=self.balance + other.balance,
            debit=self.debit + other.debit,
            credit=self.credit + other.credit,
            awaiting=self.awaiting + other.awaiting,
            unbilled_count=self.unbilled_count + other.unbilled_count,
            unbilled_net=_add(self.unbilled_net, other.unbilled_net),
            unbilled_gross=_add(self.unbilled_gross, other.unbilled_gross),
            unbilled_dates=self.unbilled_dates + other.unbilled_dates,
            unbilled_dates_stale=self.unbilled_dates_stale or other.unbilled_dates_stale,
            activity=_later(self.activity, other.activity),
        )


def _add(a: Money | None, b: Money | None) -> Money | None:
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def posted(tx: Transaction, on: date) -> BalanceDelta:
    """A transaction enters the balance with its whole amount open."""
    zero = Money.zero(tx.currency)
    is_debit = tx.kind is Kind.DEBIT
    return BalanceDelta(
        currency=tx.currency,
        balance=tx.signed(),
        debit=tx.amount if is_debit else zero,
        credit=zero if is_debit else -tx.amount,
        awaiting=zero,
        activity=max(on, tx.date),
    )


def allocated(amount: Money, day: date) -> BalanceDelta:
    """`amount` of an open credit settles an open debit (negative: an allocation is undone).

    The balance does not move; open debit and open credit shrink together.
    """
    zero = Money.zero(amount.currency)
    return BalanceDelta(amount.currency, zero, -amount, amount, zero, activity=day)


def pending_added(tx: Transaction, on: date) -> BalanceDelta:
    """A payment or refund is sent to the bank: it awaits confirmation from the day it is
    entered (`on`), whatever its date, which may be a later collection day."""
    zero = Money.zero(tx.currency)
    return BalanceDelta(tx.currency, zero, zero, zero, tx.signed(), activity=on)


def pending_resolved(tx: Transaction, on: date) -> BalanceDelta:
    """The bank answered: the payment no longer awaits confirmation."""
    zero = Money.zero(tx.currency)
    return BalanceDelta(tx.currency, zero, zero, zero, -tx.signed(), activity=on)


def unbilled_added(tx: Transaction, on: date) -> BalanceDelta:
    """A line starts waiting for the next invoice."""
    zero = Money.zero(tx.currency)
    return BalanceDelta(
        currency=tx.currency,
        balance=zero,
        debit=zero,
        credit=zero,
        awaiting=zero,
        unbilled_count=1,
        unbilled_net=tx.signed(tx.net),
        unbilled_gross=tx.signed(),
        unbilled_dates=(tx.date,),
        activity=on,
    )


def unbilled_removed(tx: Transaction, on: date) -> BalanceDelta:
    """A line stops waiting (billed, cancelled, or replaced by an edit)."""
    zero = Money.zero(tx.currency)
    return BalanceDelta(
        currency=tx.currency,
        balance=zero,
        debit=zero,
        credit=zero,
        awaiting=zero,
        unbilled_count=-1,
        unbilled_net=-tx.signed(tx.net),
        unbilled_gross=-tx.signed(),
        unbilled_dates_stale=True,
        activity=on,
    )
