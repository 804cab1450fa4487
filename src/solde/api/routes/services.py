"""Services (subscriptions): give a customer a service, list, read, change or end it (SPEC §8)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query

from solde import views
from solde.api.context import Caller, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.schemas.invoices import DayParam
from solde.api.schemas.services import (
    ServiceChangedOut,
    ServiceCreate,
    ServiceListOut,
    ServiceOut,
    ServiceUpdate,
    service_out,
)
from solde.billing import subscriptions
from solde.billing.ports import BillingUnitOfWork
from solde.billing.services import Service
from solde.domain.values import check_date

customer_router = APIRouter(
    prefix="/v1/customers/{customer_id}/services", tags=["services"], route_class=ExactJSONRoute
)
router = APIRouter(prefix="/v1/services", tags=["services"], route_class=ExactJSONRoute)

AS_OF = "`status` as of this day (default today)"


def _currency(uow: BillingUnitOfWork, customer_id: int) -> str:
    return uow.customers.get(customer_id).details.currency


def _as_of(today: date, value: date | None) -> date:
    return check_date(value or today, field="as_of")


def present(uow: BillingUnitOfWork, service: Service, as_of: date) -> ServiceOut:
    """A service with its status as of `as_of`."""
    return service_out(service, _currency(uow, service.customer_id), as_of)


@customer_router.post("", status_code=201, response_model=ServiceOut, summary="Add a service")
def add_service(
    customer_id: int, body: ServiceCreate, caller: Caller = Depends(writer)
) -> ServiceOut:
    """Give the customer a service. It is billed from its start date on the customer's next
    billing day, together with the period that starts then (SPEC §8); with
    `bill_on_activation`, the next daily run bills its first partial period at once."""
    with caller.uow() as uow:
        on = caller.today(uow)
        service = subscriptions.add_service(
            uow, object_id(customer_id, "customer"), body.values(), on=on
        )
        out = present(uow, service, on)
        uow.commit()
    return out


@customer_router.get("", response_model=ServiceListOut, summary="List a customer's services")
def list_services(
    customer_id: int,
    caller: Caller = Depends(reader),
    as_of: DayParam | None = Query(None, description=AS_OF),
) -> ServiceListOut:
    """Every service of the customer, ended ones included, oldest first."""
    with caller.uow(write=False) as uow:
        day = _as_of(caller.today(uow), as_of)
        found = subscriptions.list_services(uow, object_id(customer_id, "customer"))
        currency = _currency(uow, customer_id)
    data = [service_out(s, currency, day) for s in found]
    return ServiceListOut(data=data, has_more=False, next_cursor=None)


@router.get("/{service_id}", response_model=ServiceOut, summary="Get a service")
def get_service(
    service_id: int,
    caller: Caller = Depends(reader),
    as_of: DayParam | None = Query(None, description=AS_OF),
) -> ServiceOut:
    """One service and how far it is billed (`billed_through`)."""
    with caller.uow(write=False) as uow:
        day = _as_of(caller.today(uow), as_of)
        return present(uow, subscriptions.get_service(uow, object_id(service_id, "service")), day)


@router.patch("/{service_id}", response_model=ServiceChangedOut, summary="Change or end a service")
def update_service(
    service_id: int, body: ServiceUpdate, caller: Caller = Depends(writer)
) -> ServiceChangedOut:
    """Change a service or end it. A new price, quantity or tax rate applies to the days not
    billed yet; the start date may change while nothing is billed. An `end_date` before
    `billed_through` (a period billed in advance) gives the days after it back: one unbilled
    credit line per price they were billed at, dated the day after the end, taken by the next
    invoice; they are in `credit_lines`. Moving the end date later lets the next invoice bill
    the days again."""
    with caller.uow() as uow:
        on = caller.today(uow)
        change = subscriptions.change_service(
            uow, object_id(service_id, "service"), body.values(), on=on
        )
        out = ServiceChangedOut.model_validate(
            {
                **views.service(change.service, _currency(uow, change.service.customer_id), on),
                "credit_lines": [views.transaction_of(uow, t) for t in change.credit_lines],
            }
        )
        uow.commit()
    return out
