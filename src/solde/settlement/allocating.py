"""Applying allocations: open amounts, states and the aggregate change together.

An allocation is dated the business day it is made (`on`), never before either transaction
nor before an earlier allocation on either (`allocated_on`), and never inside a closed period.
Undoing (a chargeback, a reversal) adds negative allocations dated the same way. Read in date
order, a transaction's allocations replay the order they were made in, so no past day ever
shows more settled on a transaction than its amount, nor less than nothing; and settling today
never changes what an earlier day showed. No allocation row is ever changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from solde.domain.errors import InvalidInput, InvalidState
from solde.domain.money import Money
from solde.ledger import balance as deltas
from solde.ledger.balance import BalanceDelta
from solde.ledger.customers import Customer
from solde.ledger.model import (
    Allocation,
    AllocationSource,
    AllocationStep,
    Kind,
    State,
    Transaction,
    TxType,
)
from solde.ledger.ports import UnitOfWork
from solde.ledger.settings import Settings
from solde.settlement.planner import PlannedAllocation, plan


def _with_open(tx: Transaction, open_amount: Money, day: date) -> Transaction:
    state = State.CLOSED if open_amount.is_zero() else State.OPEN
    return replace(tx, open_amount=open_amount, state=state, allocated_on=day)


def _allocation_day(on: date, *sides: Transaction) -> date:
    """The date of an allocation between `sides` made on business day `on`: never before
    either transaction, nor before an earlier allocation on either, so that each transaction's
    allocations, read in date order, replay the order they were made in."""
    return max(on, *(max(tx.date, tx.allocated_on or tx.date) for tx in sides))


@dataclass(frozen=True, slots=True)
class Settlement:
    """What planned allocations do, before anything is kept: the allocations with their days,
    each transaction that changed (new open amount, state and `allocated_on`), and the change
    to the customer's aggregate."""

    steps: tuple[AllocationStep, ...]
    changed: dict[int, Transaction]
    delta: BalanceDelta | None


def settled(
    planned: Iterable[PlannedAllocation],
    items: Mapping[int, Transaction],
    *,
    on: date,
    settings: Settings,
) -> Settlement:
    """Work out the planned allocations made on business day `on`. Pure: no I/O."""
    current = dict(items)
    steps: list[AllocationStep] = []
    total: Money | None = None
    latest: date | None = None
    for step in planned:
        credit, debit = current[step.credit_id], current[step.debit_id]
        day = settings.open_day(_allocation_day(on, credit, debit))
        steps.append(AllocationStep(credit.id, debit.id, step.amount, day))
        current[credit.id] = _with_open(credit, credit.open_amount - step.amount, day)
        current[debit.id] = _with_open(debit, debit.open_amount - step.amount, day)
        total = step.amount if total is None else total + step.amount
        latest = day if latest is None else max(latest, day)
    changed = {tx_id: tx for tx_id, tx in current.items() if tx != items[tx_id]}
    delta = None if total is None or latest is None else deltas.allocated(total, latest)
    return Settlement(tuple(steps), changed, delta)


def apply_plan(
    uow: UnitOfWork,
    planned: Iterable[PlannedAllocation],
    items: Mapping[int, Transaction],
    *,
    on: date,
    source: AllocationSource,
) -> list[Allocation]:
    """Keep the planned allocations, made on `on`; update both sides' open amounts and the
    aggregate once."""
    outcome = settled(planned, items, on=on, settings=uow.settings.get())
    if not outcome.steps:
        return []
    customer_id = next(iter(items.values())).customer_id
    made = uow.allocations.add_many(customer_id, outcome.steps, source)
    uow.transactions.replace_many([(items[i], tx) for i, tx in outcome.changed.items()])
    if outcome.delta is not None:
        uow.balances.apply(customer_id, outcome.delta)
    return made


def settle_customer(
    uow: UnitOfWork,
    customer: Customer,
    *,
    on: date,
    source: AllocationSource,
    preferred: Mapping[int, int] | None = None,
) -> list[Allocation]:
    """Match the customer's open credits against open debits in the SPEC's order."""
    items = {tx.id: tx for tx in uow.transactions.open_items(customer.id)}
    planned = plan(items.values(), preferred=preferred)
    return apply_plan(uow, planned, items, on=on, source=source) if planned else []


def auto_settle(
    uow: UnitOfWork, customer: Customer, *, on: date, preferred: Mapping[int, int] | None = None
) -> list[Allocation]:
    """Settle after a posting, when the customer settles automatically. Reads the open items
    only when the aggregate shows open debits and open credits side by side."""
    if not customer.billing_settings(uow.settings.get()).auto_settlement:
        return []
    balance = uow.balances.get(customer.id)
    if balance.debit.is_zero() or balance.credit.is_zero():
        return []
    return settle_customer(uow, customer, on=on, source=AllocationSource.AUTO, preferred=preferred)


def allocate_pair(
    uow: UnitOfWork,
    credit: Transaction,
    debit: Transaction,
    amount: Money,
    *,
    on: date,
    source: AllocationSource,
) -> Allocation:
    """Settle `amount` between one open credit and one open debit of the same customer."""
    if credit.customer_id != debit.customer_id:
        raise InvalidInput.single("debit_id", "other_customer", "belongs to another customer")
    if credit.kind is not Kind.CREDIT or not credit.is_posted:
        raise InvalidInput.single("credit_id", "not_a_credit", "must be a posted credit")
    if debit.kind is not Kind.DEBIT or not debit.is_posted:
        raise InvalidInput.single("debit_id", "not_a_debit", "must be a posted debit")
    if not amount.is_positive():
        raise InvalidInput.single("amount", "not_positive", "must be above zero")
    for field, tx in (("credit_id", credit), ("debit_id", debit)):
        if amount > tx.open_amount:
            raise InvalidState(
                f"{field}: transaction {tx.id} has only {tx.open_amount} {tx.currency} open"
            )
    step = PlannedAllocation(credit.id, debit.id, amount)
    (made,) = apply_plan(uow, [step], {credit.id: credit, debit.id: debit}, on=on, source=source)
    return made


def release(
    uow: UnitOfWork, tx: Transaction, amount: Money, *, on: date, source: AllocationSource
) -> Transaction:
    """Undo up to `amount` of what `tx` has settled, most recent counterpart first, reopening
    the counterparts, on business day `on`. Returns `tx` with its new open amount."""
    links = uow.allocations.links(tx.customer_id, [tx.id]).get(tx.id, [])
    left = amount
    freed: Money | None = None
    settings = uow.settings.get()
    latest = on
    for link in sorted(links, key=lambda link: link.transaction_id, reverse=True):
        if not left.is_positive():
            break
        other = uow.transactions.get(link.transaction_id)
        if other.type is TxType.CHARGEBACK and other.related_id == tx.id:
            continue  # a payment's own chargebacks stay closed against it
        part = left.min(link.amount)
        credit_id, debit_id = (tx.id, other.id) if tx.kind is Kind.CREDIT else (other.id, tx.id)
        undone_on = settings.open_day(_allocation_day(on, tx, other))
        uow.allocations.add(tx.customer_id, credit_id, debit_id, -part, undone_on, source)
        latest = max(latest, undone_on)
        uow.transactions.replace(other, _with_open(other, other.open_amount + part, undone_on))
        tx = replace(tx, allocated_on=undone_on)
        left = left - part
        freed = part if freed is None else freed + part
    if freed is None:
        return tx
    reopened = _with_open(tx, tx.open_amount + freed, latest)
    uow.transactions.replace(tx, reopened)
    uow.balances.apply(tx.customer_id, deltas.allocated(-freed, latest))
    return reopened
