"""Checks on values typed by users (text, e-mail, dates, flags, numbers, choices)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from solde.domain.errors import FieldErrors, InvalidInput

#: The oldest and newest dates solde accepts anywhere (imports of old books included).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

E = TypeVar("E", bound=StrEnum)

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def clean_text(value: object, *, field: str, max_length: int, required: bool = False) -> str | None:
    """Trimmed text without control characters, or None when empty and not required.

    Refuses NUL and other control characters (tab and line breaks excepted) and unpaired
    surrogates, which no database stores faithfully.
    """
    if value is None:
        if required:
            raise InvalidInput.single(field, "required", "is required")
        return None
    if not isinstance(value, str):
        raise InvalidInput.single(field, "not_text", "must be text")
    text = value.strip()
    if not text:
        if required:
            raise InvalidInput.single(field, "required", "must not be empty")
        return None
    if len(text) > max_length:
        raise InvalidInput.single(field, "too_long", f"must be at most {max_length} characters")
    for char in text:
        category = unicodedata.category(char)
        if (category == "Cc" and char not in "\t\n\r") or category == "Cs":
            raise InvalidInput.single(field, "bad_character", "contains a control character")
    return text


def check_email(value: str | None, *, field: str = "email") -> str | None:
    """An e-mail address of the usual shape (`name@example.com`), or None."""
    if value is None:
        return None
    if not _EMAIL.fullmatch(value) or len(value) > 254:
        raise InvalidInput.single(field, "invalid_email", f"{value!r} is not an e-mail address")
    return value


def check_date(value: date, *, field: str) -> date:
    """A date between 1900 and 2999."""
    if not isinstance(value, date):
        raise InvalidInput.single(field, "not_a_date", "must be a date (YYYY-MM-DD)")
    if not MIN_DATE <= value <= MAX_DATE:
        raise InvalidInput.single(
            field, "out_of_range", "must be between 1900-01-01 and 2999-12-31"
        )
    return value


def as_bool(value: object, *, field: str) -> bool:
    """A true/false flag (JSON booleans only)."""
    if not isinstance(value, bool):
        raise InvalidInput.single(field, "not_a_boolean", "must be true or false")
    return value


def as_int(value: object, *, field: str, low: int, high: int) -> int:
    """A whole number between `low` and `high` inclusive."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput.single(field, "not_an_integer", "must be a whole number")
    if not low <= value <= high:
        raise InvalidInput.single(field, "out_of_range", f"must be between {low} and {high}")
    return value


def as_choice(value: object, *, field: str, choices: type[E]) -> E:
    """One of the values of an enumeration of strings."""
    allowed = ", ".join(c.value for c in choices)
    if not isinstance(value, str):
        raise InvalidInput.single(field, "invalid_choice", f"must be one of: {allowed}")
    try:
        return choices(value)
    except ValueError:
        raise InvalidInput.single(field, "invalid_choice", f"must be one of: {allowed}") from None


def as_date(value: object, *, field: str) -> date:
    """A date from a `date` or ISO text `YYYY-MM-DD`."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
        except ValueError:
            value = None
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput.single(field, "not_a_date", "must be a date (YYYY-MM-DD)")
    return check_date(value, field=field)


T = TypeVar("T")


class InputReader:
    """Reads the fields of one command, collecting every fault to report them together.

    `read` returns the checked value, or the default when the field is absent, null or wrong
    (the fault is kept); `done` raises `InvalidInput` with all the faults.
    """

    def __init__(self, values: Mapping[str, object], *, allowed: Iterable[str], what: str) -> None:
        self.values = values
        self.errors = FieldErrors()
        known = frozenset(allowed)
        for name in values:
            if name not in known:
                self.errors.add(name, "unknown_field", f"is not a field of {what}")

    def read(self, name: str, check: Callable[[object, str], T], default: T) -> T:
        """The checked value of a field, or `default` when it is absent or null."""
        value = self.values.get(name)
        if value is None:
            return default
        try:
            return check(value, name)
        except InvalidInput as exc:
            self.errors.absorb(exc)
            return default

    def required(self, name: str, check: Callable[[object, str], T], placeholder: T) -> T:
        """The checked value of a field that must be given."""
        if self.values.get(name) is None:
            self.errors.add(name, "required", "is required")
            return placeholder
        return self.read(name, check, placeholder)

    def failed(self, *names: str) -> bool:
        """Whether a fault is already recorded for one of `names` (or a field under it)."""
        return any(self.errors.concerns(name) for name in names)

    def fail(self, name: str, code: str, message: str) -> None:
        """Record a fault found by the caller."""
        self.errors.add(name, code, message)

    def done(self) -> None:
        """Raise every fault collected."""
        self.errors.raise_if_any()


#: Ids are 64-bit signed integers made by the database.
MAX_ID = 2**63 - 1


def is_possible_id(value: int) -> bool:
    """Whether `value` could be the id of a stored object (ids outside never exist)."""
    return 1 <= value <= MAX_ID
