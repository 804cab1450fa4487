"""A statement as data: the JSON object the API answers, and CSV or XLSX rows (SPEC §11).

JSON is one object: the customer, the period, the mode, the day it was made (`as_of`), the
opening and closing balances, the totals, and `lines`, each with its date, type, label,
reference, document number, `debit` or `credit` (the other null), the signed `amount` and the
`balance` after it. Amounts are strings in major units, as everywhere in the API.

CSV and XLSX hold one row per line between two rows of their own: `opening` (dated the first
day, the opening balance in `balance`) and `closing` (dated the last day, the totals of debits
and credits in `debit` and `credit`, the closing balance in `balance`), so that the file read
alone shows where the period starts and ends and adds up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from solde.exports.tabular import Column, ExportFormat, Kind, export
from solde.ledger.statements import Statement, StatementLine

#: The columns of a statement's CSV and XLSX rows.
COLUMNS = (
    Column("date", Kind.DATE),
    Column("type", width=14),
    Column("label", width=40),
    Column("reference", width=18),
    Column("document_number", width=18),
    Column("debit", Kind.MONEY),
    Column("credit", Kind.MONEY),
    Column("amount", Kind.MONEY),
    Column("balance", Kind.MONEY),
    Column("currency", width=9),
    Column("transaction_ids", width=16),
)
OPENING = "opening"
CLOSING = "closing"


def statement_data(statement: Statement) -> dict[str, Any]:
    """The statement as the JSON object of the API and the CLI (amounts as strings)."""
    return {
        "customer_id": statement.customer_id,
        "customer_name": statement.customer_name,
        "external_ref": statement.external_ref,
        "currency": statement.currency,
        "from": statement.period.start.isoformat(),
        "to": statement.period.end.isoformat(),
        "mode": statement.mode.value,
        "as_of": statement.as_of.isoformat(),
        "opening_balance": str(statement.opening_balance),
        "total_debit": str(statement.total_debit),
        "total_credit": str(statement.total_credit),
        "closing_balance": str(statement.closing_balance),
        "lines": [_line_data(line) for line in statement.lines],
    }


def _line_data(line: StatementLine) -> dict[str, Any]:
    return {
        "date": line.date.isoformat(),
        "type": line.type,
        "label": line.label,
        "reference": line.reference,
        "document_number": line.document_number,
        "debit": None if line.debit is None else str(line.debit),
        "credit": None if line.credit is None else str(line.credit),
        "amount": str(line.amount),
        "balance": str(line.balance),
        "transaction_ids": list(line.transaction_ids),
    }


def statement_json(statement: Statement) -> bytes:
    """The statement as a JSON file (UTF-8, indented)."""
    text = json.dumps(statement_data(statement), ensure_ascii=False, indent=2)
    return (text + "\n").encode()


def statement_rows(statement: Statement) -> Iterator[tuple[Any, ...]]:
    """The rows of the CSV and XLSX files, aligned with `COLUMNS`: the opening row, one row
    per line, the closing row."""
    currency = statement.currency
    period = statement.period
    yield (period.start, OPENING, "Opening balance", None, None, None, None, None,
           statement.opening_balance, currency, None)  # fmt: skip
    for line in statement.lines:
        yield (
            line.date,
            line.type,
            line.label,
            line.reference,
            line.document_number,
            line.debit,
            line.credit,
            line.amount,
            line.balance,
            currency,
            " ".join(str(i) for i in line.transaction_ids),
        )
    yield (period.end, CLOSING, "Closing balance", None, None, statement.total_debit,
           statement.total_credit, None, statement.closing_balance, currency, None)  # fmt: skip


def statement_table(statement: Statement, fmt: ExportFormat) -> Iterator[bytes]:
    """The statement as a CSV or XLSX file, in chunks (`fmt` JSON gives the JSON object)."""
    if fmt is ExportFormat.JSON:
        return iter([statement_json(statement)])
    return export(COLUMNS, statement_rows(statement), fmt, sheet="Statement")
