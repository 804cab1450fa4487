"""The one exception tree of solde. Every error a user can cause is one of these.

Each class has a stable `code` (part of the API contract: it ends the problem `type` URI) and
is mapped to an HTTP status, a CLI message and a form error at the edges, from one table
(`solde.statuses`). The domain never knows about HTTP.

    SoldeError
    ├── InvalidInput             a value is malformed or out of range (422); names its fields
    ├── NotFound                 an id that does not exist for this caller (404)
    ├── Conflict                 the request is valid but the current state refuses it (409)
    │   ├── InvalidState         e.g. editing a posted transaction, confirming a failed payment
    │   │   └── NotEditable      an edit names fields the document's status no longer allows
    │   ├── DuplicateValue       a value that must be unique is taken (external_ref, ...)
    │   ├── InsufficientCredit   a refund larger than the available credit without force
    │   └── PeriodLocked         a date on or before the lock date of settings
    ├── CurrencyMismatch         amounts of two currencies met in one operation (422)
    ├── TooManyAttempts          too many wrong passwords lately: wait `retry_after` s (429)
    └── Unavailable              a part of solde this server cannot run (PDFs without Pango) (503)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with one input field: `field` is a dotted path (`billing.billing_day`)."""

    field: str
    code: str
    message: str


class SoldeError(Exception):
    """Root of every error solde raises on purpose."""

    code = "error"
    title = "Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(SoldeError):
    """One or more input fields are malformed or out of range."""

    code = "invalid_input"
    title = "Invalid input"

    def __init__(self, errors: Iterable[FieldError], message: str | None = None) -> None:
        self.errors: tuple[FieldError, ...] = tuple(errors)
        text = message or "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(text or "invalid input")

    @classmethod
    def single(cls, field: str, code: str, message: str) -> InvalidInput:
        """An error about one field."""
        return cls([FieldError(field, code, message)])

    def under(self, prefix: str) -> InvalidInput:
        """The same errors with their field paths placed under `prefix` (`billing.`)."""
        return InvalidInput(
            FieldError(f"{prefix}{e.field}", e.code, e.message) for e in self.errors
        )


class NotFound(SoldeError):
    """The object does not exist (or is not visible to the caller)."""

    code = "not_found"
    title = "Not found"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} does not exist")
        self.kind = kind
        self.ident = ident


class Conflict(SoldeError):
    """The request is well formed but the current state of the data refuses it."""

    code = "conflict"
    title = "Conflict"


class InvalidState(Conflict):
    """The object is not in a state that allows this action."""

    code = "invalid_state"
    title = "Not allowed in this state"


class NotEditable(InvalidState):
    """An edit names fields that may no longer change; `editable` names those that may."""

    code = "not_editable"
    title = "Not editable in this status"

    def __init__(self, message: str, *, refused: tuple[str, ...], editable: tuple[str, ...]):
        super().__init__(message)
        self.refused = refused
        self.editable = editable


class DuplicateValue(Conflict):
    """A value that must be unique is already used."""

    code = "duplicate_value"
    title = "Duplicate value"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InsufficientCredit(Conflict):
    """A refund is larger than what the customer has in credit."""

    code = "insufficient_credit"
    title = "Insufficient credit"


class PeriodLocked(Conflict):
    """The date falls in a closed period (on or before the lock date)."""

    code = "period_locked"
    title = "Period locked"


class CurrencyMismatch(SoldeError):
    """Two amounts of different currencies were combined."""

    code = "currency_mismatch"
    title = "Currency mismatch"


class TooManyAttempts(SoldeError):
    """Too many wrong passwords for this user or from this address lately."""

    code = "too_many_attempts"
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"too many wrong passwords; try again in {minutes} minute(s)")
        self.retry_after = retry_after


class Unavailable(SoldeError):
    """Something this installation cannot do, such as rendering PDFs without the system
    libraries they need; the rest of solde works."""

    code = "unavailable"
    title = "Unavailable on this server"


class FieldErrors:
    """Collects field errors so that a command reports all of them at once."""

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        """Record one problem."""
        self._errors.append(FieldError(field, code, message))

    def absorb(self, error: InvalidInput, prefix: str = "") -> None:
        """Record every problem of an `InvalidInput` (optionally under a prefix)."""
        for e in error.errors:
            self._errors.append(FieldError(f"{prefix}{e.field}", e.code, e.message))

    def concerns(self, field: str) -> bool:
        """Whether a problem is recorded for `field` or a field under it (`items.0.x`)."""
        return any(e.field == field or e.field.startswith(f"{field}.") for e in self._errors)

    def raise_if_any(self) -> None:
        """Raise `InvalidInput` with everything collected, if anything was."""
        if self._errors:
            raise InvalidInput(self._errors)

    def __bool__(self) -> bool:
        return bool(self._errors)
