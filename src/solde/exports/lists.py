"""Balance by customer and receivables as files (SPEC §12): their columns, and one row per
customer. The keys are the API's field names; amounts are `Money`, written with their
currency's decimals by `solde.exports.tabular`.

The receivables file holds the customers' rows only; the totals per currency are the
`totals` of the API's JSON page (and a separate call of the read model), since a file whose
last rows are of another shape would not read back as one table.
"""

from __future__ import annotations

from typing import Any

from solde.exports.tabular import Column, Kind
from solde.ledger.lists import BalanceRow, ReceivableRow

#: The sheet names of the XLSX files, and the stems of the file names.
BALANCE_STEM = "balance-by-customer"
RECEIVABLES_STEM = "receivables"

_CUSTOMER: tuple[Column, ...] = (
    Column("id", Kind.INTEGER),
    Column("external_ref", width=16),
    Column("name", width=30),
    Column("currency", width=9),
    Column("segment", width=14),
    Column("payment_method", width=15),
    Column("status", width=9),
)

BALANCE_COLUMNS: tuple[Column, ...] = (
    *_CUSTOMER,
    Column("unbilled_count", Kind.INTEGER, width=15),
    Column("unbilled_net", Kind.MONEY),
    Column("unbilled_gross", Kind.MONEY, width=15),
    Column("first_line_date", Kind.DATE, width=16),
    Column("last_line_date", Kind.DATE, width=15),
    Column("balance", Kind.MONEY),
    Column("stale", Kind.BOOLEAN),
)

RECEIVABLE_COLUMNS: tuple[Column, ...] = (
    *_CUSTOMER,
    Column("balance", Kind.MONEY),
    Column("debit", Kind.MONEY),
    Column("credit", Kind.MONEY),
    Column("awaiting_confirmation", Kind.MONEY, width=22),
    Column("not_due", Kind.MONEY),
    Column("d1_30", Kind.MONEY),
    Column("d31_60", Kind.MONEY),
    Column("d61_90", Kind.MONEY),
    Column("over_90", Kind.MONEY),
)


def _customer(row: BalanceRow | ReceivableRow) -> tuple[Any, ...]:
    return (
        row.id, row.external_ref, row.name, row.currency, row.segment, row.payment_method,
        row.status,
    )  # fmt: skip


def balance_row(row: BalanceRow) -> tuple[Any, ...]:
    """A row of the balance-by-customer file, aligned with `BALANCE_COLUMNS`."""
    return (
        *_customer(row),
        row.unbilled_count,
        row.unbilled_net,
        row.unbilled_gross,
        row.first_line_date,
        row.last_line_date,
        row.balance,
        row.stale,
    )


def receivable_row(row: ReceivableRow) -> tuple[Any, ...]:
    """A row of the receivables file, aligned with `RECEIVABLE_COLUMNS`."""
    return (
        *_customer(row),
        row.balance,
        row.debit,
        row.credit,
        row.awaiting_confirmation,
        row.not_due,
        row.d1_30,
        row.d31_60,
        row.d61_90,
        row.over_90,
    )
