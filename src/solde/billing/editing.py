"""Editing an issued invoice within the rules of its status (SPEC §5).

While nothing is settled on it, every field may change; a change of its items or date
cancels its ledger transaction with a reversal and posts a new one (both audited). Once part
is settled, only note, memo, dates, number and custom fields; once paid, only note, memo and
custom fields; a void invoice, nothing. A refused edit names the fields that may still change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from solde.billing import ledgering
from solde.billing.composing import compose, parse_items
from solde.billing.documents import EDITABLE, Document, Item, editable_fields
from solde.billing.inputs import custom_fields, parse_number
from solde.billing.ports import BillingUnitOfWork
from solde.billing.usecases import _audit, _locked, settled_of
from solde.domain.errors import DuplicateValue, InvalidInput, NotEditable
from solde.domain.values import InputReader, as_date, clean_text
from solde.ledger.customers import Customer
from solde.settlement.allocating import auto_settle

NOTE_LENGTH = 2000


def update_invoice(
    uow: BillingUnitOfWork, document_id: int, changes: Mapping[str, object], *, on: date
) -> Document:
    """Change an invoice, proforma or credit note as far as its status allows."""
    doc, customer = _locked(uow, document_id)
    reader = InputReader(changes, allowed=EDITABLE["full"], what="an invoice edit")
    reader.done()
    settled = settled_of(uow, doc, on)
    allowed = editable_fields(doc, settled)
    refused = tuple(sorted(set(changes) - allowed))
    if refused:
        may = ", ".join(sorted(allowed)) or "nothing"
        raise NotEditable(
            f"{', '.join(refused)} can no longer change on this document; it may change: {may}",
            refused=refused,
            editable=tuple(sorted(allowed)),
        )
    updated = _apply(uow, doc, changes)
    if updated.type.is_invoice and updated.document_date > on:
        raise InvalidInput.single(
            "document_date", "in_future", f"cannot be after today ({on.isoformat()})"
        )
    if updated.type.is_invoice and (
        updated.items != doc.items or updated.document_date != doc.document_date
    ):  # an invoice of a closed period keeps its amounts and date: credit it instead
        settings = uow.settings.get()
        settings.check_open(doc.document_date, field="document_date")
        settings.check_open(updated.document_date, field="document_date")
    if updated.items != doc.items:
        updated = _repost(uow, customer, doc, updated, on=on)
    uow.documents.replace(doc, updated)
    _audit(uow, "invoice.updated", updated, {"changes": _printable(changes)})
    return updated


def _apply(uow: BillingUnitOfWork, doc: Document, changes: Mapping[str, object]) -> Document:
    reader = InputReader(changes, allowed=EDITABLE["full"], what="an invoice edit")
    found: dict[str, Any] = {}
    for name in ("note", "memo"):
        if name in changes:
            found[name] = reader.read(
                name, lambda v, f: clean_text(v, field=f, max_length=NOTE_LENGTH), None
            )
    if "custom_fields" in changes:
        no_fields: dict[str, str] = {}
        found["custom_fields"] = reader.read("custom_fields", custom_fields, no_fields)
    for name in ("document_date", "due_date"):
        if name in changes:
            found[name] = reader.required(
                name, lambda v, f: as_date(v, field=f), getattr(doc, name)
            )
    for name in ("period_start", "period_end"):
        if name in changes:  # null clears the period
            found[name] = reader.read(name, lambda v, f: as_date(v, field=f), None)
    if changes.get("number") is not None:
        found["number"] = reader.read("number", parse_number, doc.number)
    if "items" in changes:
        no_items: list[Item] = []
        typed = reader.read(
            "items", lambda v, f: parse_items(v, currency=doc.currency, field=f), no_items
        )
        found["items"] = tuple(typed) + tuple(i for i in doc.items if not i.is_typed)
    reader.done()
    return _checked(uow, doc, replace(doc, **found), changes)


def _checked(
    uow: BillingUnitOfWork, doc: Document, updated: Document, changes: Mapping[str, object]
) -> Document:
    _check_dates(updated, changes)
    if updated.number != doc.number and updated.number is not None:
        owner = uow.documents.id_of_number(updated.number)
        if owner is not None and owner != doc.id:
            raise DuplicateValue("number", f"number {updated.number!r} is already used")
    if updated.items != doc.items:
        if not updated.items:
            raise InvalidInput.single("items", "required", "an invoice needs at least one item")
        composition = compose(updated.items, [], currency=doc.currency)
        updated = replace(
            updated, net=composition.net, tax=composition.tax, total=composition.total
        )
    return updated


def _check_dates(doc: Document, changes: Mapping[str, object]) -> None:
    if doc.due_date < doc.document_date:
        field = "due_date" if "due_date" in changes else "document_date"
        raise InvalidInput.single(
            field, "before_date", "the due date cannot be before the document date"
        )
    if (doc.period_start is None) != (doc.period_end is None):
        raise InvalidInput.single(
            "period_end", "incomplete", "give both period_start and period_end, or neither"
        )
    if doc.period_start and doc.period_end and doc.period_end < doc.period_start:
        raise InvalidInput.single("period_end", "before_start", "cannot be before period_start")


def _repost(
    uow: BillingUnitOfWork, customer: Customer, before: Document, after: Document, *, on: date
) -> Document:
    """An unsettled invoice whose items changed: its transaction is cancelled by a reversal
    and the new total posted, both dated the day of the edit, so that no earlier day's
    balance changes (SPEC §11). A change of the document date alone changes the document."""
    if not after.type.is_invoice:
        return after  # a proforma has no transaction
    uow.settings.get().check_open(on)
    if before.transaction_id is not None:
        ledgering.cancel_posting(uow, customer, before, on, "invoice edited", on=on)
    composition = compose(after.items, [], currency=after.currency)
    assert after.number is not None
    tx = ledgering.post_invoice(
        uow,
        customer,
        after.id,
        after.number,
        composition,
        on,
        on=on,
        document_date=after.document_date,
    )
    made = auto_settle(uow, customer, on=on)
    left = ledgering.left_open(tx, made)
    return replace(
        after,
        transaction_id=None if tx is None else tx.id,
        account_balance=uow.balances.get(customer.id).balance,
        paid_from_balance=tx is not None and left is not None and left.is_zero(),
    )


def _printable(changes: Mapping[str, object]) -> dict[str, object]:
    return {k: v if isinstance(v, (str, int, type(None))) else str(v) for k, v in changes.items()}
