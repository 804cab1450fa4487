"""Customers and the rules for creating and changing them (SPEC §3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from solde.domain import currency as currencies
from solde.domain.errors import FieldErrors, InvalidInput, InvalidState
from solde.domain.money import decimals_of
from solde.domain.values import as_choice, as_int, check_email, clean_text
from solde.ledger.billing import BillingOverrides, BillingSettings, override
from solde.ledger.model import PaymentMethod
from solde.ledger.settings import Settings, check_locale

_COUNTRY = re.compile(r"[A-Z]{2}")


class CustomerStatus(StrEnum):
    """Whether a customer is served normally, blocked for non-payment, or deactivated."""

    ACTIVE = "active"
    BLOCKED = "blocked"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address for documents; every part is optional."""

    line1: str | None = None
    line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2

    def as_dict(self) -> dict[str, str | None]:
        """The address by its API names."""
        return {
            "line1": self.line1,
            "line2": self.line2,
            "postal_code": self.postal_code,
            "city": self.city,
            "region": self.region,
            "country": self.country,
        }


ADDRESS_FIELDS = ("line1", "line2", "postal_code", "city", "region", "country")


def parse_address(value: object, *, field: str = "billing_address") -> Address:
    """An address from an object of its parts; null gives an empty address."""
    if value is None:
        return Address()
    if not isinstance(value, Mapping):
        raise InvalidInput.single(field, "not_an_object", "must be an object")
    errors = FieldErrors()
    parts: dict[str, str | None] = {}
    for name, part in value.items():
        try:
            if name not in ADDRESS_FIELDS:
                raise InvalidInput.single(
                    f"{field}.{name}", "unknown_field", "is not an address part"
                )
            parts[name] = clean_text(part, field=f"{field}.{name}", max_length=200)
        except InvalidInput as exc:
            errors.absorb(exc)
    country = parts.get("country")
    if country is not None:
        country = country.upper()
        parts["country"] = country
        if not _COUNTRY.fullmatch(country):
            errors.add(f"{field}.country", "invalid_country", "must be a two-letter country code")
    errors.raise_if_any()
    return Address(**parts)


@dataclass(frozen=True, slots=True)
class CustomerDetails:
    """Everything about a customer but its id."""

    name: str
    currency: str
    external_ref: str | None = None
    email: str | None = None
    segment: str | None = None
    payment_method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    partner_id: int = 1
    locale: str | None = None  # None: the default locale of settings
    billing_address: Address = field(default_factory=Address)
    status: CustomerStatus = CustomerStatus.ACTIVE
    billing: BillingOverrides = field(default_factory=BillingOverrides)
    #: who set the status: "dunning" (blocked, unblocked or deactivated by the dunning rules),
    #: "hand" (someone changed it), None (never changed)
    status_by: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer account: one currency, one balance."""

    id: int
    details: CustomerDetails

    @property
    def currency(self) -> str:
        """The one currency of all the customer's amounts."""
        return self.details.currency

    @property
    def name(self) -> str:
        """The customer's name."""
        return self.details.name

    def billing_settings(self, settings: Settings) -> BillingSettings:
        """The effective billing settings: the customer's own, else the global defaults."""
        return self.details.billing.resolve(settings.billing)

    def locale(self, settings: Settings) -> str:
        """The customer's locale, else the default of settings."""
        return self.details.locale or settings.default_locale


def _name(value: object, f: str) -> str:
    text = clean_text(value, field=f, max_length=200, required=True)
    assert text is not None
    return text


def _optional(max_length: int) -> Callable[[object, str], str | None]:
    return lambda value, f: clean_text(value, field=f, max_length=max_length)


def _email(value: object, f: str) -> str | None:
    return check_email(clean_text(value, field=f, max_length=254), field=f)


def _currency(value: object, f: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput.single(f, "unknown_currency", "must be an ISO 4217 currency code")
    return currencies.normalise(value, field=f)


_FIELDS: dict[str, Callable[[object, str], object]] = {
    "name": _name,
    "external_ref": _optional(100),
    "email": _email,
    "segment": _optional(100),
    "currency": _currency,
    "payment_method": lambda v, f: as_choice(v, field=f, choices=PaymentMethod),
    "partner_id": lambda v, f: as_int(v, field=f, low=1, high=1_000_000),
    "locale": lambda v, f: None if v is None else check_locale(v, field=f),
    "billing_address": lambda v, f: parse_address(v, field=f),
    "status": lambda v, f: as_choice(v, field=f, choices=CustomerStatus),
}
_NOT_NULL = frozenset({"name", "currency", "payment_method", "partner_id", "status"})
CUSTOMER_FIELDS = (*_FIELDS, "billing")


def _check_fields(
    values: Mapping[str, object], errors: FieldErrors
) -> tuple[dict[str, Any], Mapping[str, object] | None]:
    """The fields that are right, and the billing object; faults go to `errors`."""
    checked: dict[str, Any] = {}
    billing: Mapping[str, object] | None = None
    for name, value in values.items():
        try:
            if name == "billing":
                if value is not None and not isinstance(value, Mapping):
                    raise InvalidInput.single(name, "not_an_object", "must be an object")
                billing = value or {}
            elif name not in _FIELDS:
                raise InvalidInput.single(name, "unknown_field", "is not a customer field")
            elif value is None and name in _NOT_NULL:
                raise InvalidInput.single(name, "required", "must not be null")
            else:
                checked[name] = _FIELDS[name](value, name)
        except InvalidInput as exc:
            errors.absorb(exc)
    return checked, billing


def new_customer(values: Mapping[str, object], settings: Settings) -> CustomerDetails:
    """Validate a new customer; missing settings follow the defaults of `settings`."""
    if "name" not in values:
        values = {**values, "name": None}
    errors = FieldErrors()
    checked, billing = _check_fields(values, errors)
    currency = checked.setdefault("currency", settings.default_currency)
    overrides = BillingOverrides()
    if billing:
        try:
            overrides = override(overrides, billing, currency=currency, prefix="billing.")
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return CustomerDetails(**checked, billing=overrides)


def change_customer(
    customer: Customer, changes: Mapping[str, object], *, has_transactions: bool
) -> CustomerDetails:
    """Apply a change to a customer. The currency may change only while the account is empty."""
    errors = FieldErrors()
    checked, billing = _check_fields(changes, errors)
    details = replace(customer.details, **checked)
    if details.status != customer.details.status:
        details = replace(details, status_by="hand")
    if billing:
        try:
            overrides = override(
                details.billing, billing, currency=details.currency, prefix="billing."
            )
            details = replace(details, billing=overrides)
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    if details.currency != customer.currency and has_transactions:
        raise InvalidState(
            "the currency cannot change once the customer has transactions or lines; "
            "create a new customer for the other currency"
        )
    limit = details.billing.credit_limit
    if limit is not None and decimals_of(limit) > currencies.exponent(details.currency):
        raise InvalidInput.single(
            "billing.credit_limit",
            "too_many_decimals",
            f"{details.currency} allows at most {currencies.exponent(details.currency)} decimals",
        )
    return details
