"""The lists of SPEC §12 over the API: balance by customer and receivables."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from solde.api.schemas.common import Amount
from solde.ledger.lists import BalanceRow, ReceivableRow, ReceivableTotals


class BalanceRowOut(BaseModel):
    """One customer: its unbilled lines (count, totals excluding and including tax, first and
    last dates), its account balance, and `stale` (unbilled lines older than its last billing
    day as of `as_of`)."""

    id: int
    external_ref: str | None
    name: str
    currency: str
    segment: str | None
    payment_method: str
    status: str
    unbilled_count: int
    unbilled_net: Amount
    unbilled_gross: Amount
    first_line_date: date | None
    last_line_date: date | None
    balance: Amount
    stale: bool


class BalanceListOut(BaseModel):
    """One page of the balance-by-customer list. Pass `next_cursor` as `starting_after` (with
    the same filters and order) for the next page."""

    as_of: date
    data: list[BalanceRowOut]
    has_more: bool
    next_cursor: str | None


class ReceivableRowOut(BaseModel):
    """One customer at the end of `as_of`: balance, open debits (≥ 0), open credits (≤ 0),
    payments awaiting confirmation, and the open debit aged by days past due (the five
    buckets add up to `debit`)."""

    id: int
    external_ref: str | None
    name: str
    currency: str
    segment: str | None
    payment_method: str
    status: str
    balance: Amount
    debit: Amount
    credit: Amount
    awaiting_confirmation: Amount
    not_due: Amount
    d1_30: Amount
    d31_60: Amount
    d61_90: Amount
    over_90: Amount


class ReceivableTotalsOut(BaseModel):
    """The receivables of one currency summed over every customer of the filtered list."""

    currency: str
    customers: int
    balance: Amount
    debit: Amount
    credit: Amount
    awaiting_confirmation: Amount
    not_due: Amount
    d1_30: Amount
    d31_60: Amount
    d61_90: Amount
    over_90: Amount


class ReceivablesOut(BaseModel):
    """One page of the receivables list, with the totals per currency of the whole filtered
    list (not only of the page)."""

    as_of: date
    data: list[ReceivableRowOut]
    has_more: bool
    next_cursor: str | None
    totals: list[ReceivableTotalsOut]


_AMOUNTS = ("balance", "debit", "credit", "awaiting_confirmation",
            "not_due", "d1_30", "d31_60", "d61_90", "over_90")  # fmt: skip


def balance_row_out(row: BalanceRow) -> BalanceRowOut:
    """A row as the API shows it: amounts as text with the currency's decimals."""
    return BalanceRowOut(
        id=row.id,
        external_ref=row.external_ref,
        name=row.name,
        currency=row.currency,
        segment=row.segment,
        payment_method=row.payment_method,
        status=row.status,
        unbilled_count=row.unbilled_count,
        unbilled_net=str(row.unbilled_net.amount),
        unbilled_gross=str(row.unbilled_gross.amount),
        first_line_date=row.first_line_date,
        last_line_date=row.last_line_date,
        balance=str(row.balance.amount),
        stale=row.stale,
    )


def receivable_row_out(row: ReceivableRow) -> ReceivableRowOut:
    """A row as the API shows it."""
    return ReceivableRowOut(
        id=row.id,
        external_ref=row.external_ref,
        name=row.name,
        currency=row.currency,
        segment=row.segment,
        payment_method=row.payment_method,
        status=row.status,
        **{name: str(getattr(row, name).amount) for name in _AMOUNTS},
    )


def totals_out(totals: ReceivableTotals) -> ReceivableTotalsOut:
    """The totals of one currency as the API shows them."""
    return ReceivableTotalsOut(
        currency=totals.currency,
        customers=totals.customers,
        **{name: str(getattr(totals, name).amount) for name in _AMOUNTS},
    )
