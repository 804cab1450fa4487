"""Allocation by hand and settlement on demand."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from solde import views
from solde.api.context import Caller, object_id, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.transactions import AllocationCreate, AllocationOut, SettleOut
from solde.settlement import usecases as settlement

router = APIRouter(
    prefix="/v1/customers/{customer_id}", tags=["settlement"], route_class=ExactJSONRoute
)


@router.post(
    "/allocations",
    status_code=201,
    response_model=AllocationOut,
    summary="Allocate a credit to a debit",
)
def allocate(
    customer_id: int, body: AllocationCreate, caller: Caller = Depends(writer)
) -> AllocationOut:
    """Settle an open credit against an open debit by hand (for customers without automatic
    settlement, or to choose what a payment pays)."""
    with caller.uow() as uow:
        made = settlement.allocate(
            uow, object_id(customer_id, "customer"), body.values(), on=caller.today(uow)
        )
        uow.commit()
    return AllocationOut.model_validate(views.allocation(made))


@router.post("/settle", response_model=SettleOut, summary="Run settlement for a customer")
def settle(customer_id: int, caller: Caller = Depends(writer)) -> SettleOut:
    """Match the customer's open credits against open debits in the usual order, now, whatever
    its automatic-settlement setting."""
    with caller.uow() as uow:
        made = settlement.settle(uow, object_id(customer_id, "customer"), on=caller.today(uow))
        uow.commit()
    return SettleOut(allocations=[AllocationOut.model_validate(views.allocation(a)) for a in made])
