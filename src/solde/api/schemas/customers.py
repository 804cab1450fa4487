"""Customers: create, change, read."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StrictBool, StrictInt, WithJsonSchema

from solde.api.schemas.common import Amount, DecimalInput, Input
from solde.ledger.billing import Proration, Timing
from solde.ledger.customers import CustomerStatus
from solde.ledger.model import PaymentMethod

# Fields that may be left out but not sent as null: the domain answers null with a 422 naming
# the field, and the published schema does not offer null.
NotNullText = Annotated[str | None, WithJsonSchema({"type": "string"})]
NotNullInt = Annotated[StrictInt | None, WithJsonSchema({"type": "integer"})]
NotNullMethod = Annotated[
    PaymentMethod | None,
    WithJsonSchema({"type": "string", "enum": [m.value for m in PaymentMethod]}),
]
NotNullStatus = Annotated[
    CustomerStatus | None,
    WithJsonSchema({"type": "string", "enum": [s.value for s in CustomerStatus]}),
]


class AddressIn(Input):
    """A postal address; every part optional."""

    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None


class BillingIn(Input):
    """Billing settings of SPEC §3. Omitted: unchanged (default on creation); null: follow the
    global default."""

    billing_enabled: StrictBool | None = None
    period_months: StrictInt | None = None
    billing_day: StrictInt | None = None
    timing: Timing | None = None
    auto_invoice: StrictBool | None = None
    auto_settlement: StrictBool | None = None
    payment_due_days: StrictInt | None = None
    credit_limit: DecimalInput | None = None
    blocking_period_days: StrictInt | None = None
    deactivation_period_days: StrictInt | None = None
    reminders: StrictBool | None = None
    bill_on_activation: StrictBool | None = None
    proration: Proration | None = None
    dunning_enabled: StrictBool | None = None


class CustomerCreate(Input):
    """A new customer. Only `name` is required; `currency` defaults to the settings'."""

    name: str
    external_ref: str | None = None
    email: str | None = None
    currency: NotNullText = None
    segment: str | None = None
    payment_method: NotNullMethod = None
    partner_id: NotNullInt = None
    locale: str | None = None
    billing_address: AddressIn | None = None
    status: NotNullStatus = None
    billing: BillingIn | None = None


class CustomerUpdate(Input):
    """Changes to a customer: only the fields sent change."""

    name: NotNullText = None
    external_ref: str | None = None
    email: str | None = None
    currency: NotNullText = None
    segment: str | None = None
    payment_method: NotNullMethod = None
    partner_id: NotNullInt = None
    locale: str | None = None
    billing_address: AddressIn | None = None
    status: NotNullStatus = None
    billing: BillingIn | None = None


class AddressOut(BaseModel):
    """A postal address."""

    line1: str | None
    line2: str | None
    postal_code: str | None
    city: str | None
    region: str | None
    country: str | None


class BillingOut(BaseModel):
    """The effective billing settings."""

    billing_enabled: bool
    period_months: int
    billing_day: int
    timing: Timing
    auto_invoice: bool
    auto_settlement: bool
    payment_due_days: int
    credit_limit: Amount
    blocking_period_days: int
    deactivation_period_days: int
    reminders: bool
    bill_on_activation: bool
    proration: Proration
    dunning_enabled: bool


class CustomerOut(BaseModel):
    """A customer. `billing` holds the effective settings; `billing_inherited` names those that
    follow the global defaults. `balance` is what the customer owes (+) or has in credit (−)."""

    id: int
    external_ref: str | None
    name: str
    email: str | None
    currency: str
    segment: str | None
    payment_method: PaymentMethod
    partner_id: int
    locale: str
    billing_address: AddressOut
    status: CustomerStatus
    billing: BillingOut
    billing_inherited: list[str]
    balance: Amount
