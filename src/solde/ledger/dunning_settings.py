"""Dunning settings of SPEC §9: working days, holidays, reminder offsets and reminder fees.

They are global (one company calendar); a customer opts out of dunning with its own
`dunning_enabled` and `reminders` billing settings.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from solde.domain import currency as currencies
from solde.domain.errors import FieldErrors, InvalidInput
from solde.domain.money import Money, decimals_of, parse_decimal
from solde.domain.values import as_bool, as_date, as_int

#: At most this many reminder levels, and listed holidays.
MAX_LEVELS = 10
MAX_HOLIDAYS = 2000
_CODE = re.compile(r"[A-Z]{2,3}")


@dataclass(frozen=True, slots=True)
class DunningSettings:
    """How dunning counts days and when it reminds.

    `block_on_weekends` / `block_on_holidays` off (the default) move a block or deactivation
    date that falls on a Saturday, Sunday or holiday to the next working day. Holidays are the
    listed dates plus, when a country is set, that country's (and subdivision's) public
    holidays. Reminder k of an invoice is due `reminder_offsets[k-1]` days after its document
    date; `reminder_fees` holds, per currency, the fee of each level (absent or zero: none).
    """

    block_on_weekends: bool = False
    block_on_holidays: bool = False
    holidays: tuple[date, ...] = ()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    reminder_offsets: tuple[int, ...] = (3, 7, 14)
    reminder_fees: dict[str, tuple[Decimal, ...]] = field(default_factory=dict)

    def fee(self, level: int, currency: str) -> Money | None:
        """The fee of reminder `level` (1-based) for a customer of `currency`, None if none."""
        fees = self.reminder_fees.get(currency, ())
        if not 1 <= level <= len(fees) or not fees[level - 1]:
            return None
        return Money(fees[level - 1], currency)

    def as_dict(self) -> dict[str, Any]:
        """The settings by their API names (dates and amounts as text)."""
        return {
            "block_on_weekends": self.block_on_weekends,
            "block_on_holidays": self.block_on_holidays,
            "holidays": [d.isoformat() for d in self.holidays],
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "reminder_offsets": list(self.reminder_offsets),
            "reminder_fees": {
                code: [_fee_text(code, amount) for amount in fees]
                for code, fees in sorted(self.reminder_fees.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DunningSettings:
        """Settings as `as_dict` wrote them (kept data is trusted: it was checked on the way in)."""
        defaults = cls()
        return cls(
            block_on_weekends=bool(data.get("block_on_weekends", defaults.block_on_weekends)),
            block_on_holidays=bool(data.get("block_on_holidays", defaults.block_on_holidays)),
            holidays=tuple(date.fromisoformat(d) for d in data.get("holidays") or ()),
            holiday_country=data.get("holiday_country"),
            holiday_subdivision=data.get("holiday_subdivision"),
            reminder_offsets=tuple(
                int(n) for n in data.get("reminder_offsets", defaults.reminder_offsets)
            ),
            reminder_fees={
                code: tuple(Decimal(a) for a in fees)
                for code, fees in (data.get("reminder_fees") or {}).items()
            },
        )


def _fee_text(currency: str, amount: Decimal) -> str:
    return str(Money(amount, currency).amount)


def change_dunning(
    current: DunningSettings, changes: Mapping[str, object], *, prefix: str = "dunning."
) -> DunningSettings:
    """Apply an administrator's changes, reporting every bad field at once."""
    errors = FieldErrors()
    updated: dict[str, Any] = {}
    for name, value in changes.items():
        path = f"{prefix}{name}"
        try:
            if name not in _CHECKS:
                raise InvalidInput.single(path, "unknown_field", "is not a dunning setting")
            updated[name] = _CHECKS[name](value, path)
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    result = _check_together(replace(current, **updated), prefix, errors)
    errors.raise_if_any()
    return result


def _check_together(result: DunningSettings, prefix: str, errors: FieldErrors) -> DunningSettings:
    """Fees against levels, the subdivision against the country (spelled as the holiday
    calendar spells it, matched without regard to case)."""
    levels = len(result.reminder_offsets)
    for code, fees in result.reminder_fees.items():
        if len(fees) > levels:
            errors.add(
                f"{prefix}reminder_fees.{code}",
                "too_many_levels",
                f"has {len(fees)} fees for {levels} reminder levels",
            )
    if result.holiday_subdivision is None:
        return result
    if result.holiday_country is None:
        errors.add(f"{prefix}holiday_subdivision", "needs_country", "needs a holiday_country")
        return result
    known = {name.casefold(): name for name in subdivisions(result.holiday_country)}
    spelled = known.get(result.holiday_subdivision.casefold())
    if spelled is None:
        errors.add(
            f"{prefix}holiday_subdivision",
            "unknown_subdivision",
            f"{result.holiday_subdivision!r} is not a subdivision of "
            f"{result.holiday_country} (known: "
            f"{', '.join(subdivisions(result.holiday_country)) or 'none'})",
        )
        return result
    return replace(result, holiday_subdivision=spelled)


