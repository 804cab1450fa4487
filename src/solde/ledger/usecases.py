"""Use cases of the ledger: customers, unbilled lines, balances and settings.

Each function is one thing a user does. It receives the unit of work and, where the date
matters, `on` (today in the business time zone, read by the entry point). Posting and
everything that settles open items lives in `solde.settlement`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date

from solde.domain.errors import DuplicateValue, InvalidState
from solde.domain.money import Money
from solde.ledger import balance as deltas
from solde.ledger.balance import Balance
from solde.ledger.customers import Customer, change_customer, new_customer
from solde.ledger.entries import Entry, edited_line, line_transaction
from solde.ledger.model import NewTransaction, Origin, State, Transaction
from solde.ledger.ports import CustomerQuery, Page, TransactionQuery, UnitOfWork
from solde.ledger.settings import Settings, change_settings

# -- customers ------------------------------------------------------------------------------


def create_customer(uow: UnitOfWork, values: Mapping[str, object]) -> Customer:
    """Open a customer account with its billing settings; missing settings follow the defaults."""
    details = new_customer(values, uow.settings.get())
    if details.external_ref is not None and uow.customers.id_of_external_ref(details.external_ref):
        raise DuplicateValue(
            "external_ref", f"external_ref {details.external_ref!r} is already used"
        )
    customer = uow.customers.add(details)
    uow.audit.record(
        "customer.created",
        customer_id=customer.id,
        object_type="customer",
        object_id=customer.id,
        details={"values": dict(values)},
    )
    return customer


def update_customer(uow: UnitOfWork, customer_id: int, changes: Mapping[str, object]) -> Customer:
    """Change a customer's details or billing settings (null returns a setting to its default)."""
    customer = uow.customers.lock(customer_id)
    details = change_customer(
        customer, changes, has_transactions=uow.customers.has_entries(customer_id)
    )
    ref = details.external_ref
    if ref is not None and ref != customer.details.external_ref:
        owner = uow.customers.id_of_external_ref(ref)
        if owner is not None and owner != customer_id:
            raise DuplicateValue("external_ref", f"external_ref {ref!r} is already used")
    updated = Customer(customer_id, details)
    uow.customers.update(updated)
    if details.currency != customer.currency:
        uow.balances.reset_currency(customer_id, details.currency)
    uow.audit.record(
        "customer.updated",
        customer_id=customer_id,
        object_type="customer",
        object_id=customer_id,
        details={"changes": dict(changes)},
    )
    return updated


def get_customer(uow: UnitOfWork, customer_id: int) -> Customer:
    """One customer."""
    return uow.customers.get(customer_id)


def list_customers(uow: UnitOfWork, query: CustomerQuery) -> Page[Customer]:
    """A page of customers matching the filters, in the query's order."""
    return uow.customers.search(query)


def count_customers(uow: UnitOfWork, query: CustomerQuery) -> int:
    """How many customers match the filters (for "21–40 of 1,234"): the query's page, offset
    and cursor do not count."""
    return uow.customers.count(query)


# -- balance --------------------------------------------------------------------------------


def get_balance(uow: UnitOfWork, customer_id: int, *, as_of: date) -> Balance:
    """The balance card at the end of `as_of`. Once nothing has happened after that date it is
    read from the aggregate; for an earlier date it is computed from the dated history, so the
    answer to a question about a past date never changes. Every customer has its aggregate,
    so an unknown customer is `NotFound` from that one read."""
    return uow.balances.as_of(customer_id, as_of)


# -- transactions and lines -----------------------------------------------------------------


def get_transaction(uow: UnitOfWork, transaction_id: int) -> Transaction:
    """One transaction or line."""
    return uow.transactions.get(transaction_id)


def list_transactions(uow: UnitOfWork, query: TransactionQuery) -> Page[Transaction]:
    """A page of a customer's transactions, newest first, filtered by state, kind, type, dates."""
    uow.customers.get(query.customer_id)
    return uow.transactions.search(query)


