"""Services from a file: each row gives a customer a service keyed by its `external_ref`;
a key the customer already has is skipped, never changed (SPEC §8, §13)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from solde.billing.services import Service, ServiceInput, parse_service
from solde.domain.errors import InvalidInput
from solde.imports import columns as c
from solde.imports.columns import Layout, Row, fault_all
from solde.imports.keys import FileKeys
from solde.imports.owners import CUSTOMER_COLUMNS, owners
from solde.imports.ports import ImportUnitOfWork
from solde.imports.report import Faults

LAYOUT = Layout(
    "a services file",
    {
        "customer": c.text,
        "customer_id": c.customer_id,
        "external_ref": c.text,
        "description": c.text,
        "unit_price": c.decimal,
        "quantity": c.decimal,
        "tax_rate": c.decimal,
        "start_date": c.day,
        "end_date": c.day,
    },
    required=frozenset({"external_ref", "description", "unit_price"}),
    alternatives=(CUSTOMER_COLUMNS,),
)
_OWN = frozenset({"customer", "customer_id", "external_ref"})


def import_services(
    uow: ImportUnitOfWork, rows: Sequence[Row], faults: Faults, *, on: date
) -> tuple[int, int, int]:
    """Add the services of the rows; (created, updated, skipped). Nothing is written when any
    row is at fault."""
    customers = owners(uow, rows, faults)
    keys = FileKeys()
    wanted: list[tuple[int, int, str, ServiceInput]] = []
    for row in rows:
        customer = customers.get(row.line)
        ref = (
            None
            if customer is None
            else keys.take(faults, row.line, customer.id, row.values.get("external_ref"))
        )
        values = {k: v for k, v in row.values.items() if k not in _OWN}
        try:
            service = parse_service(values, on=on)
        except InvalidInput as exc:
            fault_all(faults, row.line, exc, c.last_part)
            continue
        if customer is not None and ref is not None:
            wanted.append((row.line, customer.id, ref, replace(service, external_ref=ref)))
    taken = uow.services.refs_taken([(cid, ref) for _, cid, ref, _ in wanted])
    if faults:
        return 0, 0, 0
    created = 0
    for _line, customer_id, ref, service in wanted:
        if (customer_id, ref) in taken:
            continue
        _audit(uow, uow.services.add(customer_id, service))
        created += 1
    return created, 0, len(wanted) - created


def _audit(uow: ImportUnitOfWork, service: Service) -> None:
    uow.audit.record(
        "service.added",
        customer_id=service.customer_id,
        object_type="service",
        object_id=service.id,
        details={
            "description": service.description,
            "unit_price": str(service.unit_price),
            "quantity": str(service.quantity),
            "tax_rate": str(service.tax_rate),
            "start_date": service.start_date.isoformat(),
            "end_date": None if service.end_date is None else service.end_date.isoformat(),
            "external_ref": service.external_ref,
            "imported": True,
        },
    )
