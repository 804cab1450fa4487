"""Services (subscriptions) of customers: what a client sends and what it reads back (SPEC §8,
§15). Prices are per billing period of the customer, excluding tax, written as text."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from solde import views
from solde.api.schemas.common import DateInput, DecimalInput, Input
from solde.api.schemas.transactions import TransactionOut
from solde.billing.services import Service

ServiceStatus = Literal["scheduled", "active", "ended"]


class ServiceCreate(Input):
    """A new service: `quantity` (default 1) × `unit_price` per billing period (excluding
    tax, up to 6 decimals), taxed at `tax_rate` percent (default 0), from `start_date`
    (default today) to `end_date` (none: until ended). It is billed from its start date by the
    customer's next recurring invoice."""

    description: str
    unit_price: DecimalInput
    quantity: DecimalInput | None = None
    tax_rate: DecimalInput | None = None
    start_date: DateInput | None = Field(None, description="Default today")
    end_date: DateInput | None = Field(None, description="The last day of the service")


class ServiceUpdate(Input):
    """Changes to a service; absent or null fields stay as they are, but `end_date: null`
    clears the end date. A new description, price, quantity or tax rate applies to the days
    not billed yet. `start_date` may change only while nothing is billed. An `end_date` inside
    days already billed gives those days back as an unbilled credit line."""

    description: str | None = None
    unit_price: DecimalInput | None = None
    quantity: DecimalInput | None = None
    tax_rate: DecimalInput | None = None
    start_date: DateInput | None = None
    end_date: DateInput | None = Field(None, description="The last day; null: no end")


class ServiceOut(BaseModel):
    """A service. `billed_through` is the last day billed (null: nothing yet); `status` is
    `scheduled` before the start date, `active` from it to the end date, `ended` after, as of
    `as_of`. `unit_price` is in the customer's `currency`."""

    id: int
    customer_id: int
    description: str
    currency: str
    unit_price: str = Field(examples=["60.00"])
    quantity: str = Field(examples=["1"])
    tax_rate: str = Field(examples=["20"])
    start_date: dt.date
    end_date: dt.date | None
    billed_through: dt.date | None
    external_ref: str | None = Field(
        None, description="The key an import gave it, unique per customer (null otherwise)."
    )
    status: ServiceStatus
    as_of: dt.date
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class ServiceChangedOut(ServiceOut):
    """A service after a change, and the unbilled credit lines the change made (days already
    billed after a new end date, credited on the next invoice at the price they were billed
    at); empty when nothing was given back."""

    credit_lines: list[TransactionOut]


class ServiceListOut(BaseModel):
    """Every service of a customer, ended ones included, oldest first (one page: a customer
    has few services; `has_more` is always false)."""

    data: list[ServiceOut]
    has_more: bool
    next_cursor: str | None


def service_out(service: Service, currency: str, as_of: dt.date) -> ServiceOut:
    """A service as of `as_of`, its price in the customer's currency."""
    return ServiceOut.model_validate(views.service(service, currency, as_of))
