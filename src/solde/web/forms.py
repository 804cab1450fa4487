"""What a form typed, what was wrong with it, and how it becomes a use case's values.

Input names are the API's field names (`billing.billing_day`, `unit_price`), so the errors a
use case raises land next to the input that caused them. A form that fails keeps every value
exactly as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from solde.domain.errors import (
    DuplicateValue,
    FieldError,
    InvalidInput,
    SoldeError,
)
from solde.web.formatting import parse_number

T = TypeVar("T")


@dataclass
class Form:
    """A form's typed values, its errors by field, and an error about the whole form."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @classmethod
    def typed(cls, data: Mapping[str, str]) -> Form:
        """The form as submitted (the CSRF token left out; `next` kept, so that a refused form
        still returns where the user came from)."""
        return cls({k: v for k, v in data.items() if k != "csrf_token"})

    def get(self, name: str, default: str = "") -> str:
        """What was typed in a field (or the initial value)."""
        return self.values.get(name, default)

    def text(self, name: str) -> str | None:
        """The trimmed text of a field, None when empty (the API's "not given")."""
        value = self.values.get(name, "").strip()
        return value or None

    def failed(self, exc: SoldeError, aliases: Mapping[str, str] | None = None) -> Form:
        """Keep the errors of `exc`: by field when it names fields, else for the whole form.
        `aliases` names the input of a field the form asks for differently (`kind` and
        `type` are one "line type" select)."""
        names = aliases or {}
        if isinstance(exc, InvalidInput):
            for e in exc.errors:
                self.errors.setdefault(names.get(e.field, e.field), e.message)
            if not self.errors:
                self.error = exc.message
        elif isinstance(exc, DuplicateValue):
            self.errors[names.get(exc.field, exc.field)] = exc.message
        else:
            self.error = exc.message
        if self.errors and self.error is None:
            self.error = "Some fields need attention."
        return self


class Reader:
    """Turns typed text into the values a use case takes, collecting every fault."""

    def __init__(self, form: Form, locale: str) -> None:
        self.form = form
        self.locale = locale
        self.faults: list[FieldError] = []
        self.values: dict[str, Any] = {}

    def text(self, *names: str) -> Reader:
        """Text fields, given when not empty."""
        for name in names:
            value = self.form.text(name)
            if value is not None:
                self.values[name] = value
        return self

    def number(self, *names: str) -> Reader:
        """Numbers typed in the user's locale, given when not empty."""
        for name in names:
            value = self.form.text(name)
            if value is None:
                continue
            try:
                self.values[name] = parse_number(value, self.locale, field=name)
            except InvalidInput as exc:
                self.faults.extend(exc.errors)
        return self

    def unsigned(self, name: str, *, negate: bool, hint: str) -> Reader:
        """An amount typed without a sign, whose sign the form chooses (a refund is a negative
        payment): a sign typed anyway is refused rather than flipped."""
        self.number(name)
        value = self.values.get(name)
        if isinstance(value, str) and value.startswith(("-", "+")):
            del self.values[name]
            self.faults.append(FieldError(name, "signed", f"type it without a sign; {hint}"))
        elif isinstance(value, str) and negate:
            self.values[name] = f"-{value}"
        return self

    def flag(self, *names: str) -> Reader:
        """Checkboxes: true when ticked, false otherwise."""
        for name in names:
            self.values[name] = self.form.get(name) in ("on", "true", "1", "yes")
        return self

    def integer(self, *names: str) -> Reader:
        """Whole numbers; anything else goes to the use case, which names the fault."""
        for name in names:
            value = self.form.text(name)
            if value is not None:
                self.values[name] = whole_number(value)
        return self

    def set(self, name: str, value: object) -> Reader:
        """A value computed by the route."""
        self.values[name] = value
        return self

    def done(self) -> dict[str, Any]:
        """The values, or `InvalidInput` with every number that could not be read."""
        if self.faults:
            raise InvalidInput(self.faults)
        return self.values

    def run(self, action: Callable[[dict[str, Any]], T]) -> T:
        """`action` with the values read; see `checked`."""
        return checked(self.faults, lambda: action(self.values))


def checked(faults: Sequence[FieldError], action: Callable[[], T]) -> T:
    """Run `action` (a use case given what could be read of a form) and report the fields that
    could not be read together with every fault `action` finds in the rest, as the API reports
    all faults at once. When a field could not be read this raises, so the caller does not
    commit and nothing `action` did is kept."""
    try:
        result = action()
    except InvalidInput as exc:
        if faults:
            raise InvalidInput([*faults, *exc.errors]) from None
        raise
    except SoldeError:
        if faults:
            raise InvalidInput(faults) from None
        raise
    if faults:
        raise InvalidInput(faults)
    return result


def whole_number(text: str) -> int | str:
    """A whole number typed in a form (`30`, `-5`), else the text as typed, for the use case
    to refuse with the field's own rule (a range, or "must be a whole number")."""
    typed = text.strip()
    digits = typed[1:] if typed[:1] in "+-" else typed
    if digits.isascii() and digits.isdigit() and len(digits) <= 30:
        return int(typed)
    return text


def choice(value: str, allowed: Iterable[str], default: str) -> str:
    """A value from a fixed list (query strings), or the default."""
    return value if value in set(allowed) else default
