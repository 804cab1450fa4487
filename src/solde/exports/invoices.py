"""The invoices list as a file (SPEC §12): its columns, and one row per document.

A row holds what a finance user reads off the list: the document, its status and invoice
balance as of the list's date, the customer it belongs to, and that customer's account
balance now (the figure the `account_balance` filter compares). Amounts are `Money`, written
with their currency's decimals by `solde.exports.tabular`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from solde.billing.ports import Listed
from solde.domain.money import Money
from solde.exports.tabular import Column, Kind
from solde.ledger.customers import Customer

#: The sheet name of the XLSX file, and the stem of every file name.
STEM = "invoices"

COLUMNS: tuple[Column, ...] = (
    Column("id", Kind.INTEGER),
    Column("number", width=16),
    Column("type", width=12),
    Column("status", width=15),
    Column("status_as_of", Kind.DATE, width=12),
    Column("customer_id", Kind.INTEGER, width=12),
    Column("customer_external_ref", width=22),
    Column("customer_name", width=30),
    Column("currency", width=9),
    Column("document_date", Kind.DATE, width=14),
    Column("due_date", Kind.DATE),
    Column("period_start", Kind.DATE, width=13),
    Column("period_end", Kind.DATE, width=12),
    Column("net", Kind.MONEY),
    Column("tax", Kind.MONEY),
    Column("total", Kind.MONEY),
    Column("open_amount", Kind.MONEY),
    Column("account_balance", Kind.MONEY, width=16),
    Column("balance_after_issue", Kind.MONEY, width=20),
    Column("paid_from_balance", Kind.BOOLEAN, width=18),
    Column("sent_at", width=26),
    Column("voided_on", Kind.DATE),
    Column("void_reason", width=24),
    Column("credit_of", Kind.INTEGER, width=10),
    Column("converted_to", Kind.INTEGER, width=13),
    Column("converted_from", Kind.INTEGER, width=15),
    Column("partner_id", Kind.INTEGER, width=11),
    Column("groups", width=24),
)


def row(
    listed: Listed,
    customer: Customer,
    account_balance: Money,
    groups: Sequence[str],
    as_of: date,
) -> tuple[Any, ...]:
    """One document of the list as a row of `COLUMNS`: `account_balance` is its customer's
    balance now, `groups` the names of the invoice groups that hold it, `as_of` the day its
    status and invoice balance are told for."""
    doc = listed.document
    return (
        doc.id,
        doc.number,
        doc.type.value,
        listed.status.value,
        as_of,
        doc.customer_id,
        customer.details.external_ref,
        customer.details.name,
        doc.currency,
        doc.document_date,
        doc.due_date,
        doc.period_start,
        doc.period_end,
        doc.net,
        doc.tax,
        doc.total,
        listed.open_amount,
        account_balance,
        doc.account_balance,
        doc.paid_from_balance,
        None if doc.sent_at is None else doc.sent_at.isoformat(),
        doc.voided_on,
        doc.void_reason,
        doc.credit_of,
        doc.converted_to,
        doc.converted_from,
        doc.partner_id,
        "; ".join(groups) or None,
    )
