"""Debit and credit lines added to a customer's balance (SPEC §4): validation and amounts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.tax import LinePrice, parse_line_price
from solde.domain.values import InputReader, as_bool, as_choice, as_date, clean_text
from solde.ledger.model import (
    ENTRY_TYPES,
    Kind,
    NewTransaction,
    Origin,
    State,
    Transaction,
    TxType,
    bills_on_next_invoice_by_default,
)

LABEL_LENGTH = 200
REFERENCE_LENGTH = 100
ENTRY_FIELDS = frozenset(
    {
        "kind",
        "type",
        "label",
        "date",
        "unit_price",
        "quantity",
        "tax_rate",
        "bill_on_next_invoice",
        "reference",
    }
)
#: Fields of an unbilled line that may still change.
EDITABLE_LINE_FIELDS = ENTRY_FIELDS - {"kind", "bill_on_next_invoice"}


@dataclass(frozen=True, slots=True)
class Entry:
    """A validated debit or credit line."""

    kind: Kind
    type: TxType
    label: str
    date: date
    price: LinePrice
    bill_on_next_invoice: bool
    reference: str | None


def _kind_and_type(reader: InputReader) -> tuple[Kind, TxType]:
    kind = reader.required("kind", lambda v, f: as_choice(v, field=f, choices=Kind), Kind.DEBIT)
    default_type = TxType.CHARGE if kind is Kind.DEBIT else TxType.ADJUSTMENT
    tx_type = reader.read("type", lambda v, f: as_choice(v, field=f, choices=TxType), default_type)
    allowed = ENTRY_TYPES[kind]
    if tx_type not in allowed:
        names = ", ".join(sorted(t.value for t in allowed))
        reader.fail(
            "type", "invalid_choice", f"a {kind.value} line is one of: {names}{_hint(tx_type)}"
        )
    return kind, tx_type


def _hint(tx_type: TxType) -> str:
    if tx_type in (TxType.PAYMENT, TxType.REFUND):
        return " (record payments and refunds with the payments endpoint)"
    if tx_type is TxType.CHARGEBACK:
        return " (a chargeback is recorded on the payment it takes back)"
    if tx_type in (TxType.INVOICE, TxType.CREDIT_NOTE):
        return " (invoices and credit notes are documents of their own)"
    return ""


def parse_entry(values: Mapping[str, object], *, on: date) -> Entry:
    """Validate a new line; `date` defaults to `on`, quantity to 1, tax rate to 0."""
    reader = InputReader(values, allowed=ENTRY_FIELDS, what="a line")
    kind, tx_type = _kind_and_type(reader)
    label = reader.required("label", _label, "")
    reference = reader.read(
        "reference", lambda v, f: clean_text(v, field=f, max_length=REFERENCE_LENGTH), None
    )
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    bill_next = reader.read(
        "bill_on_next_invoice",
        lambda v, f: as_bool(v, field=f),
        bills_on_next_invoice_by_default(kind, tx_type),
    )
    price = LinePrice(Decimal(1), Decimal(0), Decimal(0))
    missing_price = values.get("unit_price") is None
    if missing_price:
        reader.fail("unit_price", "required", "is required")
    try:  # quantity and tax rate are checked even without a price: every fault at once
        price = parse_line_price(
            _or(values.get("quantity"), "1"),
            "0" if missing_price else values.get("unit_price"),
            _or(values.get("tax_rate"), "0"),
        )
    except InvalidInput as exc:
        reader.errors.absorb(exc)
    reader.done()
    return Entry(kind, tx_type, label or "", day, price, bill_next, reference)


def _label(value: object, field: str) -> str:
    return clean_text(value, field=field, max_length=LABEL_LENGTH, required=True) or ""


def _or(value: object, default: str) -> object:
    return default if value is None else value


def line_transaction(customer_id: int, currency: str, entry: Entry, *, on: date) -> NewTransaction:
    """The transaction for a validated line: unbilled, or posted now with its amount open.

    A posted line may not be dated after `on` (today): the balance of today must be final.
    """
    amounts = entry.price.amounts(currency)
    if not amounts.gross.is_positive():
        raise InvalidInput.single(
            "unit_price",
            "not_positive",
            "the line amount must be above zero; use kind credit for a credit line",
        )
    if not entry.bill_on_next_invoice and entry.date > on:
        raise InvalidInput.single(
            "date",
            "in_future",
            f"a posted line cannot be dated after today ({on.isoformat()}); "
            "bill it on the next invoice instead",
        )
    state = State.UNBILLED if entry.bill_on_next_invoice else State.OPEN
    return NewTransaction(
        customer_id=customer_id,
        kind=entry.kind,
        type=entry.type,
        label=entry.label,
        date=entry.date,
        amount=amounts.gross,
        net=amounts.net,
        tax=amounts.tax,
        tax_rate=entry.price.tax_rate,
        quantity=entry.price.quantity,
        unit_price=entry.price.unit_price,
        state=state,
        open_amount=amounts.gross,
        origin=Origin.UNBILLED if entry.bill_on_next_invoice else Origin.POSTED,
        entered_on=on,
        reference=entry.reference,
    )


def edited_line(line: Transaction, changes: Mapping[str, object], *, on: date) -> Entry:
    """Validate changes to an unbilled line: the line as it is, with the changed fields."""
    errors = FieldErrors()
    for name in changes:
        if name not in EDITABLE_LINE_FIELDS:
            errors.add(
                name, "not_editable", "cannot be changed on a line (cancel it and add another)"
            )
    errors.raise_if_any()
    current = {
        "kind": line.kind,
        "type": line.type,
        "label": line.label,
        "date": line.date,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "tax_rate": line.tax_rate,
        "reference": line.reference,
        "bill_on_next_invoice": True,
    }
    return parse_entry({**current, **changes}, on=on)