def add_unbilled_line(
    uow: UnitOfWork, customer: Customer, entry: Entry, *, on: date
) -> Transaction:
    """Put a line on the customer's next invoice. It does not change the balance."""
    new = line_transaction(customer.id, customer.currency, entry, on=on)
    line = uow.transactions.add(new, created_by=uow.actor)
    uow.balances.apply(customer.id, deltas.unbilled_added(line, on))
    _audit_tx(uow, "line.added", line, {})
    return line


def update_unbilled_line(
    uow: UnitOfWork, transaction_id: int, changes: Mapping[str, object], *, on: date
) -> Transaction:
    """Change a line that is still waiting for an invoice."""
    line = _locked_line(uow, transaction_id)
    entry = edited_line(line, changes, on=on)
    customer = uow.customers.get(line.customer_id)
    new = line_transaction(customer.id, customer.currency, entry, on=line.entered_on)
    updated = _as_saved(line, new)
    uow.transactions.replace(line, updated)
    uow.balances.apply(
        line.customer_id, deltas.unbilled_removed(line, on) + deltas.unbilled_added(updated, on)
    )
    _audit_tx(uow, "line.updated", updated, {"changes": dict(changes)})
    return updated


def cancel_unbilled_line(
    uow: UnitOfWork, transaction_id: int, *, reason: str | None, on: date
) -> Transaction:
    """Cancel a line that is still waiting for an invoice; it is kept, void, with the reason."""
    line = _locked_line(uow, transaction_id)
    cancelled = replace(
        line, state=State.VOID, open_amount=Money.zero(line.currency), resolved_on=on, note=reason
    )
    uow.transactions.replace(line, cancelled)
    uow.balances.apply(line.customer_id, deltas.unbilled_removed(line, on))
    _audit_tx(uow, "line.cancelled", cancelled, {"reason": reason})
    return cancelled


def _locked_line(uow: UnitOfWork, transaction_id: int) -> Transaction:
    line = uow.transactions.get(transaction_id)
    uow.customers.lock(line.customer_id)
    line = uow.transactions.get(transaction_id)
    if line.state is not State.UNBILLED:
        raise InvalidState(
            f"transaction {transaction_id} is {line.state.value}: only unbilled lines can be "
            "changed or cancelled; reverse a posted transaction instead"
        )
    return line


def _as_saved(line: Transaction, new: NewTransaction) -> Transaction:
    return replace(
        line,
        type=new.type,
        label=new.label,
        date=new.date,
        amount=new.amount,
        net=new.net,
        tax=new.tax,
        tax_rate=new.tax_rate,
        quantity=new.quantity,
        unit_price=new.unit_price,
        open_amount=new.open_amount,
        reference=new.reference,
        origin=Origin.UNBILLED,
    )


def _audit_tx(uow: UnitOfWork, action: str, tx: Transaction, details: Mapping[str, object]) -> None:
    uow.audit.record(
        action,
        customer_id=tx.customer_id,
        object_type="transaction",
        object_id=tx.id,
        details={"amount": str(tx.amount), "kind": tx.kind.value, "type": tx.type.value, **details},
    )


# -- settings -------------------------------------------------------------------------------


def get_settings(uow: UnitOfWork) -> Settings:
    """The global settings."""
    return uow.settings.get()


def update_settings(
    uow: UnitOfWork,
    changes: Mapping[str, object],
    *,
    is_timezone: Callable[[str], bool],
    on: date,
) -> Settings:
    """Change global settings (time zone, defaults, lock date, billing defaults) on `on`."""
    updated = change_settings(uow.settings.get(), changes, is_timezone=is_timezone, on=on)
    uow.settings.save(updated)
    uow.audit.record(
        "settings.updated",
        customer_id=None,
        object_type="settings",
        object_id=None,
        details={"changes": dict(changes)},
    )
    return updated
