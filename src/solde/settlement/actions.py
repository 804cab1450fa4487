"""What may be done with a transaction now, and why not (SPEC §4, §6).

The rules are pure functions of a transaction and two facts about it — whether another
transaction reverses it, and how much of it chargebacks have taken back. The use cases refuse
with these reasons; the back office offers only what they allow, reading the facts of a whole
page of transactions in two queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from solde.domain.money import Money
from solde.ledger.model import State, Transaction, TxType
from solde.ledger.ports import UnitOfWork


class Action(StrEnum):
    """Something a user may do with one transaction."""

    EDIT = "edit"  # an unbilled line
    CANCEL = "cancel"  # an unbilled line
    CONFIRM = "confirm"  # a payment or refund awaiting bank confirmation
    FAIL = "fail"  # idem
    REVERSE = "reverse"  # a posted transaction
    CHARGEBACK = "chargeback"  # a confirmed payment


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules need to know about a transaction besides itself."""

    reversed: bool  # another transaction reverses it
    charged_back: Money | None  # posted, unreversed chargebacks of it (payments)


_NOT_REVERSIBLE = {
    TxType.INVOICE: "an invoice is corrected with a credit note or voided",
    TxType.CREDIT_NOTE: "a credit note cannot be reversed",
}


def reversal_refusal(tx: Transaction, facts: Facts) -> str | None:
    """Why `tx` cannot be reversed, or None when it can."""
    if not tx.is_posted:
        hint = {
            State.UNBILLED: "cancel the unbilled line instead",
            State.PENDING: "fail the pending payment instead",
        }.get(tx.state, "it is not posted")
        return f"transaction {tx.id} is {tx.state.value}: {hint}"
    if tx.type in _NOT_REVERSIBLE:
        return f"transaction {tx.id}: {_NOT_REVERSIBLE[tx.type]}"
    if tx.reverses_id is not None:
        return f"transaction {tx.id} is itself a reversal"
    if facts.reversed:
        return f"transaction {tx.id} is already reversed"
    if facts.charged_back is not None:
        return f"payment {tx.id} has chargebacks: reverse the chargebacks first"
    return None


def chargeable(payment: Transaction, facts: Facts) -> Money:
    """What of a payment can still be charged back (reversed chargebacks give their amount
    back)."""
    taken = facts.charged_back
    return payment.amount - taken if taken is not None else payment.amount


def chargeback_refusal(payment: Transaction, facts: Facts) -> str | None:
    """Why `payment` cannot be charged back, or None when it can."""
    if payment.type is not TxType.PAYMENT or not payment.is_posted:
        return f"transaction {payment.id} is not a confirmed payment"
    if facts.reversed:
        return f"payment {payment.id} is reversed: there is nothing to charge back"
    if not chargeable(payment, facts).is_positive():
        return f"payment {payment.id} is already charged back in full"
    return None


def allowed(tx: Transaction, facts: Facts) -> frozenset[Action]:
    """Everything that may be done with `tx` now."""
    if tx.state is State.UNBILLED:
        return frozenset({Action.EDIT, Action.CANCEL})
    if tx.state is State.PENDING:
        return frozenset({Action.CONFIRM, Action.FAIL})
    found: set[Action] = set()
    if reversal_refusal(tx, facts) is None:
        found.add(Action.REVERSE)
    if chargeback_refusal(tx, facts) is None:
        found.add(Action.CHARGEBACK)
    return frozenset(found)


def facts_of(uow: UnitOfWork, txs: Sequence[Transaction]) -> dict[int, Facts]:
    """The facts of several transactions, in two queries."""
    posted = [t.id for t in txs if t.is_posted]
    reversed_ids = uow.transactions.reversed_among(posted)
    payments = [t.id for t in txs if t.is_posted and t.type is TxType.PAYMENT]
    charged = uow.transactions.related_totals(payments, TxType.CHARGEBACK)
    return {t.id: Facts(t.id in reversed_ids, charged.get(t.id)) for t in txs}


def allowed_actions(uow: UnitOfWork, txs: Sequence[Transaction]) -> dict[int, frozenset[Action]]:
    """What may be done with each of `txs` now, by the rules the use cases enforce."""
    facts = facts_of(uow, txs)
    return {t.id: allowed(t, facts[t.id]) for t in txs}
