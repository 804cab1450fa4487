"""Whose row it is: the customer named by `customer` (its external reference) or
`customer_id` (its id), checked to exist and locked for the import."""

from __future__ import annotations

from collections.abc import Sequence

from solde.imports.columns import Row
from solde.imports.report import Faults
from solde.ledger.customers import Customer
from solde.ledger.ports import UnitOfWork

#: The columns that name a row's customer; a file has one of them (or both).
CUSTOMER_COLUMNS = frozenset({"customer", "customer_id"})


def owners(uow: UnitOfWork, rows: Sequence[Row], faults: Faults) -> dict[int, Customer]:
    """For each row (by line), its customer, locked; each row naming no customer or one that
    does not exist is a fault."""
    by_ref: dict[str, int | None] = {}
    wanted: dict[int, int] = {}
    for row in rows:
        ref, number = row.values.get("customer"), row.values.get("customer_id")
        if ref is not None and number is not None:
            faults.add(row.line, "customer", "give the customer or customer_id, not both")
        elif isinstance(ref, str):
            ref = ref.strip()
            if ref not in by_ref:
                by_ref[ref] = uow.customers.id_of_external_ref(ref)
            found = by_ref[ref]
            if found is None:
                faults.add(row.line, "customer", f"no customer has the external_ref {ref!r}")
            else:
                wanted[row.line] = found
        elif isinstance(number, int):
            wanted[row.line] = number
        else:
            faults.add(row.line, "customer", "is required (a customer's external_ref)")
    customers = uow.customers.lock_many(sorted(set(wanted.values())))
    found_rows: dict[int, Customer] = {}
    for line, customer_id in wanted.items():
        if customer_id in customers:
            found_rows[line] = customers[customer_id]
        else:
            faults.add(line, "customer_id", f"no customer has the id {customer_id}", "not_found")
    return found_rows
