"""Billing settings of SPEC §3: their defaults, their validation, and how a customer overrides them.

A customer stores only the settings set for it (`BillingOverrides`); every other setting follows
the global default held in settings, even when that default changes later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.money import Money, parse_decimal
from solde.domain.values import as_bool, as_choice, as_int


class Timing(StrEnum):
    """Whether a recurring invoice bills the coming period or the one that just ended."""

    ADVANCE = "advance"
    ARREARS = "arrears"


class Proration(StrEnum):
    """How a partial billing period is priced."""

    DAILY = "daily"
    THIRTY_DAY = "thirty_day"
    NONE = "none"


PERIOD_MONTHS = (1, 3, 6, 12)


@dataclass(frozen=True, slots=True)
class BillingSettings:
    """The effective billing settings of a customer (or the global defaults)."""

    billing_enabled: bool = True
    period_months: int = 1
    billing_day: int = 1
    timing: Timing = Timing.ADVANCE
    auto_invoice: bool = True
    auto_settlement: bool = True
    payment_due_days: int = 14
    credit_limit: Decimal = Decimal(0)
    blocking_period_days: int = 0
    deactivation_period_days: int = 30
    reminders: bool = True
    bill_on_activation: bool = False
    proration: Proration = Proration.DAILY
    dunning_enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The settings by their SPEC names."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BillingOverrides:
    """The settings a customer sets for itself; None means "follow the global default"."""

    billing_enabled: bool | None = None
    period_months: int | None = None
    billing_day: int | None = None
    timing: Timing | None = None
    auto_invoice: bool | None = None
    auto_settlement: bool | None = None
    payment_due_days: int | None = None
    credit_limit: Decimal | None = None
    blocking_period_days: int | None = None
    deactivation_period_days: int | None = None
    reminders: bool | None = None
    bill_on_activation: bool | None = None
    proration: Proration | None = None
    dunning_enabled: bool | None = None

    def resolve(self, defaults: BillingSettings) -> BillingSettings:
        """The effective settings: each override, else the default."""
        chosen = {name: getattr(self, name) for name in BILLING_FIELDS}
        return replace(defaults, **{k: v for k, v in chosen.items() if v is not None})

    def inherited(self) -> tuple[str, ...]:
        """Names of the settings that follow the global default."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is None)


BILLING_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(BillingSettings))


def _period(value: object, field: str) -> int:
    months = as_int(value, field=field, low=1, high=12)
    if months not in PERIOD_MONTHS:
        raise InvalidInput.single(field, "invalid_choice", "must be 1, 3, 6 or 12 (months)")
    return months


def _billing_day(value: object, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 29 <= value <= 31:
        raise InvalidInput.single(
            field, "out_of_range", "must be between 1 and 28 (29-31 do not exist in February)"
        )
    return as_int(value, field=field, low=1, high=28)


def _credit_limit(value: object, field: str) -> Decimal:
    return parse_decimal(value, field=field, max_decimals=4)


_CHECKS: dict[str, Callable[[object, str], object]] = {
    "billing_enabled": lambda v, f: as_bool(v, field=f),
    "period_months": _period,
    "billing_day": _billing_day,
    "timing": lambda v, f: as_choice(v, field=f, choices=Timing),
    "auto_invoice": lambda v, f: as_bool(v, field=f),
    "auto_settlement": lambda v, f: as_bool(v, field=f),
    "payment_due_days": lambda v, f: as_int(v, field=f, low=0, high=3650),
    "credit_limit": _credit_limit,
    "blocking_period_days": lambda v, f: as_int(v, field=f, low=0, high=3650),
    "deactivation_period_days": lambda v, f: as_int(v, field=f, low=0, high=3650),
    "reminders": lambda v, f: as_bool(v, field=f),
    "bill_on_activation": lambda v, f: as_bool(v, field=f),
    "proration": lambda v, f: as_choice(v, field=f, choices=Proration),
    "dunning_enabled": lambda v, f: as_bool(v, field=f),
}


def _checked(changes: Mapping[str, object], prefix: str, *, allow_null: bool) -> dict[str, object]:
    errors = FieldErrors()
    checked: dict[str, object] = {}
    for name, value in changes.items():
        field = f"{prefix}{name}"
        if name not in _CHECKS:
            errors.add(field, "unknown_field", "is not a billing setting")
        elif value is None and allow_null:
            checked[name] = None
        else:
            try:
                checked[name] = _CHECKS[name](value, field)
            except InvalidInput as exc:
                errors.absorb(exc)
    errors.raise_if_any()
    return checked


def override(
    current: BillingOverrides, changes: Mapping[str, object], *, currency: str, prefix: str
) -> BillingOverrides:
    """Apply a customer's changes; a null value returns the setting to the global default.

    The credit limit is an amount of the customer's currency and may not carry more decimals
    than the currency allows.
    """
    checked = _checked(changes, prefix, allow_null=True)
    limit = checked.get("credit_limit")
    if isinstance(limit, Decimal):
        try:
            Money(limit, currency)
        except InvalidInput as exc:
            raise InvalidInput.single(
                f"{prefix}credit_limit", "too_many_decimals", exc.errors[0].message
            ) from None
    return replace(current, **checked)  # type: ignore[arg-type]


def change_defaults(
    current: BillingSettings, changes: Mapping[str, object], *, prefix: str
) -> BillingSettings:
    """Apply changes to the global defaults. The default credit limit applies to every currency,
    so it must be a whole number."""
    checked = _checked(changes, prefix, allow_null=False)
    limit = checked.get("credit_limit")
    if isinstance(limit, Decimal) and limit != limit.to_integral_value():
        raise InvalidInput.single(
            f"{prefix}credit_limit",
            "too_many_decimals",
            "the default applies to every currency and must be a whole number",
        )
    return replace(current, **checked)  # type: ignore[arg-type]
