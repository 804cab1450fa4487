"""Opening balances from a file, when moving from another system (SPEC §13): each row posts
the customer's balance at once as an `adjustment` (a debit when the amount is positive: the
customer owes; a credit when negative: the customer has credit, SPEC §1). Its key defaults to
`opening-<customer>`, so a file imported again posts nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.imports import columns as c
from solde.imports.columns import Layout, Row
from solde.imports.keys import FileKeys
from solde.imports.owners import CUSTOMER_COLUMNS, owners
from solde.imports.ports import ImportUnitOfWork
from solde.imports.posting import Keyed, post
from solde.imports.report import Faults
from solde.ledger.customers import Customer
from solde.settlement.importing import ImportRow, RowKind

DEFAULT_LABEL = "Opening balance"
LAYOUT = Layout(
    "a balances file",
    {
        "customer": c.text,
        "customer_id": c.customer_id,
        "amount": c.decimal,
        "date": c.day,
        "external_ref": c.text,
        "label": c.text,
        "reference": c.text,
    },
    required=frozenset({"amount"}),
    alternatives=(CUSTOMER_COLUMNS,),
)


#: The key of an opening balance the file gives none for. Keys are unique per customer, so a
#: customer has one default opening balance, whatever its reference becomes later.
DEFAULT_KEY = "opening-balance"


def import_balances(
    uow: ImportUnitOfWork, rows: Sequence[Row], faults: Faults, *, on: date
) -> tuple[int, int, int]:
    """Post the rows' opening balances; (created, updated, skipped). A zero balance posts
    nothing (skipped). Nothing is written when any row is at fault."""
    customers = owners(uow, rows, faults)
    keys = FileKeys()
    keyed: list[Keyed] = []
    zero = 0
    for row in rows:
        customer = customers.get(row.line)
        if customer is None:
            continue
        given = row.values.get("external_ref") or DEFAULT_KEY
        ref = keys.take(faults, row.line, customer.id, given)
        amount = _amount(row, customer, faults)
        if amount is None or ref is None:
            continue
        if amount.is_zero():
            zero += 1
            continue
        keyed.append(Keyed(row.line, _import_row(row, customer, amount, ref), _column))
    created, updated, skipped = post(uow, keyed, faults, on=on)
    return created, updated, skipped + zero


def _amount(row: Row, customer: Customer, faults: Faults) -> Money | None:
    if "amount" not in row.values:
        faults.add(row.line, "amount", "is required (positive: owes; negative: credit)", "required")
        return None
    try:
        return Money.parse(row.values.get("amount"), customer.currency, field="amount")
    except InvalidInput as exc:
        for error in exc.errors:
            faults.add(row.line, "amount", error.message, error.code)
        return None


def _import_row(row: Row, customer: Customer, amount: Money, ref: str) -> ImportRow:
    values: dict[str, object] = {
        "kind": "debit" if amount.is_positive() else "credit",
        "type": "adjustment",
        "label": row.values.get("label") or DEFAULT_LABEL,
        "unit_price": str(abs(amount).amount),
        "quantity": "1",
        "tax_rate": "0",
        "bill_on_next_invoice": False,
    }
    for name in ("date", "reference"):
        if name in row.values:
            values[name] = row.values[name]
    return ImportRow(customer.id, RowKind.LINE, values, ref)


def _column(field: str) -> str:
    name = c.last_part(field)
    return "amount" if name in ("unit_price", "quantity", "tax_rate") else name
