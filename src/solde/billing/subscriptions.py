"""Use cases of services: give a customer a service, change it, end it (SPEC §8).

A change of price, quantity or tax rate applies to the days not billed yet. Ending a service
inside days already billed (in advance) gives those days back as an unbilled credit line for
the next invoice, at the price they were billed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from solde.billing.documents import Item
from solde.billing.ports import BillingUnitOfWork
from solde.billing.services import (
    Service,
    anchor_of,
    given_back,
    parse_service,
    parse_service_changes,
    priced_item,
    share_of,
)
from solde.domain.periods import ONE_DAY, period_containing
from solde.domain.tax import LinePrice
from solde.ledger.billing import Proration
from solde.ledger.customers import Customer
from solde.ledger.entries import Entry
from solde.ledger.model import Kind, Transaction, TxType
from solde.ledger.usecases import add_unbilled_line, cancel_unbilled_line


def add_service(
    uow: BillingUnitOfWork, customer_id: int, values: Mapping[str, object], *, on: date
) -> Service:
    """Give a customer a service; it is billed from its start date by the next recurring
    invoice (or at once by the next daily run with `bill_on_activation`)."""
    customer = uow.customers.lock(customer_id)
    wanted = parse_service(values, on=on)
    service = uow.services.add(customer.id, wanted)
    _audit(uow, "service.added", service, {})
    return service


def get_service(uow: BillingUnitOfWork, service_id: int) -> Service:
    """One service."""
    return uow.services.get(service_id)


def list_services(uow: BillingUnitOfWork, customer_id: int) -> list[Service]:
    """A customer's services, ended ones included."""
    uow.customers.get(customer_id)
    return uow.services.of_customer(customer_id)


@dataclass(frozen=True, slots=True)
class ServiceChange:
    """A changed service and the unbilled credit lines its new end date gave back."""

    service: Service
    credit_lines: tuple[Transaction, ...]


def update_service(
    uow: BillingUnitOfWork, service_id: int, changes: Mapping[str, object], *, on: date
) -> Service:
    """Change or end a service (see `change_service`)."""
    return change_service(uow, service_id, changes, on=on).service


def change_service(
    uow: BillingUnitOfWork, service_id: int, changes: Mapping[str, object], *, on: date
) -> ServiceChange:
    """Change or end a service. An end date before `billed_through` credits the days after it
    as an unbilled line dated the day after the end, and the service is billed through its
    end (with proration `none`, through the end of the period it ends in: a started period is
    due in full); moving the end later lets the next invoice bill the days again."""
    found = uow.services.get(service_id)
    customer = uow.customers.lock(found.customer_id)
    service = uow.services.get(service_id)
    wanted = parse_service_changes(service, changes)
    changed = replace(
        service,
        description=wanted.description,
        quantity=wanted.price.quantity,
        unit_price=wanted.price.unit_price,
        tax_rate=wanted.price.tax_rate,
        start_date=wanted.start_date,
        end_date=wanted.end_date,
    )
    credits: list[Transaction] = []
    through, end = service.billed_through, wanted.end_date
    kept = None if end is None or through is None else _kept_through(uow, customer, end, through)
    if kept is not None and through is not None and kept < through:
        credits = _give_back(uow, customer, service, kept, on=on)
        changed = replace(changed, billed_through=kept)
    saved = uow.services.replace(service, changed)
    if kept is not None and through is not None and kept < through:
        uow.services.trim(service.id, kept)
    _audit(
        uow,
        "service.changed",
        saved,
        {"changes": sorted(changes), "credit_lines": [c.id for c in credits]},
    )
    return ServiceChange(saved, tuple(credits))


def _kept_through(uow: BillingUnitOfWork, customer: Customer, end: date, through: date) -> date:
    """How far an ended service stays billed: its end date; with proration `none`, a started
    period is due in full, so the end of the period holding the end date."""
    billing = customer.billing_settings(uow.settings.get())
    if billing.proration is not Proration.NONE:
        return end
    anchor = anchor_of(billing.billing_day, _starts(uow, customer.id))
    return min(through, period_containing(end, anchor, billing.period_months).end)


