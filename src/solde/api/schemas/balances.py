"""The balance card."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from solde.api.schemas.common import Amount


class UnbilledOut(BaseModel):
    """Lines waiting for the next invoice (credit lines count negative)."""

    count: int
    net: Amount
    gross: Amount
    first_date: date | None
    last_date: date | None


class BalanceOut(BaseModel):
    """What the customer owes (+) or has in credit (−) at the end of `as_of`.

    `debit` is the sum of open debits (≥ 0), `credit` of open credits (≤ 0); `balance = debit +
    credit`. `awaiting_confirmation` (payments negative, refunds positive) and `unbilled` are
    not in the balance."""

    customer_id: int
    as_of: date
    currency: str
    balance: Amount
    debit: Amount
    credit: Amount
    awaiting_confirmation: Amount
    unbilled: UnbilledOut
