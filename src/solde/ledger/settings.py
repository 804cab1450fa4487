"""Global settings that the ledger needs: business time zone, defaults, and the lock date."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from solde.domain import currency as currencies
from solde.domain.errors import FieldErrors, InvalidInput, PeriodLocked
from solde.domain.values import as_date, clean_text
from solde.ledger.billing import BillingSettings, change_defaults

_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")


@dataclass(frozen=True, slots=True)
class Settings:
    """What an administrator sets once for the whole company."""

    timezone: str = "UTC"
    default_locale: str = "en_US"
    default_currency: str = "EUR"
    lock_date: date | None = None
    billing: BillingSettings = field(default_factory=BillingSettings)

    def check_open(self, day: date, *, field: str = "date") -> None:
        """Refuse a date on or before the lock date (a closed period)."""
        if self.lock_date is not None and day <= self.lock_date:
            raise PeriodLocked(
                f"{field} {day.isoformat()} is in a closed period "
                f"(lock date {self.lock_date.isoformat()}); date the correction after it"
            )

    def open_day(self, day: date) -> date:
        """`day`, or the first day after the lock date when `day` is in a closed period.

        Settlement made today between two old transactions is dated here, so that what a
        closed period shows never changes."""
        if self.lock_date is not None and day <= self.lock_date:
            return self.lock_date + timedelta(days=1)
        return day

    def as_dict(self) -> dict[str, Any]:
        """The settings by their API names."""
        return {
            "timezone": self.timezone,
            "default_locale": self.default_locale,
            "default_currency": self.default_currency,
            "lock_date": self.lock_date,
            "billing": self.billing.as_dict(),
        }


def check_locale(value: object, *, field: str) -> str:
    """A locale written like `fr_FR` or `en`."""
    text = clean_text(value, field=field, max_length=16, required=True)
    assert text is not None
    if not _LOCALE.fullmatch(text):
        raise InvalidInput.single(field, "invalid_locale", f"{text!r} is not a locale like fr_FR")
    return text


def change_settings(
    current: Settings,
    changes: Mapping[str, object],
    *,
    is_timezone: Callable[[str], bool],
    on: date,
) -> Settings:
    """Apply an administrator's changes on business day `on`, reporting every bad field at
    once. A lock date closes past days only: it must be before `on`.

    `is_timezone` tells whether a name is a time zone of the IANA database (the database is
    read by the caller; the ledger does no I/O).
    """
    errors = FieldErrors()
    updated: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            updated[name] = _check_setting(current, name, value, is_timezone, on)
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return replace(current, **updated)


def _lock_date(value: object, on: date) -> date | None:
    if value is None:
        return None
    day = as_date(value, field="lock_date")
    if day >= on:
        raise InvalidInput.single(
            "lock_date", "not_past", f"must be before today ({on.isoformat()}): it closes past days"
        )
    return day


def _check_setting(
    current: Settings, name: str, value: object, is_timezone: Callable[[str], bool], on: date
) -> object:
    if name == "timezone":
        text = clean_text(value, field=name, max_length=64, required=True)
        if text is None or not is_timezone(text):
            raise InvalidInput.single(name, "invalid_timezone", f"{value!r} is not a time zone")
        return text
    if name == "default_locale":
        return check_locale(value, field=name)
    if name == "default_currency":
        if not isinstance(value, str):
            raise InvalidInput.single(name, "unknown_currency", "must be an ISO 4217 code")
        return currencies.normalise(value, field=name)
    if name == "lock_date":
        return _lock_date(value, on)
    if name == "billing":
        if not isinstance(value, Mapping):
            raise InvalidInput.single(name, "not_an_object", "must be an object of settings")
        return change_defaults(current.billing, value, prefix="billing.")
    raise InvalidInput.single(name, "unknown_field", "is not a setting")
