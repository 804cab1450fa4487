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
from solde.domain.money import Money, money_sum
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


def as_left_by(tx: Transaction, made: Iterable[Allocation]) -> Transaction:
    """`tx` as the allocations `made` (just kept, on top of `tx`) left it: what reading it back
    would give, without the round trip."""
    mine = [a for a in made if tx.id in (a.credit_id, a.debit_id)]
    if not mine:
        return tx
    settled_now = money_sum([a.amount for a in mine], tx.currency)
    return _with_open(tx, tx.open_amount - settled_now, max(a.date for a in mine))


def _last_day(tx: Transaction, last: Mapping[int, date]) -> date:
    """The earliest day a new allocation on `tx` may have: not before the transaction, nor
    before its latest allocation (so that its allocations, read in date order, replay the order
    they were made in). `last` holds the days of allocations planned but not yet kept."""
    return max(tx.date, last.get(tx.id) or tx.allocated_on or tx.date)


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
    """Work out the planned allocations made on business day `on`. Pure: no I/O.

    Open amounts and allocation days are followed per transaction while the steps are read,
    and each changed transaction is built once at the end (a payment settling a thousand
    debits is one new payment, not a thousand intermediate ones)."""
    opened: dict[int, Money] = {}  # open amount after the steps read so far
    last: dict[int, date] = {}  # latest allocation day after the steps read so far
    steps: list[AllocationStep] = []
    total: Money | None = None
    latest: date | None = None
    for step in planned:
        credit, debit = items[step.credit_id], items[step.debit_id]
        day = settings.open_day(max(on, _last_day(credit, last), _last_day(debit, last)))
        steps.append(AllocationStep(credit.id, debit.id, step.amount, day))
        for side in (credit, debit):
            opened[side.id] = opened.get(side.id, side.open_amount) - step.amount
            last[side.id] = day
        total = step.amount if total is None else total + step.amount
        latest = day if latest is None else max(latest, day)
    changed = {}
    for tx_id, open_amount in opened.items():
        after = _with_open(items[tx_id], open_amount, last[tx_id])
        if after != items[tx_id]:
            changed[tx_id] = after
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
    uow.transactions.settle_many([(items[i], tx) for i, tx in outcome.changed.items()])
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
    for role, tx in (("credit", credit), ("debit", debit)):
        if amount > tx.open_amount:
            raise InvalidState(
                f"the {role}, transaction {tx.id}, has only {tx.open_amount} {tx.currency} open"
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
        undone_on = settings.open_day(max(on, _last_day(tx, {}), _last_day(other, {})))
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
