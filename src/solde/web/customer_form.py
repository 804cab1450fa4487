"""The customer form: its inputs, what they show at first, and the values they send.

A billing setting left on "Default" follows the company's default (null in the API); a value
overrides it for this customer. An edit sends only what changed, so the audit log says what
the user actually changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from solde.domain.errors import FieldError, InvalidInput
from solde.ledger.billing import BillingSettings
from solde.ledger.customers import ADDRESS_FIELDS, Customer
from solde.web.formatting import Format, parse_number
from solde.web.forms import Form, whole_number

CURRENCY_HINT = ("EUR", "USD", "GBP", "CHF", "CAD", "JPY", "SEK", "NOK", "DKK", "PLN")
ADDRESS_LABELS = {
    "line1": "Address",
    "line2": "Address (line 2)",
    "postal_code": "Postal code",
    "city": "City",
    "region": "Region",
    "country": "Country (ISO code, e.g. FR)",
}
TEXT_FIELDS = ("name", "external_ref", "email", "segment", "locale")


@dataclass(frozen=True, slots=True)
class BillingInput:
    """One billing setting as the form shows it."""

    name: str
    label: str
    kind: str  # bool, int, choice, amount
    choices: tuple[tuple[str, str], ...] = ()
    hint: str = ""


BILLING_INPUTS = (
    BillingInput("billing_enabled", "In billing runs and dunning", "bool"),
    BillingInput(
        "period_months",
        "Billing period",
        "choice",
        (("1", "Monthly"), ("3", "Quarterly"), ("6", "Half-yearly"), ("12", "Yearly")),
    ),
    BillingInput("billing_day", "Billing day", "int", hint="1 to 28"),
    BillingInput(
        "timing", "Timing", "choice", (("advance", "In advance"), ("arrears", "In arrears"))
    ),
    BillingInput("auto_invoice", "Billing runs create invoices", "bool"),
    BillingInput("auto_settlement", "Settle automatically", "bool"),
    BillingInput("payment_due_days", "Payment terms", "int", hint="days after the invoice"),
    BillingInput(
        "credit_limit",
        "Credit limit",
        "amount",
        hint="what may stay owed after the due date",
    ),
    BillingInput("blocking_period_days", "Grace before blocking", "int", hint="days"),
    BillingInput("deactivation_period_days", "Blocked before deactivation", "int", hint="days"),
    BillingInput("reminders", "Payment reminders", "bool"),
    BillingInput("bill_on_activation", "Invoice new services at once", "bool"),
    BillingInput(
        "proration",
        "Proration",
        "choice",
        (("daily", "By actual days"), ("thirty_day", "30-day months"), ("none", "Full periods")),
    ),
    BillingInput("dunning_enabled", "Dunning applies", "bool"),
)

_CHOICES = {item.name: item.choices for item in BILLING_INPUTS}


def shown(name: str, value: object, fmt: Format) -> str:
    """The value of billing setting `name` as the form and the settings panel show it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        value = value.value
    for key, label in _CHOICES.get(name, ()):
        if key == str(value):
            return label
    if isinstance(value, Decimal):
        return fmt.number(value)
    return str(value)


def as_typed(value: object, fmt: Format) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return fmt.plain(value)
    return str(value)


def initial(customer: Customer, fmt: Format) -> Form:
    """The form of an existing customer: its own values, "Default" where it inherits."""
    d = customer.details
    values = {
        "name": d.name,
        "external_ref": d.external_ref or "",
        "email": d.email or "",
        "currency": d.currency,
        "segment": d.segment or "",
        "payment_method": d.payment_method.value,
        "partner_id": str(d.partner_id),
        "locale": d.locale or "",
        "status": d.status.value,
    }
    for part, value in d.billing_address.as_dict().items():
        values[f"billing_address.{part}"] = value or ""
    for item in BILLING_INPUTS:
        values[f"billing.{item.name}"] = as_typed(getattr(d.billing, item.name), fmt)
    return Form(values)