def _starts(uow: BillingUnitOfWork, customer_id: int) -> list[date]:
    return [s.start_date for s in uow.services.of_customer(customer_id)]


def _give_back(
    uow: BillingUnitOfWork, customer: Customer, service: Service, end: date, *, on: date
) -> list[Transaction]:
    """Unbilled credit lines for the billed days after `end`, one per charge that billed them,
    dated the day after `end`."""
    assert service.billed_through is not None
    currency = customer.currency
    billing = customer.billing_settings(uow.settings.get())
    anchor = anchor_of(billing.billing_day, _starts(uow, customer.id))
    made = []
    charges = uow.services.charges_of(service.id)
    for charge, first, last in given_back(charges, end + ONE_DAY, service.billed_through):
        share = share_of(
            first, last, anchor=anchor, months=billing.period_months, proration=billing.proration
        )
        item = priced_item(
            service.description,
            charge.price,
            share,
            first=first,
            last=last,
            currency=currency,
            service_id=service.id,
        )
        if item.net.is_zero():
            continue
        entry = Entry(
            kind=Kind.CREDIT,
            type=TxType.ADJUSTMENT,
            label=_label(service.description, first, last),
            date=end + ONE_DAY,
            price=LinePrice(Decimal(1), item.net.amount, charge.price.tax_rate),
            bill_on_next_invoice=True,
            reference=f"service {service.id}",
        )
        made.append(add_unbilled_line(uow, customer, entry, on=on))
    return made


def _label(description: str, first: date, last: date) -> str:
    """ "Unused days of <description> (<first> to <last>)": the days stay whole, a long
    description is shortened (`given_back_days` reads the days back)."""
    days = f" ({first.isoformat()} to {last.isoformat()})"
    room = 200 - len("Unused days of ") - len(days)
    name = description if len(description) <= room else description[: room - 1] + "…"
    return f"Unused days of {name}{days}"


_GIVEN_BACK = re.compile(r"\((\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\)$")


def given_back_days(line: Transaction, service_id: int) -> tuple[date, date] | None:
    """The days an unbilled credit line gave back for a service, or None for another line."""
    if line.kind is not Kind.CREDIT or line.reference != f"service {service_id}":
        return None
    found = _GIVEN_BACK.search(line.label)
    if found is None:
        return None
    return date.fromisoformat(found.group(1)), date.fromisoformat(found.group(2))


def cancel_given_back(
    uow: BillingUnitOfWork, doc_items: Sequence[Item], customer_id: int, *, on: date
) -> str | None:
    """Before an invoice billing services is voided: cancel the unbilled credit lines that gave
    back days of its service lines (voiding gives those days back to be billed again, so the
    credit would count twice). Returns why the void must be refused instead: days it billed
    were given back by a credit that another invoice has taken already."""
    waiting = uow.transactions.unbilled_up_to(customer_id, date.max)
    cancel: list[Transaction] = []
    for item in doc_items:
        if item.service_id is None or item.period_start is None or item.period_end is None:
            continue
        first, last = item.period_start, item.period_end
        charges = [c for c in uow.services.charges_of(item.service_id) if c.first == first]
        kept = charges[0].last if charges else first - ONE_DAY
        owed_back = (last - kept).days if kept < last else 0
        found = 0
        for line in waiting:
            days = given_back_days(line, item.service_id)
            if days is not None and first <= days[0] and days[1] <= last:
                cancel.append(line)
                found += (days[1] - days[0]).days + 1
        if found < owed_back:
            return (
                f"days of the service {item.description!r} this invoice billed were credited "
                "back on another invoice already: correct it with a credit note instead"
            )
    for line in cancel:
        cancel_unbilled_line(uow, line.id, reason="its invoice was voided", on=on)
    return None


def _audit(
    uow: BillingUnitOfWork, action: str, service: Service, details: Mapping[str, object]
) -> None:
    uow.audit.record(
        action,
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
            **details,
        },
    )
