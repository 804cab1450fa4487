"""Which open credit settles which open debit, and for how much (SPEC §6). Pure: no I/O.

Open credits are taken oldest first. Each goes to the debit it names first, if any (a payment
for an invoice), then to open debits in this order: standalone debits (charges, chargebacks,
collection costs, refunds, debit adjustments) oldest first, then invoices in the order they
were created (document date, then number). A debit is never settled beyond its open amount;
whatever a credit has left stays open as the customer's credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from solde.domain.money import Money
from solde.ledger.model import Kind, Transaction, TxType


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    """Settle `amount` of credit `credit_id` against debit `debit_id`."""

    credit_id: int
    debit_id: int
    amount: Money


def credit_order(tx: Transaction) -> tuple[date, int]:
    """Oldest credit first."""
    return (tx.date, tx.id)


def debit_order(tx: Transaction) -> tuple[int, date, int]:
    """Standalone debits before invoices; each group oldest first: invoices by document date
    (kept in `initiated_on` when an edit posted the invoice again on a later day), then in the
    order they were created (their document id, which their numbers follow)."""
    if tx.type is TxType.INVOICE:
        return (1, tx.initiated_on or tx.date, tx.invoice_id or tx.id)
    return (0, tx.date, tx.id)


def plan(
    open_items: Iterable[Transaction], *, preferred: Mapping[int, int] | None = None
) -> list[PlannedAllocation]:
    """Allocations that settle as much as possible of the open debits with the open credits.

    `preferred` maps a credit id to the debit id it should settle first. A credit that
    names an invoice (a payment for it, a credit note on it) settles that invoice first.
    """
    items = [tx for tx in open_items if tx.is_posted and tx.open_amount.is_positive()]
    credits = sorted((tx for tx in items if tx.kind is Kind.CREDIT), key=credit_order)
    debits = sorted((tx for tx in items if tx.kind is Kind.DEBIT), key=debit_order)
    remaining = {tx.id: tx.open_amount for tx in items}
    debit_ids = {tx.id for tx in debits}
    invoices = {d.invoice_id: d.id for d in debits if d.type is TxType.INVOICE and d.invoice_id}
    prefer = {c.id: invoices[c.invoice_id] for c in credits if c.invoice_id in invoices}
    prefer.update(preferred or {})
    result: list[PlannedAllocation] = []

    def settle(credit_id: int, debit_id: int) -> None:
        amount = remaining[credit_id].min(remaining[debit_id])
        if amount.is_positive():
            remaining[credit_id] = remaining[credit_id] - amount
            remaining[debit_id] = remaining[debit_id] - amount
            result.append(PlannedAllocation(credit_id, debit_id, amount))

    position = 0  # debits before this one are fully settled
    for credit in credits:
        target = prefer.get(credit.id)
        if target in debit_ids:
            settle(credit.id, target)
        while remaining[credit.id].is_positive() and position < len(debits):
            debit = debits[position]
            if remaining[debit.id].is_zero():
                position += 1
                continue
            settle(credit.id, debit.id)
    return result
