"""Importing many lines and payments at once: the path CSV imports and data migrations take.

Every row is validated as the API validates one line or one payment; if any row is wrong,
nothing is kept and every wrong row is reported with its place (`rows[7].amount`). Otherwise
the rows are kept in one go: each customer is locked once, the rows are written in one
statement, each customer's aggregate changes once, and customers who settle automatically are
settled once, after their rows, exactly as `settle` would do it (SPEC §6). The balances are
the same as if the rows had been posted one by one; only which payment paid which debit may
differ, when a batch holds a debit older than one an earlier payment would have paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from solde.domain.errors import Conflict, FieldErrors, InvalidInput, SoldeError
from solde.domain.money import Money
from solde.domain.values import is_possible_id
from solde.ledger import balance as deltas
from solde.ledger.balance import Balance, BalanceDelta
from solde.ledger.customers import Customer
from solde.ledger.entries import line_transaction, parse_entry
from solde.ledger.model import (
    AllocationSource,
    AllocationStep,
    Kind,
    NewTransaction,
    State,
    Transaction,
    TxType,
)
from solde.ledger.ports import AuditEntry, UnitOfWork
from solde.ledger.settings import Settings
from solde.settlement.allocating import settled
from solde.settlement.payments import parse_payment, payment_transaction
from solde.settlement.planner import plan


class RowKind(StrEnum):
    """What one imported row records."""

    LINE = "line"  # a debit or credit line, posted or unbilled (the fields of SPEC §4)
    PAYMENT = "payment"  # a payment or a refund, confirmed or pending (SPEC §6)


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of an import: whose, what, and its fields as the API takes them."""

    customer_id: int
    kind: RowKind
    values: dict[str, object]
    #: the row's key in the system it comes from, kept on its transaction (unique per
    #: customer: the caller skips keys already taken)
    external_ref: str | None = None


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import kept."""

    transaction_ids: tuple[int, ...]  # in the order of the rows
    customers: int
    allocations: int


@dataclass
class _Batch:
    """One customer's share of the import, built up row by row."""

    customer: Customer
    rows: list[Transaction]
    delta: BalanceDelta
    #: credit refundable before the batch (−balance − pending refunds), read at the first refund
    credit_before: Money | None = None
    pending_refunds: Money | None = None  # refunds of the batch awaiting confirmation


def import_transactions(uow: UnitOfWork, rows: Sequence[ImportRow], *, on: date) -> ImportResult:
    """Keep every row, or none when any is wrong (`InvalidInput` listing each wrong row)."""
    settings = uow.settings.get()
    customers = uow.customers.lock_many([row.customer_id for row in rows])
    batches = {cid: _Batch(c, [], BalanceDelta.nothing(c.currency)) for cid, c in customers.items()}
    news = _validated(uow, rows, batches, settings, on=on)
    ids = uow.transactions.new_ids(len(news))
    for tx_id, new in zip(ids, news, strict=True):
        batches[new.customer_id].rows.append(_kept(new, tx_id, uow.actor))
    used = [batch for batch in batches.values() if batch.rows]
    steps = _settle(uow, used, settings, on=on)
    uow.transactions.add_many([tx for batch in used for tx in batch.rows])
    uow.allocations.add_for_customers(steps, AllocationSource.AUTO)
    uow.balances.apply_many([(batch.customer.id, batch.delta) for batch in used])
    uow.audit.record_many([_audit_entry(batch) for batch in used])
    return ImportResult(tuple(ids), len(used), len(steps))


def _audit_entry(batch: _Batch) -> AuditEntry:
    first, last = batch.rows[0].id, batch.rows[-1].id
    return AuditEntry(
        "transactions.imported",
        customer_id=batch.customer.id,
        object_type="customer",
        object_id=batch.customer.id,
        details={"count": len(batch.rows), "first_id": first, "last_id": last},
    )


def _validated(
    uow: UnitOfWork,
    rows: Sequence[ImportRow],
    batches: dict[int, _Batch],
    settings: Settings,
    *,
    on: date,
) -> list[NewTransaction]:
    """Each row as a new transaction, the batches' deltas added up; every error reported."""
    errors = FieldErrors()
    news: list[NewTransaction] = []
    for number, row in enumerate(rows, start=1):
        place = f"rows[{number}]."
        batch = batches.get(row.customer_id) if is_possible_id(row.customer_id) else None
        if batch is None:
            errors.add(f"{place}customer_id", "not_found", f"no customer {row.customer_id!r}")
            continue
        try:
            new, forced = _transaction(row, batch.customer, on=on)
            if new.state is State.OPEN:
                settings.check_open(new.date)
            _check_refund(uow, batch, new, forced=forced)
        except InvalidInput as error:
            errors.absorb(error, place)
            continue
        except SoldeError as error:
            errors.add(f"{place}{_field_of(error)}", error.code, error.message)
            continue
        batch.delta = batch.delta + _delta(new, on)
        news.append(new)
    errors.raise_if_any()
    return news


