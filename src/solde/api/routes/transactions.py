"""Lines and transactions: add, list, read, edit or cancel an unbilled line, reverse."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, cursor, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.common import PageOut, next_cursor
from solde.api.schemas.transactions import (
    EntryCreate,
    LineUpdate,
    ReverseIn,
    TransactionOut,
)
from solde.domain.errors import InvalidInput
from solde.domain.values import check_date, clean_text
from solde.ledger import usecases
from solde.ledger.model import Kind, State, Transaction, TxType
from solde.ledger.ports import MAX_PAGE, TransactionQuery, UnitOfWork
from solde.settlement import usecases as settlement

customer_router = APIRouter(
    prefix="/v1/customers/{customer_id}/transactions",
    tags=["transactions"],
    route_class=ExactJSONRoute,
)
router = APIRouter(prefix="/v1/transactions", tags=["transactions"], route_class=ExactJSONRoute)


def present(uow: UnitOfWork, tx: Transaction) -> TransactionOut:
    """A transaction with the allocations that settled it."""
    return TransactionOut.model_validate(views.transaction_of(uow, tx))


def present_many(
    uow: UnitOfWork, customer_id: int, txs: tuple[Transaction, ...]
) -> list[TransactionOut]:
    """Transactions of one customer with their allocations, in one query."""
    links = uow.allocations.links(customer_id, [tx.id for tx in txs])
    return [
        TransactionOut.model_validate(views.transaction(tx, links.get(tx.id, []))) for tx in txs
    ]


def _choices(
    values: list[str] | None, field: str, enum: type[State] | type[TxType]
) -> frozenset[str]:
    chosen: set[str] = set()
    for value in values or []:
        for part in value.split(","):
            name = part.strip()
            if name not in {e.value for e in enum}:
                allowed = ", ".join(e.value for e in enum)
                raise InvalidInput.single(
                    field, "invalid_choice", f"{name[:30]!r} is not one of: {allowed}"
                )
            chosen.add(name)
    return frozenset(chosen)


@customer_router.post(
    "", status_code=201, response_model=TransactionOut, summary="Add a debit or credit line"
)
def add_entry(
    customer_id: int, body: EntryCreate, caller: Caller = Depends(writer)
) -> TransactionOut:
    """Add a line to the customer's balance: unbilled (waits for the next invoice dated on or
    after its date) or posted now (changes the balance at once and settles)."""
    with caller.uow() as uow:
        tx = settlement.add_entry(
            uow, object_id(customer_id, "customer"), body.values(), on=caller.today(uow)
        )
        out = present(uow, tx)
        uow.commit()
    return out


@customer_router.get(
    "", response_model=PageOut[TransactionOut], summary="List a customer's transactions"
)
def list_transactions(
    customer_id: int,
    caller: Caller = Depends(reader),
    state: list[str] | None = Query(
        None,
        description="open, closed, unbilled, billed, pending, void; repeat or separate with commas",
    ),
    kind: Kind | None = None,
    type: list[str] | None = Query(
        None, description="Transaction types; repeat or separate with commas"
    ),
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    starting_after: str | None = Query(None, max_length=20),
) -> PageOut[TransactionOut]:
    """Transactions and lines, newest first, with open amounts and allocations."""
    for field, day in (("date_from", date_from), ("date_to", date_to)):
        if day is not None:
            check_date(day, field=field)
    query = TransactionQuery(
        customer_id=object_id(customer_id, "customer"),
        states=frozenset(State(s) for s in _choices(state, "state", State)),
        kind=kind,
        types=frozenset(TxType(t) for t in _choices(type, "type", TxType)),
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        starting_after=cursor(starting_after),
    )
    with caller.uow(write=False) as uow:
        page = usecases.list_transactions(uow, query)
        data = present_many(uow, query.customer_id, page.items)
    return PageOut[TransactionOut](data=data, has_more=page.has_more, next_cursor=next_cursor(page))


@router.get("/{transaction_id}", response_model=TransactionOut, summary="Get a transaction")
def get_transaction(transaction_id: int, caller: Caller = Depends(reader)) -> TransactionOut:
    """One transaction or line."""
    with caller.uow(write=False) as uow:
        return present(uow, usecases.get_transaction(uow, object_id(transaction_id, "transaction")))


@router.patch("/{transaction_id}", response_model=TransactionOut, summary="Edit an unbilled line")
def update_line(
    transaction_id: int, body: LineUpdate, caller: Caller = Depends(writer)
) -> TransactionOut:
    """Change a line still waiting for an invoice. Posted transactions never change: reverse
    them instead (409)."""
    with caller.uow() as uow:
        tx = usecases.update_unbilled_line(
            uow, object_id(transaction_id, "transaction"), body.values(), on=caller.today(uow)
        )
        out = present(uow, tx)
        uow.commit()
    return out


@router.delete(
    "/{transaction_id}", response_model=TransactionOut, summary="Cancel an unbilled line"
)
def cancel_line(
    transaction_id: int,
    caller: Caller = Depends(writer),
    reason: str | None = Query(None, max_length=500),
) -> TransactionOut:
    """Cancel a line still waiting for an invoice; it is kept, void, with the reason."""
    with caller.uow() as uow:
        tx = usecases.cancel_unbilled_line(
            uow,
            object_id(transaction_id, "transaction"),
            reason=clean_text(reason, field="reason", max_length=500),
            on=caller.today(uow),
        )
        out = present(uow, tx)
        uow.commit()
    return out


@router.post(
    "/{transaction_id}/reverse",
    status_code=201,
    response_model=TransactionOut,
    summary="Reverse a posted transaction",
)
def reverse(
    transaction_id: int, body: ReverseIn | None = None, caller: Caller = Depends(writer)
) -> TransactionOut:
    """Cancel the effect of a posted transaction with an opposite one of the same amount; what
    it had settled is reopened and settles again. Returns the reversing transaction."""
    values = body.values() if body is not None else {}
    with caller.uow() as uow:
        tx = settlement.reverse(
            uow, object_id(transaction_id, "transaction"), values, on=caller.today(uow)
        )
        out = present(uow, tx)
        uow.commit()
    return out