def blank(default_currency: str) -> Form:
    """The form of a new customer."""
    return Form(
        {"currency": default_currency, "payment_method": "bank_transfer", "partner_id": "1"}
    )


def billing_value(item: BillingInput, text: str, locale: str) -> object:
    """A billing setting as typed in a form: None for "Default" (empty), else its value (a
    number in the user's locale, a whole number, a flag, a choice)."""
    if text.strip() == "":
        return None
    if item.kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if item.kind == "amount":
        return parse_number(text, locale, field=f"billing.{item.name}")
    if item.kind == "int" or item.name == "period_months":
        return whole_number(text)
    return text


def _billing(form: Form, locale: str, faults: list[FieldError]) -> dict[str, object]:
    """Every billing setting the form could read: None for "Default"; the others go to
    `faults`."""
    chosen: dict[str, object] = {}
    for item in BILLING_INPUTS:
        text = form.get(f"billing.{item.name}").strip()
        try:
            chosen[item.name] = billing_value(item, text, locale)
        except InvalidInput as exc:
            faults.extend(exc.errors)
    return chosen


def _address(form: Form) -> dict[str, str | None]:
    return {part: form.text(f"billing_address.{part}") for part in ADDRESS_FIELDS}


def _top(form: Form) -> dict[str, Any]:
    top: dict[str, Any] = {name: form.text(name) for name in TEXT_FIELDS}
    top["currency"] = form.text("currency")
    top["payment_method"] = form.text("payment_method")
    top["status"] = form.text("status")
    partner = form.text("partner_id")
    top["partner_id"] = None if partner is None else whole_number(partner)
    return top


def new_values(form: Form, locale: str) -> tuple[dict[str, Any], list[FieldError]]:
    """What the form of a new customer sends (the fields filled in), and the fields that could
    not be read."""
    faults: list[FieldError] = []
    billing = {k: v for k, v in _billing(form, locale, faults).items() if v is not None}
    values = {k: v for k, v in _top(form).items() if v is not None}
    values["name"] = form.get("name")
    address = {k: v for k, v in _address(form).items() if v is not None}
    if address:
        values["billing_address"] = address
    if billing:
        values["billing"] = billing
    return values, faults


def changes(form: Form, customer: Customer, locale: str) -> tuple[dict[str, Any], list[FieldError]]:
    """What an edit sends (only the fields whose value changed), and the fields that could not
    be read."""
    faults: list[FieldError] = []
    billing = _billing(form, locale, faults)
    unread = {f.field.removeprefix("billing.") for f in faults}
    d = customer.details
    current: Mapping[str, object] = {
        "name": d.name,
        "external_ref": d.external_ref,
        "email": d.email,
        "segment": d.segment,
        "locale": d.locale,
        "currency": d.currency,
        "payment_method": d.payment_method.value,
        "status": d.status.value,
        "partner_id": d.partner_id,
    }
    found: dict[str, Any] = {}
    for name, value in _top(form).items():
        if name == "name":
            value = form.get("name")
        if value != current[name] and not (name == "currency" and _same_code(value, d.currency)):
            found[name] = value
    address = _address(form)
    if address != d.billing_address.as_dict():
        found["billing_address"] = address
    billing_changes = {
        name: value
        for name, value in billing.items()
        if name not in unread and not _same_setting(value, getattr(d.billing, name))
    }
    if billing_changes:
        found["billing"] = billing_changes
    return found, faults


def _same_code(typed: object, code: str) -> bool:
    return isinstance(typed, str) and typed.strip().upper() == code


def _same_setting(value: object, current: object) -> bool:
    if isinstance(current, Enum):
        current = current.value
    if isinstance(current, Decimal) and isinstance(value, str):
        try:
            return Decimal(value) == current
        except ArithmeticError:
            return False
    return value == current and type(value) is type(current)


def defaults_shown(defaults: BillingSettings, fmt: Format) -> dict[str, str]:
    """The company's default of each billing setting, as the "Default (…)" option says it."""
    return {
        item.name: shown(item.name, getattr(defaults, item.name), fmt) for item in BILLING_INPUTS
    }