def _transaction(row: ImportRow, customer: Customer, *, on: date) -> tuple[NewTransaction, bool]:
    """The row's transaction, and whether it is a refund forced beyond the credit."""
    if row.kind is RowKind.LINE:
        entry = parse_entry(row.values, on=on)
        new = line_transaction(customer.id, customer.currency, entry, on=on)
        return replace(new, external_ref=row.external_ref), False
    payment = parse_payment(
        row.values,
        currency=customer.currency,
        default_method=customer.details.payment_method,
        on=on,
    )
    new = payment_transaction(customer.id, payment, on=on)
    return replace(new, external_ref=row.external_ref), payment.force


def _field_of(error: SoldeError) -> str:
    return "amount" if error.code == "insufficient_credit" else "date"


def _check_refund(uow: UnitOfWork, batch: _Batch, new: NewTransaction, *, forced: bool) -> None:
    """A refund may pay back the credit left after the batch's earlier rows (SPEC §6): the
    credit before the batch, changed by every earlier row, less refunds awaiting
    confirmation."""
    if new.type is not TxType.REFUND:
        return
    customer = batch.customer
    zero = Money.zero(customer.currency)
    if batch.credit_before is None:
        pending = uow.transactions.pending_total(customer.id, TxType.REFUND) or zero
        batch.credit_before = -uow.balances.get(customer.id).balance - pending
    available = batch.credit_before - batch.delta.balance - (batch.pending_refunds or zero)
    if not forced and new.amount > available:
        raise _NoCredit(new.amount, max(available, zero))
    if new.state is State.PENDING:
        batch.pending_refunds = (batch.pending_refunds or zero) + new.amount


class _NoCredit(Conflict):
    code = "insufficient_credit"

    def __init__(self, amount: Money, available: Money) -> None:
        super().__init__(
            f"the refund of {amount} {amount.currency} is larger than the available credit of "
            f"{available} {amount.currency}"
        )


def _delta(new: NewTransaction, on: date) -> BalanceDelta:
    tx = _kept(new, 0, None)
    if new.state is State.PENDING:
        return deltas.pending_added(tx, on)
    if new.state is State.UNBILLED:
        return deltas.unbilled_added(tx, on)
    return deltas.posted(tx, on)


def _kept(new: NewTransaction, tx_id: int, actor: str | None) -> Transaction:
    fields = {name: getattr(new, name) for name in NewTransaction.__dataclass_fields__}
    return Transaction(id=tx_id, created_by=actor, **fields)


def _may_settle(batch: _Batch, balance: Balance) -> bool:
    """True when, after the batch, the customer may have open debits and open credits side
    by side: otherwise settling would find nothing to do, and needs no reading."""
    posted = [tx for tx in batch.rows if tx.state is State.OPEN]
    has_debit = not balance.debit.is_zero() or any(tx.kind is Kind.DEBIT for tx in posted)
    has_credit = not balance.credit.is_zero() or any(tx.kind is Kind.CREDIT for tx in posted)
    return has_debit and has_credit


def _settle(
    uow: UnitOfWork, batches: list[_Batch], settings: Settings, *, on: date
) -> list[tuple[int, AllocationStep]]:
    """Settle the customers who settle automatically, once each, after their rows."""
    automatic = [b for b in batches if b.customer.billing_settings(settings).auto_settlement]
    before = uow.balances.get_many([batch.customer.id for batch in automatic])
    settling = [batch for batch in automatic if _may_settle(batch, before[batch.customer.id])]
    existing = uow.transactions.open_items_of([batch.customer.id for batch in settling])
    steps: list[tuple[int, AllocationStep]] = []
    replaced: list[tuple[Transaction, Transaction]] = []
    for batch in settling:
        old = {tx.id: tx for tx in existing.get(batch.customer.id, [])}
        items = old | {tx.id: tx for tx in batch.rows if tx.state is State.OPEN}
        outcome = settled(plan(items.values()), items, on=on, settings=settings)
        replaced.extend((old[i], after) for i, after in outcome.changed.items() if i in old)
        batch.rows = [outcome.changed.get(tx.id, tx) for tx in batch.rows]
        if outcome.delta is not None:
            batch.delta = batch.delta + outcome.delta
        steps.extend((batch.customer.id, step) for step in outcome.steps)
    uow.transactions.settle_many(replaced)
    return steps
