"""/v1/customers: create, list, read, change; the balance card."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from solde import views
from solde.api.context import Caller, cursor, object_id, reader, writer
from solde.api.exact_json import ExactJSONRoute
from solde.api.routes.invoices import EXPORT_RESPONSES, FORMAT_DESCRIPTION, export_response
from solde.api.schemas.balances import BalanceOut
from solde.api.schemas.common import PageOut, next_cursor
from solde.api.schemas.customers import CustomerCreate, CustomerOut, CustomerUpdate
from solde.domain.values import check_date
from solde.downloads import customers as customer_download
from solde.exports.tabular import ExportFormat
from solde.ledger import usecases
from solde.ledger.customers import Customer, CustomerStatus
from solde.ledger.model import PaymentMethod
from solde.ledger.ports import (
    MAX_OFFSET,
    MAX_PAGE,
    BalanceFilter,
    CustomerQuery,
    CustomerSort,
    UnitOfWork,
)

router = APIRouter(prefix="/v1/customers", tags=["customers"], route_class=ExactJSONRoute)


def present(uow: UnitOfWork, customer: Customer) -> CustomerOut:
    """A customer with its current balance."""
    balance = uow.balances.get(customer.id).balance
    return CustomerOut.model_validate(views.customer(customer, uow.settings.get(), balance))


@router.post("", status_code=201, response_model=CustomerOut, summary="Create a customer")
def create_customer(body: CustomerCreate, caller: Caller = Depends(writer)) -> CustomerOut:
    """Open a customer account. Billing settings not given follow the global defaults."""
    with caller.uow() as uow:
        customer = usecases.create_customer(uow, body.values())
        out = present(uow, customer)
        uow.commit()
    return out


@router.get(
    "",
    response_model=PageOut[CustomerOut] | list[dict[str, Any]],
    summary="List customers",
    responses=EXPORT_RESPONSES,
)
def list_customers(
    caller: Caller = Depends(reader),
    segment: str | None = Query(None, max_length=100),
    currency: str | None = Query(None, max_length=3),
    payment_method: PaymentMethod | None = None,
    status: CustomerStatus | None = None,
    q: str | None = Query(None, max_length=200, description="Search name, e-mail, external ref"),
    balance: BalanceFilter | None = Query(
        None,
        description="By the balance now: `owes` (above zero), `credit` (below zero), "
        "`settled` (zero)",
    ),
    sort: CustomerSort = Query(
        CustomerSort.NEWEST,
        description="`newest` (default), `oldest`, `name` (A to Z, ignoring case), "
        "`balance_desc` (owes most first), `balance_asc` (most credit first); ties by id. "
        "The balance orders compare amounts in minor units: filter by `currency` with them. "
        "Only `newest` pages with `starting_after`; every order pages with `offset`",
    ),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    offset: int = Query(
        0, ge=0, le=MAX_OFFSET, description="Rows to skip (not with `starting_after`)"
    ),
    starting_after: str | None = Query(
        None, max_length=20, description="Cursor from `next_cursor` (order `newest` only)"
    ),
    format_: ExportFormat | None = Query(None, alias="format", description=FORMAT_DESCRIPTION),
) -> PageOut[CustomerOut] | Response:
    """Customers, filtered, newest first or in the order asked. In an order other than
    `newest`, pages are `limit` and `offset`, `next_cursor` is null and `has_more` says whether
    more follow. With `format`, every matching customer, in the order asked, as a CSV, JSON
    or XLSX file with its balance card and billing settings (docs/EXPORTS.md)."""
    if format_ is not None:
        starting_after, offset = None, 0
    query = CustomerQuery.from_filters(
        segment=segment,
        currency=currency,
        payment_method=payment_method,
        status=status,
        text=q,
        limit=limit,
        starting_after=cursor(starting_after),
        balance=balance,
        sort=sort,
        offset=offset,
    )
    if format_ is not None:
        with caller.uow(write=False) as uow:
            name = customer_download.file_name(caller.today(uow), format_)
        chunks = customer_download.stream(caller.container, query, format_, actor=caller.actor)
        return export_response(chunks, name, format_)
    with caller.uow(write=False) as uow:
        page = usecases.list_customers(uow, query)
        data = [present(uow, c) for c in page.items]
    after = next_cursor(page) if query.sort == CustomerSort.NEWEST else None
    return PageOut[CustomerOut](data=data, has_more=page.has_more, next_cursor=after)


@router.get("/{customer_id}", response_model=CustomerOut, summary="Get a customer")
def get_customer(customer_id: int, caller: Caller = Depends(reader)) -> CustomerOut:
    """One customer with its effective billing settings and balance."""
    with caller.uow(write=False) as uow:
        return present(uow, usecases.get_customer(uow, object_id(customer_id, "customer")))


@router.patch("/{customer_id}", response_model=CustomerOut, summary="Change a customer")
def update_customer(
    customer_id: int, body: CustomerUpdate, caller: Caller = Depends(writer)
) -> CustomerOut:
    """Change details or billing settings. A billing setting set to null follows the global
    default again. The currency may change only while the customer has no transactions."""
    with caller.uow() as uow:
        customer = usecases.update_customer(uow, object_id(customer_id, "customer"), body.values())
        out = present(uow, customer)
        uow.commit()
    return out


@router.get("/{customer_id}/balance", response_model=BalanceOut, summary="Get the balance card")
def get_balance(
    customer_id: int,
    caller: Caller = Depends(reader),
    as_of: date | None = Query(None, description="End of this day (default: today)"),
) -> BalanceOut:
    """Balance, open debit and credit, awaiting confirmation and unbilled lines, today or at
    the end of any past day (the answer for a past day never changes)."""
    with caller.uow(write=False) as uow:
        day = as_of or caller.today(uow)
        check_date(day, field="as_of")
        balance = usecases.get_balance(uow, object_id(customer_id, "customer"), as_of=day)
    return BalanceOut.model_validate(views.balance(balance, day))
