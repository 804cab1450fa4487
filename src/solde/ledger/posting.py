"""Posting: a transaction enters the balance. The one way anything becomes part of a balance."""

from __future__ import annotations

from datetime import date

from solde.ledger import balance as deltas
from solde.ledger.model import NewTransaction, State, Transaction
from solde.ledger.ports import UnitOfWork


def post(uow: UnitOfWork, new: NewTransaction, *, on: date, action: str) -> Transaction:
    """Keep `new` as an open posted transaction and add it to the customer's aggregate.

    Refuses a date in a closed period. The caller holds the customer's lock and settles
    afterwards when the customer settles automatically.
    """
    uow.settings.get().check_open(new.date)
    assert new.state is State.OPEN, "only open transactions are posted"
    tx = uow.transactions.add(new, created_by=uow.actor)
    uow.balances.apply(tx.customer_id, deltas.posted(tx, on))
    uow.audit.record(
        action,
        customer_id=tx.customer_id,
        object_type="transaction",
        object_id=tx.id,
        details={"kind": tx.kind.value, "type": tx.type.value, "amount": str(tx.amount)},
    )
    return tx
