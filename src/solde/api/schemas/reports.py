"""The balance report of the dashboard; the totals report of invoices and payments."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from solde.api.schemas.common import Amount
from solde.ledger.model import PaymentMethod


class HistoryPointOut(BaseModel):
    """The net balance of every customer of the currency at the end of `date`."""

    date: dt.date
    balance: Amount


class CurrencySummaryOut(BaseModel):
    """The customers of one currency: how many owe, are in credit or are settled, the totals
    of today, and the net balance at the end of each of the last months.

    `owed` sums the positive balances (≥ 0), `credit` the negative ones (≤ 0); `balance = owed
    + credit`. A customer with a zero balance, or with no transaction at all, is `settled`.
    `awaiting_confirmation` (payments negative, refunds positive) is not in the balance.
    `history` holds one point per month end, oldest first, the last one being `as_of`: what
    the balance cards as of that day add up to (transactions dated up to its end)."""

    currency: str = Field(examples=["EUR"])
    customers: int = Field(ge=0)
    owing: int = Field(ge=0)
    in_credit: int = Field(ge=0)
    settled: int = Field(ge=0)
    owed: Amount
    credit: Amount
    balance: Amount
    awaiting_confirmation: Amount
    history: list[HistoryPointOut]


class BalanceReportOut(BaseModel):
    """Every currency that has customers, by currency code, today (`as_of`)."""

    as_of: dt.date
    currencies: list[CurrencySummaryOut]


class CountAmountOut(BaseModel):
    """How many, and their total."""

    count: int = Field(ge=0)
    amount: Amount


class PaidByMethodOut(BaseModel):
    """Confirmed payments of one method: how many and their total."""

    method: PaymentMethod
    count: int = Field(ge=0)
    amount: Amount


class CurrencyTotalsOut(BaseModel):
    """The invoices and payments of one currency.

    `invoiced`: every issued invoice (void ones excepted) and its total; `paid`: the invoices
    with something paid and what is paid on them (partially paid included); `unpaid`: those
    with something left to pay and what is left (partially paid and overdue included);
    `overdue`: those past their due date and what is left on them; `void`: void invoices and
    their totals. `payments`: confirmed payments not reversed, by method, and their sum."""

    currency: str = Field(examples=["EUR"])
    invoiced: CountAmountOut
    paid: CountAmountOut
    unpaid: CountAmountOut
    overdue: CountAmountOut
    void: CountAmountOut
    payments: CountAmountOut
    paid_by_method: list[PaidByMethodOut]


class TotalsOut(BaseModel):
    """The totals report for one customer or all, per currency, at the end of `as_of`:
    invoices dated up to that day, payments dated up to that day."""

    as_of: dt.date
    customer_id: int | None
    currencies: list[CurrencyTotalsOut]
