"""What a user sends to create or change an invoice or a credit note, validated (SPEC §5, §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from solde.billing.composing import parse_items
from solde.billing.documents import INVOICE_TYPES, DocType, Item
from solde.domain.errors import InvalidInput
from solde.domain.money import Money
from solde.domain.numbering import check_number
from solde.domain.values import InputReader, as_bool, as_choice, as_date, clean_text

NOTE_LENGTH = 2000
REASON_LENGTH = 500
CUSTOM_FIELDS = 20
INVOICE_FIELDS = frozenset(
    {
        "type", "date", "due_date", "items", "include_unbilled", "note", "memo",
        "custom_fields", "period_start", "period_end", "include_services",
    }
)  # fmt: skip
CREDIT_NOTE_FIELDS = frozenset({"items", "amount", "reason", "date", "note", "memo"})


@dataclass(frozen=True, slots=True)
class InvoiceInput:
    """A validated new invoice or proforma."""

    type: DocType
    date: dt.date
    due_date: dt.date | None
    items: tuple[Item, ...]
    include_unbilled: bool
    note: str | None
    memo: str | None
    custom_fields: dict[str, str] = field(default_factory=dict)
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    include_services: bool = False

    def due(self, payment_due_days: int) -> dt.date:
        """The due date given, else the document date plus the customer's payment terms."""
        return self.due_date or self.date + timedelta(days=payment_due_days)


def _type(value: object, field: str) -> DocType:
    kind = as_choice(value, field=field, choices=DocType)
    if kind not in INVOICE_TYPES:
        raise InvalidInput.single(
            field,
            "invalid_choice",
            "is one of: one_time, recurring, proforma (credit notes are issued on an invoice)",
        )
    return kind


def _note(value: object, field: str) -> str | None:
    return clean_text(value, field=field, max_length=NOTE_LENGTH)


def custom_fields(value: object, field: str) -> dict[str, str]:
    """Up to 20 custom fields: short names to short texts."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput.single(field, "not_an_object", "must be an object of texts")
    if len(value) > CUSTOM_FIELDS:
        raise InvalidInput.single(field, "too_many", f"may hold at most {CUSTOM_FIELDS} fields")
    found: dict[str, str] = {}
    for name, text in value.items():
        key = clean_text(name, field=field, max_length=50, required=True)
        found[str(key)] = clean_text(text, field=f"{field}.{key}", max_length=500) or ""
    return found


def parse_invoice(values: Mapping[str, object], *, currency: str, on: date) -> InvoiceInput:
    """Validate a new invoice: `type` (default one_time), `date` (default `on`), `due_date`
    (not before the date), `items`, `include_unbilled`, note, memo, custom fields, period."""
    reader = InputReader(values, allowed=INVOICE_FIELDS, what="an invoice")
    kind = reader.read("type", _type, DocType.ONE_TIME)
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    due = reader.read("due_date", lambda v, f: as_date(v, field=f), None)
    no_items: list[Item] = []
    items = reader.read("items", lambda v, f: parse_items(v, currency=currency, field=f), no_items)
    include = reader.read("include_unbilled", lambda v, f: as_bool(v, field=f), False)
    services = reader.read(
        "include_services", lambda v, f: as_bool(v, field=f), kind is DocType.RECURRING
    )
    note = reader.read("note", _note, None)
    memo = reader.read("memo", _note, None)
    no_fields: dict[str, str] = {}
    custom = reader.read("custom_fields", custom_fields, no_fields)
    start = reader.read("period_start", lambda v, f: as_date(v, field=f), None)
    end = reader.read("period_end", lambda v, f: as_date(v, field=f), None)
    if due is not None and due < day:
        reader.fail("due_date", "before_date", "cannot be before the document date")
    if (start is None) != (end is None):
        reader.fail("period_end", "incomplete", "give both period_start and period_end, or neither")
    elif start is not None and end is not None and end < start:
        reader.fail("period_end", "before_start", "cannot be before period_start")
    if kind is DocType.PROFORMA and include:
        reader.fail(
            "include_unbilled",
            "not_for_proforma",
            "a proforma holds typed items only; its unbilled lines are billed on the invoice",
        )
    if services and kind is not DocType.RECURRING:
        reader.fail(
            "include_services", "not_recurring", "services are billed on recurring invoices"
        )
    if not include and not services and not items and not reader.failed("items"):
        reader.fail("items", "required", "give at least one item, or include the unbilled lines")
    reader.done()
    return InvoiceInput(
        kind, day, due, tuple(items), include, note, memo, custom, start, end, services
    )


@dataclass(frozen=True, slots=True)
class CreditNoteInput:
    """A validated credit note: items, or an amount (gross) spread like the invoice's tax."""

    items: tuple[Item, ...]
    amount: Money | None
    reason: str
    date: dt.date
    note: str | None
    memo: str | None


def parse_credit_note(values: Mapping[str, object], *, currency: str, on: date) -> CreditNoteInput:
    """Validate a credit note: `items` or `amount` (exactly one), `reason` (required), `date`
    (default `on`, not after it)."""
    reader = InputReader(values, allowed=CREDIT_NOTE_FIELDS, what="a credit note")
    no_items: list[Item] = []
    items = reader.read("items", lambda v, f: parse_items(v, currency=currency, field=f), no_items)
    amount = reader.read("amount", lambda v, f: Money.parse(v, currency, field=f), None)
    reason = reader.required("reason", _reason, "")
    day = reader.read("date", lambda v, f: as_date(v, field=f), on)
    note = reader.read("note", _note, None)
    memo = reader.read("memo", _note, None)
    if items and amount is not None:
        reader.fail("amount", "both_given", "give items or an amount, not both")
    elif not items and amount is None and not reader.failed("items", "amount"):
        reader.fail("amount", "required", "give an amount or items")
    if amount is not None and not amount.is_positive():
        reader.fail("amount", "not_positive", "must be above zero")
    if day > on:
        reader.fail("date", "in_future", f"cannot be after today ({on.isoformat()})")
    reader.done()
    return CreditNoteInput(tuple(items), amount, reason or "", day, note, memo)


def _reason(value: object, field: str) -> str:
    return clean_text(value, field=field, max_length=REASON_LENGTH, required=True) or ""


def parse_number(value: object, field: str) -> str:
    """A document number typed by hand."""
    return check_number(value, field=field)