def _offsets(value: object, path: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidInput.single(path, "not_a_list", "must be a list of days, e.g. [3, 7, 14]")
    if len(value) > MAX_LEVELS:
        raise InvalidInput.single(path, "too_long", f"at most {MAX_LEVELS} reminder levels")
    errors = FieldErrors()
    offsets: list[int] = []
    for index, item in enumerate(value):
        try:
            offsets.append(as_int(item, field=f"{path}.{index}", low=0, high=3650))
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    if any(b <= a for a, b in itertools.pairwise(offsets)):
        raise InvalidInput.single(
            path, "not_increasing", "each reminder must come after the one before it"
        )
    return tuple(offsets)


def _fees(value: object, path: str) -> dict[str, tuple[Decimal, ...]]:
    if not isinstance(value, Mapping):
        raise InvalidInput.single(
            path, "not_an_object", 'must be an object like {"EUR": ["0", "5.00", "10.00"]}'
        )
    errors = FieldErrors()
    fees: dict[str, tuple[Decimal, ...]] = {}
    for code, amounts in value.items():
        where = f"{path}.{code}"
        try:
            currency = currencies.normalise(str(code), field=where)
            if not isinstance(amounts, list | tuple) or len(amounts) > MAX_LEVELS:
                raise InvalidInput.single(
                    where, "not_a_list", f"must be a list of at most {MAX_LEVELS} amounts"
                )
            fees[currency] = tuple(_fee(a, currency, f"{where}.{i}") for i, a in enumerate(amounts))
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return fees


def _fee(value: object, currency: str, path: str) -> Decimal:
    if value is None:
        return Decimal(0)
    amount = parse_decimal(value, field=path)
    allowed = currencies.exponent(currency)
    if decimals_of(amount) > allowed:
        raise InvalidInput.single(
            path, "too_many_decimals", f"{currency} allows at most {allowed} decimals"
        )
    if amount < 0:
        raise InvalidInput.single(path, "negative", "a fee cannot be negative")
    if amount > Decimal("1000000"):
        raise InvalidInput.single(path, "out_of_range", "must be at most 1000000")
    return amount


def _holidays(value: object, path: str) -> tuple[date, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidInput.single(path, "not_a_list", "must be a list of dates (YYYY-MM-DD)")
    if len(value) > MAX_HOLIDAYS:
        raise InvalidInput.single(path, "too_long", f"at most {MAX_HOLIDAYS} dates")
    errors = FieldErrors()
    found: set[date] = set()
    for index, item in enumerate(value):
        try:
            found.add(as_date(item, field=f"{path}.{index}"))
        except InvalidInput as exc:
            errors.absorb(exc)
    errors.raise_if_any()
    return tuple(sorted(found))


def _country(value: object, path: str) -> str | None:
    if value is None or value == "":
        return None
    code = str(value).strip().upper()
    if not _CODE.fullmatch(code) or code not in countries():
        raise InvalidInput.single(
            path, "unknown_country", f"{value!r} is not a country with a holiday calendar"
        )
    return code


def _subdivision(value: object, path: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value.strip()) > 60:
        raise InvalidInput.single(path, "unknown_subdivision", f"{value!r} is not a subdivision")
    return value.strip()


_CHECKS = {
    "block_on_weekends": lambda v, f: as_bool(v, field=f),
    "block_on_holidays": lambda v, f: as_bool(v, field=f),
    "holidays": _holidays,
    "holiday_country": _country,
    "holiday_subdivision": _subdivision,
    "reminder_offsets": _offsets,
    "reminder_fees": _fees,
}


@cache
def _calendars() -> dict[str, str]:
    """Country code -> the class of its calendar in the `holidays` package, read from the
    package's registry, which imports no country module."""
    from holidays import registry  # loaded only when a calendar is needed

    found: dict[str, str] = {}
    for names in registry.COUNTRIES.values():
        found[names[1]] = names[0]
        if len(names) > 2 and _CODE.fullmatch(names[2]):
            found.setdefault(names[2], names[0])
    return found


def countries() -> tuple[str, ...]:
    """Codes of the countries with a public-holiday calendar (the `holidays` package),
    alpha-2 and alpha-3."""
    return tuple(sorted(_calendars()))


@cache
def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivisions (states, regions, zones) of a country's holiday calendar, as the
    calendar spells them; loads that country's calendar only."""
    name = _calendars().get(country)
    if name is None:
        return ()
    import holidays

    return tuple(getattr(holidays, name).subdivisions)
