"""Global settings that the ledger needs: business time zone, defaults, and the lock date."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from solde.domain import currency as currencies
from solde.domain.errors import FieldErrors, InvalidInput, PeriodLocked
from solde.domain.numbering import NumberFormat
from solde.domain.values import as_date, as_int, clean_text
from solde.ledger.billing import BillingSettings, change_defaults
from solde.ledger.dunning_settings import DunningSettings, change_dunning

_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")


#: Numbering formats of SPEC §5, by document kind.
DEFAULT_NUMBERING = {
    "invoice": "{year}{partner_id|2}{next|6}",
    "credit_note": "CN{year}-{next|5}",
    "proforma": "PF{year}-{next|5}",
}
#: What a partner (a selling company) shows on its documents.
PARTNER_FIELDS = {
    "name": 200,
    "address": 500,
    "tax_id": 50,
    "email": 254,
    "phone": 50,
    "website": 200,
    "bank_details": 500,
    "payment_instructions": 500,
    "footer": 500,
}
#: A logo is kept as a `data:` URI (PNG, JPEG or SVG), so a document never fetches anything.
LOGO_LENGTH = 200_000
_LOGO = re.compile(r"data:image/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+")


@dataclass(frozen=True, slots=True)
class Partner:
    """A selling company: its name, address, tax id, bank details and logo on documents."""

    id: int
    name: str = ""
    address: str = ""
    tax_id: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""
    bank_details: str = ""
    payment_instructions: str = ""
    footer: str = ""
    logo: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The partner by its API names."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Settings:
    """What an administrator sets once for the whole company."""

    timezone: str = "UTC"
    default_locale: str = "en_US"
    default_currency: str = "EUR"
    lock_date: date | None = None
    billing: BillingSettings = field(default_factory=BillingSettings)
    dunning: DunningSettings = field(default_factory=DunningSettings)
    numbering: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_NUMBERING))
    partners: dict[int, Partner] = field(default_factory=dict)

    def number_format(self, kind: str) -> NumberFormat:
        """The numbering format of a document kind (`invoice`, `credit_note`, `proforma`)."""
        text = self.numbering.get(kind) or DEFAULT_NUMBERING[kind]
        return NumberFormat.parse(text, field=f"numbering.{kind}")

    def partner(self, partner_id: int) -> Partner:
        """What partner `partner_id` shows on its documents (empty until it is set)."""
        return self.partners.get(partner_id) or Partner(partner_id)

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
            "dunning": self.dunning.as_dict(),
            "numbering": dict(self.numbering),
            "partners": [p.as_dict() for _, p in sorted(self.partners.items())],
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
    if name in _DOCUMENT_SETTINGS:
        return _DOCUMENT_SETTINGS[name](current, value)
    raise InvalidInput.single(name, "unknown_field", "is not a setting")


def _numbering(current: Settings, value: object) -> dict[str, str]:
    """Changed numbering formats; null returns a kind to its default."""
    if not isinstance(value, Mapping):
        raise InvalidInput.single("numbering", "not_an_object", "must be an object of formats")
    errors = FieldErrors()
    formats = dict(current.numbering)
    for kind, text in value.items():
        field = f"numbering.{kind}"
        if kind not in DEFAULT_NUMBERING:
            errors.add(field, "unknown_field", "is one of: invoice, credit_note, proforma")
        elif text is None:
            formats[kind] = DEFAULT_NUMBERING[kind]
        else:
            try:
                formats[kind] = NumberFormat.parse(text, field=field).text
            except InvalidInput as exc:
                errors.absorb(exc)
    errors.raise_if_any()
    return formats


def _partners(current: Settings, value: object) -> dict[int, Partner]:
    """Partners as a list of objects with their `id`; each given partner is replaced whole,
    the others stay."""
    if not isinstance(value, list):
        raise InvalidInput.single("partners", "not_a_list", "must be a list of partners")
    errors = FieldErrors()
    partners = dict(current.partners)
    for index, item in enumerate(value):
        try:
            partner = parse_partner(item, field=f"partners.{index}")
            partners[partner.id] = partner
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return partners


def parse_partner(value: object, *, field: str) -> Partner:
    """One partner's document details; `id` is required, the rest optional text."""
    if not isinstance(value, Mapping):
        raise InvalidInput.single(field, "not_an_object", "must be an object")
    errors = FieldErrors()
    found: dict[str, Any] = {}
    for name, item in value.items():
        path = f"{field}.{name}"
        try:
            if name == "id":
                found["id"] = as_int(item, field=path, low=1, high=9999)
            elif name == "logo":
                found["logo"] = _logo(item, path)
            elif name in PARTNER_FIELDS:
                found[name] = clean_text(item, field=path, max_length=PARTNER_FIELDS[name]) or ""
            else:
                errors.add(path, "unknown_field", "is not a partner detail")
        except InvalidInput as exc:
            errors.absorb(exc)
    if "id" not in found and not errors:
        errors.add(f"{field}.id", "required", "is required")
    errors.raise_if_any()
    return Partner(**found)


def _logo(value: object, field: str) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > LOGO_LENGTH or not _LOGO.fullmatch(value):
        raise InvalidInput.single(
            field,
            "invalid_logo",
            "must be a data: URI of a PNG, JPEG or SVG image in base64, at most 200 kB",
        )
    return value


def _dunning(current: Settings, value: object) -> object:
    if not isinstance(value, Mapping):
        raise InvalidInput.single("dunning", "not_an_object", "must be an object of settings")
    return change_dunning(current.dunning, value, prefix="dunning.")


_DOCUMENT_SETTINGS: dict[str, Callable[[Settings, object], object]] = {
    "dunning": _dunning,
    "numbering": _numbering,
    "partners": _partners,
}
