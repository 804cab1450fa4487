"""Customers from a file: a new `external_ref` creates the customer, a known one updates it
where the file's values differ, and skips it when nothing differs (SPEC §3, §13)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from solde.domain.errors import InvalidInput, InvalidState, SoldeError
from solde.imports import columns as c
from solde.imports.columns import Layout, Row, fault_all
from solde.imports.report import Faults
from solde.ledger import usecases
from solde.ledger.customers import Customer, change_customer, new_customer
from solde.ledger.ports import UnitOfWork

#: Address columns and the address parts they fill.
ADDRESS = {
    "address_line1": "line1",
    "address_line2": "line2",
    "postal_code": "postal_code",
    "city": "city",
    "region": "region",
    "country": "country",
}
BILLING: dict[str, c.Reader] = {
    "billing_enabled": c.flag,
    "period_months": c.integer,
    "billing_day": c.integer,
    "timing": c.choice,
    "auto_invoice": c.flag,
    "auto_settlement": c.flag,
    "payment_due_days": c.integer,
    "credit_limit": c.decimal,
    "blocking_period_days": c.integer,
    "deactivation_period_days": c.integer,
    "reminders": c.flag,
    "bill_on_activation": c.flag,
    "proration": c.choice,
    "dunning_enabled": c.flag,
}
LAYOUT = Layout(
    "a customers file",
    {
        "external_ref": c.text,
        "name": c.text,
        "email": c.text,
        "currency": c.currency,
        "segment": c.text,
        "payment_method": c.choice,
        "partner_id": c.integer,
        "locale": c.text,
        "status": c.choice,
        **{column: c.text for column in ADDRESS},
        **BILLING,
    },
    required=frozenset({"external_ref"}),
)
_COLUMN_OF = {part: column for column, part in ADDRESS.items()}


def _column(field: str) -> str:
    part = c.last_part(field)
    return _COLUMN_OF.get(part, part) if field.startswith("billing_address") else part


def _values(row: Row, current: Customer | None) -> dict[str, object]:
    """The row as the API's customer fields; an address given in part keeps the other parts
    of the customer's current address."""
    values: dict[str, object] = {}
    address: dict[str, object] = {}
    billing: dict[str, object] = {}
    for column, value in row.values.items():
        if column in ADDRESS:
            address[ADDRESS[column]] = value
        elif column in BILLING:
            billing[column] = value
        elif column != "external_ref":
            values[column] = value
    if address:
        base = current.details.billing_address.as_dict() if current is not None else {}
        values["billing_address"] = {**base, **address}
    if billing:
        values["billing"] = billing
    return values


@dataclass(frozen=True, slots=True)
class _Planned:
    line: int
    ref: str
    customer_id: int | None  # None: a new customer
    values: Mapping[str, object]


def import_customers(uow: UnitOfWork, rows: Sequence[Row], faults: Faults) -> tuple[int, int, int]:
    """Create or update the customers of the rows; (created, updated, skipped). Nothing is
    written when any row is at fault."""
    plans: list[_Planned] = []
    first_line: dict[str, int] = {}
    skipped = 0
    for row in rows:
        ref = str(row.values.get("external_ref", "")).strip()
        if ref in first_line:
            faults.add(
                row.line,
                "external_ref",
                f"{ref!r} is already on line {first_line[ref]}",
                "duplicate",
            )
            continue
        first_line[ref] = row.line
        try:
            plan = _plan(uow, row, ref)
        except InvalidInput as exc:
            fault_all(faults, row.line, exc, _column)
            continue
        except InvalidState as exc:
            faults.add(row.line, "currency", exc.message, exc.code)
            continue
        if plan is None:
            skipped += 1
        else:
            plans.append(plan)
    if faults:
        return 0, 0, 0
    created, updated = _apply(uow, plans, faults)
    return created, updated, skipped


def _apply(uow: UnitOfWork, plans: Sequence[_Planned], faults: Faults) -> tuple[int, int]:
    """Create and update through the use cases that the API calls."""
    created = updated = 0
    for plan in plans:
        try:
            if plan.customer_id is None:
                usecases.create_customer(uow, {"external_ref": plan.ref, **plan.values})
                created += 1
            else:
                usecases.update_customer(uow, plan.customer_id, plan.values)
                updated += 1
        except InvalidInput as exc:
            fault_all(faults, plan.line, exc, _column)
        except SoldeError as exc:
            faults.add(plan.line, None, exc.message, exc.code)
    return created, updated


def _plan(uow: UnitOfWork, row: Row, ref: str) -> _Planned | None:
    """What the row does: create, update, or nothing (None) when nothing differs."""
    if not ref:
        raise InvalidInput.single("external_ref", "required", "is required: the customer's key")
    if len(ref) > 100:
        raise InvalidInput.single("external_ref", "too_long", "must be at most 100 characters")
    existing = uow.customers.id_of_external_ref(ref)
    if existing is None:
        values = _values(row, None)
        if "name" not in values:
            raise InvalidInput.single("name", "required", "is required for a new customer")
        new_customer({"external_ref": ref, **values}, uow.settings.get())
        return _Planned(row.line, ref, None, values)
    customer = uow.customers.get(existing)
    values = _values(row, customer)
    details = change_customer(customer, values, has_transactions=False)
    if details == customer.details:
        return None
    if details.currency != customer.currency and uow.customers.has_entries(customer.id):
        raise InvalidState(
            f"cannot change from {customer.currency} to {details.currency}: the customer "
            "already has transactions or lines"
        )
    return _Planned(row.line, ref, customer.id, values)
