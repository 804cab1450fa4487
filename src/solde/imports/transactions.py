"""Transactions from a file: unbilled lines, lines posted at once, payments and refunds
(SPEC §4, §6, §13). Each row is keyed by its `external_ref` (unique per customer): a key the
customer already has is skipped, so a file imported twice creates nothing new."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from solde.imports import columns as c
from solde.imports.columns import Layout, Row
from solde.imports.keys import FileKeys
from solde.imports.owners import CUSTOMER_COLUMNS, owners
from solde.imports.ports import ImportUnitOfWork
from solde.imports.posting import Keyed, post
from solde.imports.report import Faults
from solde.ledger.model import Kind, TxType
from solde.settlement.importing import ImportRow, RowKind

LAYOUT = Layout(
    "a transactions file",
    {
        "customer": c.text,
        "customer_id": c.customer_id,
        "external_ref": c.text,
        "type": c.choice,
        "kind": c.choice,
        "label": c.text,
        "date": c.day,
        "unit_price": c.decimal,
        "amount": c.decimal,
        "quantity": c.decimal,
        "tax_rate": c.decimal,
        "bill_on_next_invoice": c.flag,
        "reference": c.text,
        "method": c.choice,
        "status": c.choice,
    },
    required=frozenset({"external_ref", "type"}),
    alternatives=(CUSTOMER_COLUMNS,),
)
_PAYMENTS = frozenset({TxType.PAYMENT.value, TxType.REFUND.value})
_LINE_ONLY = ("unit_price", "quantity", "tax_rate", "bill_on_next_invoice", "kind")
_PAYMENT_ONLY = ("method", "status")
_KIND_OF_TYPE = {
    TxType.CHARGE.value: Kind.DEBIT.value,
    TxType.COLLECTION_COST.value: Kind.DEBIT.value,
    TxType.GIFT.value: Kind.CREDIT.value,
}


def import_transactions(
    uow: ImportUnitOfWork, rows: Sequence[Row], faults: Faults, *, on: date
) -> tuple[int, int, int]:
    """Keep the rows' lines and payments; (created, updated, skipped). Nothing is written
    when any row is at fault."""
    customers = owners(uow, rows, faults)
    keys = FileKeys()
    keyed: list[Keyed] = []
    for row in rows:
        customer = customers.get(row.line)
        if customer is None:
            continue
        ref = keys.take(faults, row.line, customer.id, row.values.get("external_ref"))
        made = _row(row, customer.id, ref, faults)
        if made is not None and ref is not None:
            keyed.append(made)
    return post(uow, keyed, faults, on=on)


def _row(row: Row, customer_id: int, ref: str | None, faults: Faults) -> Keyed | None:
    values = {
        k: v for k, v in row.values.items() if k not in ("customer", "customer_id", "external_ref")
    }
    tx_type = str(values.get("type", ""))
    if not tx_type:
        faults.add(row.line, "type", "is required: charge, payment, refund, ...", "required")
        return None
    if tx_type in _PAYMENTS:
        return _payment(row.line, customer_id, ref, values, faults)
    return _line(row.line, customer_id, ref, values, faults)


def _refuse(
    line: int, values: Mapping[str, object], names: Sequence[str], what: str, faults: Faults
) -> bool:
    wrong = [name for name in names if name in values]
    for name in wrong:
        faults.add(line, name, f"does not apply to {what}", "not_applicable")
    return bool(wrong)


def _payment(
    line: int, customer_id: int, ref: str | None, values: dict[str, object], faults: Faults
) -> Keyed | None:
    tx_type = values.pop("type")
    if _refuse(line, values, _LINE_ONLY, f"a {tx_type}", faults):
        return None
    amount = values.get("amount")
    if tx_type == TxType.REFUND.value and isinstance(amount, str) and not amount.startswith("-"):
        values["amount"] = "-" + amount  # a refund is a negative payment (SPEC §6)
    return Keyed(line, ImportRow(customer_id, RowKind.PAYMENT, values, ref), c.last_part)


def _line(
    line: int, customer_id: int, ref: str | None, values: dict[str, object], faults: Faults
) -> Keyed | None:
    if _refuse(line, values, _PAYMENT_ONLY, "a line (only to a payment or refund)", faults):
        return None
    price_column = "unit_price"
    if "amount" in values:
        if "unit_price" in values:
            faults.add(line, "amount", "give unit_price or amount, not both", "not_applicable")
            return None
        values["unit_price"] = values.pop("amount")
        price_column = "amount"
    if "kind" not in values and str(values.get("type")) in _KIND_OF_TYPE:
        values["kind"] = _KIND_OF_TYPE[str(values["type"])]
    elif "kind" not in values:
        faults.add(line, "kind", "is required for this type: debit or credit", "required")
        return None

    def column_of(field: str) -> str:
        name = c.last_part(field)
        return price_column if name == "unit_price" else name

    return Keyed(line, ImportRow(customer_id, RowKind.LINE, values, ref), column_of)
