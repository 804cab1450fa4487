"""A customer's statement (SPEC §11, §15): the object `GET /v1/customers/{id}/statement`
answers. The fields are `solde.exports.statement.statement_data`'s: the API, the CLI's JSON and
the downloaded JSON file read the same."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from solde.api.schemas.common import Amount


class StatementLineOut(BaseModel):
    """One line: a posted transaction, or (documents mode) the other postings of a day in one
    direction summed as `Other debits` or `Other credits`."""

    date: dt.date = Field(description="The posting date")
    type: str = Field(
        description="The transaction type (`invoice`, `payment`, `credit_note`, `refund`, "
        "`chargeback`, `charge`, `collection_cost`, `adjustment`, `gift`), or `other` for a "
        "line that sums other postings of a day",
        examples=["invoice"],
    )
    label: str = Field(description="The transaction's label, or `Other debits`/`Other credits`")
    reference: str | None = Field(description="The payment or document reference")
    document_number: str | None = Field(
        description="The number of the invoice or credit note the line stands for or voids, "
        "or the invoice a payment names"
    )
    debit: Amount | None = Field(description="What the line adds to the balance (null: a credit)")
    credit: Amount | None = Field(description="What the line takes off (null: a debit)")
    amount: Amount = Field(description="The signed amount: positive a debit, negative a credit")
    balance: Amount = Field(description="The balance after this line")
    transaction_ids: list[int] = Field(description="The posted transactions on this line")


class StatementOut(BaseModel):
    """A customer's statement for a period: opening balance (end of the day before `from`),
    every posted transaction of the period with the balance after it, closing balance (end of
    `to`), and totals; opening + debits − credits = closing. Payments awaiting bank
    confirmation and unbilled lines are not on it. Amounts are in `currency`."""

    model_config = ConfigDict(populate_by_name=True)

    customer_id: int
    customer_name: str
    external_ref: str | None
    currency: str = Field(examples=["EUR"])
    from_: dt.date = Field(alias="from", description="The first day of the period")
    to: dt.date = Field(description="The last day of the period")
    mode: Literal["documents", "transactions"]
    as_of: dt.date = Field(description="The day the statement was made")
    opening_balance: Amount = Field(description="The balance at the end of the day before `from`")
    total_debit: Amount = Field(description="Σ debits of the lines")
    total_credit: Amount = Field(description="Σ credits of the lines (positive)")
    closing_balance: Amount = Field(description="The balance at the end of `to`")
    lines: list[StatementLineOut]
